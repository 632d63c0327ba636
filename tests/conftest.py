import os

# Tests must never colour their output or pick up a developer's debug switch.
os.environ.setdefault("NO_COLOR", "1")
os.environ.pop("NNLINT_DEBUG", None)
