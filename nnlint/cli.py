"""The `nnlint` command: parse options, load config, run, report, exit 0/1/2.

Exit codes: 0 no findings; 1 findings (syntax errors and unreadable files included); 2 usage or
config error, or an internal error in a rule. No traceback ever reaches the user.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import List, Optional, Sequence

import click

from nnlint import __version__, selection
from nnlint.checks import ALL_RULES, RULES_BY_CODE
from nnlint.config import ConfigError, Settings, find_config, load
from nnlint.discovery import STDIN, discover
from nnlint.report import FORMATS, REPORTERS, github, json_report, sarif
from nnlint.report import statistics as statistics_report
from nnlint.report.concise import write_errors
from nnlint.runner import DIFF, FIX, RunOptions, RunResult, default_jobs, display_path, run

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _split_codes(value: Optional[str], option: str) -> Optional[List[str]]:
    if value is None:
        return None
    codes = [c.strip() for c in value.split(",") if c.strip()]
    for code in codes:
        if not selection.is_valid(code):
            raise click.BadParameter(f"{code!r} is not a rule code or prefix of one", param_hint=option)
    return codes


def _settings(config: Optional[str], paths: Sequence[str], stdin_filename: Optional[str]) -> Settings:
    if config is not None:
        path = Path(config)
        if not path.is_file():
            raise ConfigError(f"{config}: no such config file")
        return load(path)
    first = next((p for p in paths if p != STDIN), None)
    if first is None:
        first = stdin_filename or "."
    start = Path(first) if os.path.exists(first) else Path.cwd()
    found = find_config(start)
    return load(found) if found is not None else Settings(root=Path.cwd())


def _explain(code: str) -> None:
    from nnlint.docs import render

    rule = RULES_BY_CODE.get(code.strip().upper())
    if rule is None:
        raise click.BadParameter(f"{code!r} is not a rule code", param_hint="--explain")
    click.echo(render(rule), nl=False)


def _list_rules() -> None:
    width = max(len(rule.name) for rule in ALL_RULES)
    for rule in ALL_RULES:
        click.echo(f"{rule.code}  {rule.name:<{width}}  {rule.severity.value:<7}  {rule.summary}")


def _exit_code(result: RunResult, exit_zero: bool) -> int:
    if result.internal_errors:
        return EXIT_ERROR
    if exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if result.diagnostics or result.errors else EXIT_CLEAN


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=str)
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("--select", help="Comma-separated rule codes or prefixes to enable (NN1, NN101).")
@click.option("--ignore", help="Comma-separated rule codes or prefixes to disable.")
@click.option("--stdin-filename", help="Name to report (and match config) for input read from stdin (-).")
@click.option("--config", "config", type=str, help="Use this pyproject.toml or nnlint.toml.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of CPUs).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--ignore-noqa", is_flag=True, help="Report findings even where a noqa comment silences them.")
@click.option("--fix", is_flag=True, help="Apply the safe fixes and report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff, also apply fixes that change computed values.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff instead of writing them; exit 1 if there is any.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option("--statistics", is_flag=True, help="Show counts per rule instead of each finding.")
@click.option("--explain", metavar="CODE", help="Print a rule's documentation and exit.")
@click.option("--list-rules", is_flag=True, help="List all rules and exit.")
@click.version_option(__version__, prog_name="nnlint")
def main(
    paths: Sequence[str],
    output_format: str,
    select: Optional[str],
    ignore: Optional[str],
    stdin_filename: Optional[str],
    config: Optional[str],
    jobs: Optional[int],
    exit_zero: bool,
    ignore_noqa: bool,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    no_cache: bool,
    statistics: bool,
    explain: Optional[str],
    list_rules: bool,
) -> None:
    """Find the bugs in TensorFlow, Keras and PyTorch training code that make training
    diverge, stall or run out of memory.

    PATHS are files, directories (searched recursively) or - for stdin; default: the current
    directory.
    """
    if explain is not None:
        _explain(explain)
        return
    if list_rules:
        _list_rules()
        return
    select_codes = _split_codes(select, "--select")
    ignore_codes = _split_codes(ignore, "--ignore") or []
    paths = list(paths) or ["."]
    try:
        settings = _settings(config, paths, stdin_filename)
    except ConfigError as error:
        _config_failure(str(error), output_format)
        return
    selected = selection.resolve(
        select_codes if select_codes is not None else settings.select,
        settings.ignore + ignore_codes,
    )
    found = discover(paths, settings.exclude, settings.root)
    options = RunOptions.from_settings(settings, selected, ignore_noqa, stdin_filename, cache=not no_cache)
    fix_mode = DIFF if diff else FIX if fix else None
    if fix_mode is not None:
        options = replace(options, fix_mode=fix_mode, unsafe_fixes=unsafe_fixes, cache_dir=None)
    result = run(found.files, options, jobs or default_jobs())
    result.errors.extend((display_path(path), message) for path, message in found.errors)
    result.errors.sort()
    out, err = sys.stdout, sys.stderr
    if fix_mode == DIFF:
        _report_diff(result, out, err)
    elif result.fixed_text is not None:
        # Standard input with --fix: the fixed source for the editor, the rest on stderr.
        out.write(result.fixed_text)
        REPORTERS["concise"](result, err, err)
    elif statistics:
        if output_format == "json":
            statistics_report.write_json(result, out)
        else:
            statistics_report.write_text(result, out)
        write_errors(result, err)
    else:
        REPORTERS[output_format](result, out, err)
    sys.exit(_exit_code(result, exit_zero))


def _report_diff(result: RunResult, out, err) -> None:
    for diff in result.diffs:
        out.write(diff)
    write_errors(result, err)
    files = len(result.diffs)
    err.write(f"Would fix {result.fixed} problem{'s' if result.fixed != 1 else ''} in "
              f"{files} file{'s' if files != 1 else ''}.\n" if files else "No fixes to apply.\n")
    sys.exit(EXIT_ERROR if result.internal_errors else EXIT_FINDINGS if result.diffs else EXIT_CLEAN)


def _config_failure(message: str, output_format: str) -> None:
    """Machine-readable formats still get their document, so a CI step that parses it sees why."""
    if output_format == "json":
        document = json_report.document(RunResult(), [{"path": message.split(":", 1)[0], "message": message}])
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    elif output_format == "sarif":
        sys.stdout.write(json.dumps(sarif.document(RunResult(), [message]), indent=2) + "\n")
    elif output_format == "github":
        sys.stdout.write(github.command("error", message, []) + "\n")
    click.echo(f"nnlint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def run_main() -> None:
    """Entry point that turns any unexpected failure into a one-line message and exit 2.
    `nnlint lsp` starts the language server (a path named `lsp` is linted as `./lsp`)."""
    if sys.argv[1:] == ["lsp"]:
        from nnlint.lsp import main as serve

        serve()
        return
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # noqa: BLE001
        if os.environ.get("NNLINT_DEBUG"):
            raise
        click.echo(f"nnlint: internal error: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_ERROR)
