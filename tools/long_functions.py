#!/usr/bin/env python3
"""Lists Rust functions longer than a limit (default 100 lines), and source files longer than
1,000 lines, outside the vendored synthesizer fork (`crates/synth`).

    python3 tools/long_functions.py [--limit 100] [paths...]
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

FN = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+|async\s+|unsafe\s+)*fn\s+(\w+)")


def functions(path: Path) -> list[tuple[str, int, int]]:
    """(name, first line, line count) of every function with a body."""
    lines = path.read_text().splitlines()
    out = []
    i = 0
    while i < len(lines):
        m = FN.match(lines[i])
        if not m:
            i += 1
            continue
        depth, started, j = 0, False, i
        while j < len(lines):
            code = re.sub(r'"(?:\\.|[^"\\])*"|//.*', "", lines[j])
            depth += code.count("{") - code.count("}")
            started = started or "{" in code
            if started and depth <= 0:
                break
            if not started and code.rstrip().endswith(";"):
                break
            j += 1
        if started:
            out.append((m.group(1), i + 1, j - i + 1))
        i += 1
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("paths", nargs="*", default=["crates", "python/src"])
    args = ap.parse_args()
    files = sorted(
        f for p in args.paths for f in Path(p).rglob("*.rs")
        if "crates/synth/" not in f.as_posix() and "/target/" not in f.as_posix()
    )
    for f in files:
        n = len(f.read_text().splitlines())
        if n > 1000:
            print(f"FILE {f}: {n} lines")
    for f in files:
        for name, line, count in functions(f):
            if count > args.limit:
                print(f"{f}:{line} {name}: {count} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
