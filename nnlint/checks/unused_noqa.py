"""NN001: a `# noqa` that suppresses nothing, reported once the other rules have run."""

from __future__ import annotations

import re
from typing import AbstractSet, List, Mapping, Sequence

from nnlint.rule import Applicability, Diagnostic, Edit, Fix, Rule, Severity
from nnlint.suppression import NoqaComment, noqa_comments

CODE = "NN001"
_OURS = re.compile(r"NN[0-9]+$")


class UnusedNoqa(Rule):
    code = CODE
    name = "unused-noqa"
    severity = Severity.INFO
    summary = "A `# noqa` comment that suppresses nothing hides the next real finding on its line."
    engine_reported = True

    what_it_does = (
        "Reports `# noqa: NNxxx` codes that silence no finding on their line (also codes that are "
        "not nnlint rules), and a bare `# noqa` on a line where nnlint found nothing, like ruff's "
        "RUF100. Codes of other tools (`E501`, `F401`) are never reported."
    )
    why_bad = (
        "Code changes and the finding a `# noqa` was written for goes away, but the comment stays. "
        "The next real bug on that line (a new `tf.log`, a new loss accumulation) is then silenced "
        "before anyone sees it."
    )
    stays_silent = (
        "- A code whose rule this run did not select (`--select`, `ignore`, `per-file-ignores`), "
        "or a catalog code whose rule this version does not implement yet: nnlint cannot tell "
        "whether it is still needed. Likewise a bare `# noqa` when some rules were not selected.\n"
        "- `NN001` itself in a `# noqa`, which silences this rule on that line.\n"
        "- A `# noqa` inside a string or docstring, which is not a comment.\n"
        "- Runs with `--ignore-noqa`, files with `# nnlint: skip-file`, and files that do not parse.\n"
        "- A bare `# noqa` in a file that imports no framework (TensorFlow, Keras, PyTorch or "
        "its ecosystem): nnlint has nothing to say about such files, so their bare `# noqa` "
        "comments belong to other tools (explicit `NNxxx` codes in them are still reported)."
    )
    example = (
        "import torch\n\n"
        "probs = torch.softmax(logits, dim=1)  # noqa\n"
        "loss = torch.log(probs + 1e-8)  # noqa: NN101\n"
    )
    use_instead = (
        "import torch\n\n"
        "probs = torch.softmax(logits, dim=1)\n"
        "loss = torch.log(probs + 1e-8)\n"
    )
    known_problems = (
        "A bare `# noqa` meant for another linter on a file that uses a framework is reported as "
        "well; give each tool its own codes (`# noqa: F401`)."
    )
    fix_safety = (
        "Safe: removes the unused codes from the comment, or the whole directive when no code is "
        "left; other codes and the rest of the comment are kept."
    )


def unused_noqa(
    path: str,
    lines: Sequence[str],
    silenced: Mapping[int, AbstractSet[str]],
    selected: AbstractSet[str],
    known: AbstractSet[str],
    judge_bare: bool,
) -> List[Diagnostic]:
    """NN001 findings for the file's `# noqa` comments, given the codes each line silenced.
    `known` holds the codes of the catalog (implemented or not), `selected` this run's.
    A bare `# noqa` is judged only when `judge_bare`: the file imports a framework (other tools
    own the bare comments of other files) and every rule ran (it also covers unselected ones)."""
    found: List[Diagnostic] = []
    for comment in noqa_comments(lines):
        used = silenced.get(comment.line, frozenset())
        if not comment.codes:
            if judge_bare and not used:
                found.append(_diagnostic(path, lines, comment, [], (
                    "This `# noqa` suppresses no nnlint finding on its line; remove it, or name the "
                    "other tool's codes (`# noqa: E501`)."
                )))
            continue
        codes = [code for code, _, _ in comment.codes]
        if CODE in codes:
            continue
        unknown = [c for c in codes if _OURS.match(c) and c not in known]
        stale = [c for c in codes if c in selected and c not in used and c != CODE]
        if not unknown and not stale:
            continue
        found.append(_diagnostic(path, lines, comment, unknown + stale, _message(unknown, stale)))
    return found


def _message(unknown: List[str], stale: List[str]) -> str:
    if unknown and not stale:
        listed = ", ".join(unknown)
        return f"`{listed}` {'is not an nnlint rule' if len(unknown) == 1 else 'are not nnlint rules'}; remove it from the `# noqa`."
    listed = ", ".join(unknown + stale)
    verb = "suppresses" if len(unknown) + len(stale) == 1 else "suppress"
    return f"`# noqa: {listed}` {verb} nothing on this line; remove {'it' if verb == 'suppresses' else 'them'}."


def _diagnostic(path: str, lines: Sequence[str], comment: NoqaComment, unused: List[str], message: str) -> Diagnostic:
    rule = UnusedNoqa
    return Diagnostic(
        path=path,
        line=comment.line,
        column=comment.start + 1,
        end_line=comment.line,
        end_column=comment.end + 1,
        code=rule.code,
        rule=rule.name,
        severity=rule.severity,
        message=message,
        noqa_line=comment.line,
        fix=Fix(Applicability.SAFE, _fix_description(unused), (_edit(lines[comment.line - 1], comment, unused),)),
    )


def _fix_description(unused: List[str]) -> str:
    return f"Remove `{', '.join(unused)}` from the `# noqa`" if unused else "Remove the `# noqa`"


def _edit(line: str, comment: NoqaComment, unused: List[str]) -> Edit:
    kept = [(code, start, end) for code, start, end in comment.codes if code not in unused]
    if unused and kept:
        first, last = comment.codes[0][1], comment.codes[-1][2]
        return Edit(comment.line, first + 1, comment.line, last + 1, ", ".join(line[s:e] for _, s, e in kept))
    start, end = comment.start, comment.end
    rest = line[end:]
    if rest.lstrip().startswith("#"):
        end += len(rest) - len(rest.lstrip())  # `# noqa: NN101  # why` keeps `# why`
        return Edit(comment.line, start + 1, comment.line, end + 1, "")
    if rest.strip():
        return Edit(comment.line, start + 1, comment.line, end + 1, "#")  # `# noqa: NN1 - why` keeps `# - why`
    start = len(line[:start].rstrip())  # the whole directive goes, and the spaces before it
    return Edit(comment.line, start + 1, comment.line, end + 1, "")

