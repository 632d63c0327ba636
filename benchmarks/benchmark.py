"""How fast nnlint is on a directory, next to the LibCST floor and (when installed) its peers.

    python benchmarks/benchmark.py PATH            # a checkout of real training code
    python benchmarks/benchmark.py --synthetic 600 # a generated corpus (benchmarks/synthetic.py)

Prints, from one run: the corpus size; nnlint's wall time cold (no cache) with 1 and N jobs and
warm (cache filled); the LibCST floor (parsing the same files, nothing else, 1 process); the
ratio nnlint/floor; and the peak resident memory of each nnlint run. TorchFix and Fixit are
timed too when their commands are installed. Every timing is the best of `--repeat` runs, each in
a fresh process, as a user would start them.

This is a measurement tool, not a test: timings depend on the machine, so the README quotes
ratios and describes the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic import generate  # noqa: E402

# Runs a command and prints its wall time and the peak RSS (KiB) of its process tree's largest
# process, measured from the outside so that the tool's own start-up counts.
_MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - start
print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""

# The floor: read and parse every file once with LibCST, in one process.
_FLOOR = """
import sys, libcst
sys.path.insert(0, sys.argv[1])
from nnlint.notebooks import read_notebook
for path in sys.argv[2:]:
    text = open(path, encoding="utf-8", errors="replace").read()
    if path.endswith(".ipynb"):
        try:
            text = read_notebook(text).text
        except Exception:
            continue
    try:
        libcst.parse_module(text)
    except Exception:
        pass
"""


def measure(command: Sequence[str], repeat: int, cwd: Optional[Path] = None) -> Tuple[float, int]:
    """Best wall time (s) over `repeat` fresh processes, and the peak RSS (MiB) seen."""
    best, peak = float("inf"), 0
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True,
                             cwd=cwd, check=True).stdout.split()
        best, peak = min(best, float(out[0])), max(peak, int(out[1]))
    return best, peak // 1024


def corpus_files(root: Path) -> List[str]:
    sys.path.insert(0, str(HERE.parent))
    from nnlint.discovery import discover

    return discover([str(root)], [], root).files


def size(files: Sequence[str]) -> Tuple[int, float]:
    lines = chars = 0
    for path in files:
        data = Path(path).read_bytes()
        lines += data.count(b"\n")
        chars += len(data)
    return lines, chars / 1e6


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", help="directory to lint")
    parser.add_argument("--synthetic", type=int, metavar="FILES", help="generate a corpus of this many files")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="N for the parallel run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (the best counts)")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    if (args.path is None) == (args.synthetic is None):
        parser.error("give a PATH or --synthetic FILES")

    scratch = Path(tempfile.mkdtemp(prefix="nnlint-bench-"))
    try:
        root = generate(scratch / "corpus", args.synthetic) if args.synthetic else Path(args.path).resolve()
        files = corpus_files(root)
        lines, megabytes = size(files)
        cache = scratch / "cache"
        nnlint = [sys.executable, "-m", "nnlint", "--format", "json", "--exit-zero"]
        results = {
            "files": len(files), "lines": lines, "MB": round(megabytes, 2),
            "machine": f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {sys.platform}",
        }
        cold_1, rss_1 = measure([*nnlint, "--no-cache", "--jobs", "1", str(root)], args.repeat)
        cold_n, rss_n = measure([*nnlint, "--no-cache", "--jobs", str(args.jobs), str(root)], args.repeat)
        config = scratch / "nnlint.toml"
        config.write_text(f'cache-dir = "{cache}"\n')
        with_cache = [*nnlint, "--config", str(config), "--jobs", str(args.jobs), str(root)]
        subprocess.run(with_cache, capture_output=True, check=True)
        warm, rss_warm = measure(with_cache, args.repeat)
        floor, _ = measure([sys.executable, "-c", _FLOOR, str(HERE.parent), *files], args.repeat)
        results.update({
            "nnlint cold -j1 (s)": round(cold_1, 2),
            f"nnlint cold -j{args.jobs} (s)": round(cold_n, 2),
            "nnlint warm, cached (s)": round(warm, 2),
            "LibCST parse only, 1 process (s)": round(floor, 2),
            "nnlint -j1 / floor": round(cold_1 / floor, 2),
            "peak RSS -j1 (MiB)": rss_1,
            f"peak RSS -j{args.jobs} (MiB, largest process)": rss_n,
            "peak RSS warm (MiB)": rss_warm,
        })
        for name, command in (("torchfix", ["torchfix", str(root)]), ("fixit", ["fixit", "lint", str(root)])):
            if shutil.which(command[0]):
                results[f"{name} (s)"] = round(measure(command, args.repeat)[0], 2)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"(benchmark took {time.perf_counter() - started:.0f} s)", file=sys.stderr)
