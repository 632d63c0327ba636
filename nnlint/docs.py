"""Rule pages (`rules/NNxxx.md`) generated from the rule classes, so the docs cannot drift.

Regenerate with `python -m nnlint.docs`; a test fails when the committed pages differ.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Type

from nnlint.checks import ALL_RULES
from nnlint.rule import Rule

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


def render(rule: Type[Rule]) -> str:
    lines: List[str] = [f"# {rule.code} {rule.name}", "", rule.summary, ""]

    def section(title: str, body: str) -> None:
        if body:
            lines.extend([f"## {title}", "", body.strip(), ""])

    def code(title: str, body: str) -> None:
        if body:
            lines.extend([f"## {title}", "", "```python", body.rstrip(), "```", ""])

    section("What it does", rule.what_it_does)
    section("Why is this bad?", rule.why_bad)
    section("Stays silent when", rule.stays_silent)
    section("Known problems", rule.known_problems)
    code("Example", rule.example)
    code("Use instead", rule.use_instead)
    if rule.options:
        body = "\n".join(
            f"- `{name}` ({option.type.__name__}, default `{option.default}`): {option.description}"
            for name, option in rule.options.items()
        )
        section("Options", f"Set in `[tool.nnlint.rules.{rule.code}]`.\n\n{body}")
    section("Fix safety", rule.fix_safety or "This rule has no automatic fix.")
    section("Severity", f"`{rule.severity.value}`")
    section("Where it comes from", rule.story)
    return "\n".join(lines).rstrip() + "\n"


def render_index() -> str:
    lines = ["# nnlint rules", "", "| code | name | severity | summary |", "|---|---|---|---|"]
    for rule in ALL_RULES:
        lines.append(
            f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.severity.value} | {rule.summary} |"
        )
    return "\n".join(lines) + "\n"


def expected_pages() -> dict:
    pages = {f"{rule.code}.md": render(rule) for rule in ALL_RULES}
    pages["README.md"] = render_index()
    return pages


def generate(directory: Path = RULES_DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in expected_pages().items():
        (directory / name).write_text(content, encoding="utf-8")


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else RULES_DIR)
