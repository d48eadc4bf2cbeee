"""Start-up time: ``actlab --help`` and ``import actlab`` against the interpreter and NumPy floors.

Each command runs in a fresh interpreter (``sys.executable``); the commands take turns
(interleaved) and the fastest of N runs of each is kept, the least disturbed on a shared
machine. The floors say what no lazy import can remove: the interpreter itself
(``python -c pass``) and NumPy (``import numpy``, which every actlab command needs); the
``over numpy`` column is what actlab adds on top. Target (issue 13): ``actlab --help`` <= 0.4 s.
``--modules`` lists the actlab modules ``actlab --help`` imports (each should be needed).

Run:  .venv/bin/python benchmarks/bench_startup.py [--repeats 7] [--quick] [--modules]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

HELP = "import sys; sys.argv = ['actlab', '--help']; from actlab.cli import main; main()"
COMMANDS = {
    "python -c pass": "pass",
    "import numpy": "import numpy",
    "import actlab": "import actlab",
    "actlab --help": HELP,
    "import actlab.nn": "import actlab.nn",
}
TARGET_S = 0.4


def run_once(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def best_times(repeats: int) -> dict[str, float]:
    """Interleaved best of ``repeats`` wall times (seconds) for every command."""
    best = dict.fromkeys(COMMANDS, float("inf"))
    for _ in range(repeats):
        for label, code in COMMANDS.items():
            best[label] = min(best[label], run_once(code))
    return best


def help_modules() -> list[str]:
    """The actlab modules that ``actlab --help`` imports, in import order."""
    code = HELP.replace("main()", "") + (
        "\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('actlab')), file=sys.stderr)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return res.stderr.split()


def main(argv=None) -> dict[str, float]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--quick", action="store_true", help="smoke run: 1 repeat")
    p.add_argument("--modules", action="store_true",
                   help="also list the actlab modules that actlab --help imports")
    args = p.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    load0 = os.getloadavg()[0]
    best = best_times(repeats)
    print(f"start-up: fresh interpreter per run, interleaved best of {repeats}; "
          f"load average {load0:.2f} at start, {os.getloadavg()[0]:.2f} at the end "
          f"({os.cpu_count()} CPUs)")
    print(f"{'command':18s}{'best s':>9s}{'over numpy':>12s}")
    for label, t in best.items():
        extra = t - best["import numpy"]
        print(f"{label:18s}{t:9.3f}{extra:+12.3f}")
    verdict = "met" if best["actlab --help"] <= TARGET_S else "MISSED"
    print(f"target: actlab --help <= {TARGET_S} s: {verdict} "
          f"({best['actlab --help']:.3f} s; on a loaded machine compare 'over numpy')")
    if args.modules:
        mods = help_modules()
        print(f"\nactlab modules imported by actlab --help ({len(mods)}):")
        print("  " + " ".join(mods))
    return best


if __name__ == "__main__":
    main()
