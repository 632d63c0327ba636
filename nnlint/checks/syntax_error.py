"""NN000: a file that does not parse cannot be checked, so it is a finding in itself."""

from __future__ import annotations

from nnlint.rule import Rule, Severity


class SyntaxErrorRule(Rule):
    code = "NN000"
    name = "syntax-error"
    severity = Severity.ERROR
    summary = "The file does not parse as Python 3, so nothing else in it was checked."
    engine_reported = True

    what_it_does = "Reports a file that is not valid Python 3 syntax, with the parser's message and position."
    why_bad = (
        "A training script that does not parse will fail the moment it is launched, and nnlint "
        "cannot check any of its other rules on it. Python 2 code (`print \"x\"`, `except E, e`) "
        "lands here too."
    )
    stays_silent = (
        "- The file never mentions `tensorflow`, `keras` or `torch`: nnlint skips such files "
        "before parsing them (none of its rules can apply), so their syntax errors are left to "
        "your general-purpose linter.\n"
        "- The file carries `# nnlint: skip-file`."
    )
    example = "import tensorflow as tf\n\nfor step in range(100)\n    sess.run(train_op)\n"
    use_instead = "import tensorflow as tf\n\nfor step in range(100):\n    sess.run(train_op)\n"
