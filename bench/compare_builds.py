#!/usr/bin/env python3
"""Times two builds of rust_audio_engine in the same session, alternating, on the corpus audio:
the check that a change that should not touch speed did not. Each build runs in its own process
(its package selected by PYTHONPATH); each round runs every case `--runs` times per build.

    .venv/bin/python bench/compare_builds.py --old /tmp/oldpkg [--new ''] [--rounds 3] [--runs 7]

`--old` (and `--new`, default: the installed package) are folders holding a `rust_audio_engine`
package, e.g. `pip install --no-deps --target /tmp/oldpkg old.whl`. Prints medians and ranges.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("RAE_CORPUS", ROOT.parent / "shared" / "corpus"))

CASES = r'''
import json, sys, time
import rust_audio_engine as rae
x, sr = rae.load_audio(sys.argv[1] + "/audio/melody_mono_30s.wav")
m, msr = rae.load_audio(sys.argv[1] + "/audio/music_stereo_30s.wav")
cases = {
    "pitch (pyin, defaults)": lambda: rae.analyze_pitch(x, sr),
    "pitch (pyin, 2048/512)": lambda: rae.analyze_pitch(x, sr, frame_length=2048, hop_length=512),
    "pitch (yin, 2048/512)": lambda: rae.analyze_pitch(x, sr, method="yin", frame_length=2048, hop_length=512),
    "onsets": lambda: rae.detect_onsets(x, sr),
    "analyze (everything)": lambda: rae.analyze(x, sr),
    "waveform peaks (array)": lambda: rae.waveform_peaks(m, msr),
    "convolution (hall)": lambda: rae.Convolution("hall")(m, msr),
    "5-band EQ": lambda: rae.Chain([rae.PeakFilter(100 * i + 100, 2.0) for i in range(5)])(m, msr),
    "compressor + limiter": lambda: rae.Chain([rae.Compressor(-20, 4), rae.Limiter(-1)])(m, msr),
    "render (builtin, demo)": lambda: rae.render_midi(rae.demo_midi(), "builtin"),
}
out = {}
for name, f in cases.items():
    f()
    ts = []
    for _ in range(int(sys.argv[2])):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    out[name] = ts
print(json.dumps(out))
'''


def run(pkg: str, runs: int) -> dict[str, list[float]]:
    env = dict(os.environ)
    if pkg:
        env["PYTHONPATH"] = pkg
    out = subprocess.run([sys.executable, "-c", CASES, str(CORPUS), str(runs)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", default="")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    res: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    for _ in range(args.rounds):
        for which, pkg in (("old", args.old), ("new", args.new)):
            for k, ts in run(pkg, args.runs).items():
                res[which].setdefault(k, []).extend(ts)
    print(f"{'case':26} {'old median ms':>13} {'new median ms':>13} {'new/old':>8}   old range | new range (ms)")
    for k, old in res["old"].items():
        new = res["new"][k]
        mo, mn = statistics.median(old), statistics.median(new)
        print(f"{k:26} {1e3 * mo:13.2f} {1e3 * mn:13.2f} {mn / mo:8.3f}   "
              f"{1e3 * min(old):.2f}-{1e3 * max(old):.2f} | {1e3 * min(new):.2f}-{1e3 * max(new):.2f}")
    print(f"\n{args.rounds} rounds x {args.runs} runs per build, alternating; new/old < 1 = new faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
