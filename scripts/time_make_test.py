#!/usr/bin/env python
"""Time `make test` stage by stage: each prerequisite of the Makefile's `test` target, in its
order, as `make <stage>`, with the seconds each took and the total.

    python3 scripts/time_make_test.py            # in a fresh clone: install, lint, ... reader
    python3 scripts/time_make_test.py --logs DIR # each stage's output in DIR/<stage>.log

Stops at the first stage that fails. The machine is shared with whatever else runs: say so
when quoting the numbers.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def stages() -> list[str]:
    """The prerequisites of ``test:`` in the Makefile, in order."""
    for line in (REPO / "Makefile").read_text(encoding="utf-8").splitlines():
        found = re.match(r"test:\s*([^#]*)", line)
        if found:
            return found.group(1).split()
    sys.exit("Makefile: no `test:` target")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logs", type=Path, default=Path("/tmp/nnbook-make-test"))
    args = parser.parse_args()
    args.logs.mkdir(parents=True, exist_ok=True)
    total = 0.0
    for stage in stages():
        log = args.logs / f"{stage}.log"
        start = time.perf_counter()
        with log.open("w", encoding="utf-8") as out:
            code = subprocess.run(["make", stage], cwd=REPO, stdout=out,
                                  stderr=subprocess.STDOUT).returncode
        seconds = time.perf_counter() - start
        total += seconds
        print(f"[make test] {stage}: {seconds:.1f} s{'' if code == 0 else f'  FAILED, see {log}'}",
              flush=True)
        if code != 0:
            return code
    print(f"[make test] total: {total:.1f} s = {total / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
