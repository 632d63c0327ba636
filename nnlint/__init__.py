"""nnlint: a static linter for TensorFlow, Keras and PyTorch training scripts."""

__version__ = "0.1.0"

# Where the generated rule pages (rules/NNxxx.md) are published; reports link to them.
RULES_URL = "https://github.com/nnlint/nnlint/blob/main/rules/{code}.md"
