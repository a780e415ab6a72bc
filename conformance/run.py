#!/usr/bin/env python3
"""`make conformance`: other projects' test vectors, with the results their owners expect,
run against this engine. The vectors live in `$RAE_CONFORMANCE` (default
`../shared/conformance`); they are never copied into the repository (several licences allow
testing only). A missing folder is a failure, not a skip.

    .venv/bin/python conformance/run.py [SECTION ...]      # default: every section

Each section (a module here with `run(root, rae) -> list[Case]`) checks one suite; the run prints
one line per case, a table of passed/total per section, and exits 1 when any case fails.
"""
from __future__ import annotations

import importlib
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECTIONS = ["loudness", "midi", "audiowaveform", "assess"]


@dataclass
class Case:
    """One expectation of a suite: its name, whether it held, and what was measured."""

    name: str
    ok: bool
    detail: str = ""


def rae_binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    profile = os.environ.get("PROFILE", "ci")
    path = target / profile / "rae"
    if not path.is_file():
        sys.exit(f"{path} is missing: run `make conformance`, which builds it")
    return path


def main() -> int:
    root = Path(os.environ.get("RAE_CONFORMANCE", ROOT.parent / "shared" / "conformance"))
    if not root.is_dir():
        print(f"conformance vectors not found at {root} (set RAE_CONFORMANCE)", file=sys.stderr)
        return 1
    sys.path.insert(0, str(HERE))
    names = sys.argv[1:] or SECTIONS
    rae = rae_binary()
    summary = []
    for name in names:
        start = time.perf_counter()
        cases = importlib.import_module(name).run(root, rae)
        for c in cases:
            print(f"{'ok  ' if c.ok else 'FAIL'} {name}: {c.name}{': ' + c.detail if c.detail else ''}")
        passed = sum(c.ok for c in cases)
        summary.append((name, passed, len(cases), time.perf_counter() - start))
    print()
    print(f"{'section':16} {'passed':>7} {'total':>6} {'seconds':>8}")
    for name, passed, total, secs in summary:
        print(f"{name:16} {passed:7d} {total:6d} {secs:8.1f}")
    failed = any(p < t or t == 0 for _, p, t, _ in summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
