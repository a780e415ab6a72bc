#!/usr/bin/env python3
"""Rendering speed, rae against FluidSynth, measured in the same run.

Every corpus MIDI file is rendered with FluidSynth's fast render (its defaults: 256 voices,
reverb and chorus on) and with `rae render --synth-effects` (256 voices; the synthesizer's own reverb and chorus), alternating, several runs each.
Both are timed as whole processes (start-up, SoundFont load, render, file write), best of the
runs. Prints per file both real-time factors and their ratio, then the geometric mean; then the
cold and cached SoundFont load times and the peak memory of the longest render.

    python3 bench/render_vs_fluidsynth.py [--runs 3] [--rae target/release/rae]
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("RAE_CORPUS", ROOT.parent / "shared" / "corpus"))
FLUID = "/usr/share/sounds/sf2/FluidR3_GM.sf2"


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def wav_seconds(path: Path) -> float:
    import wave

    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def midi_seconds(rae: str, midi: Path) -> float:
    out = subprocess.run([rae, "info", str(midi)], check=True, capture_output=True, text=True).stdout
    m = re.search(r"duration: ([0-9.]+) s", out)
    if not m:
        raise RuntimeError(f"no duration in rae info output for {midi}")
    return float(m.group(1))


def peak_rss_mb(cmd: list[str]) -> float | None:
    if not Path("/usr/bin/time").exists():
        return None
    r = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return int(m.group(1)) / 1024 if m else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rae", default=str(ROOT / "target" / "release" / "rae"))
    ap.add_argument("--soundfont", default=FLUID)
    args = ap.parse_args()

    if not shutil.which("fluidsynth"):
        print("fluidsynth is not installed (apt-get install fluidsynth)", file=sys.stderr)
        return 2
    if not Path(args.soundfont).exists():
        print(f"{args.soundfont} is missing (apt-get install fluid-soundfont-gm)", file=sys.stderr)
        return 2
    midis = sorted((CORPUS / "midi").glob("*.mid"))
    if not midis:
        print(f"no corpus at {CORPUS}/midi (set RAE_CORPUS)", file=sys.stderr)
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="rae-bench-"))
    print(f"{'file':36} {'music s':>8} {'fluidsynth x':>13} {'rae x':>8} {'ratio':>7}")
    ratios, rae_rtfs = [], []
    for midi in midis:
        music = midi_seconds(args.rae, midi)
        fs_out, rae_out = tmp / "fs.wav", tmp / "rae.wav"
        fs_cmd = ["fluidsynth", "-ni", "-q", "-F", str(fs_out), "-r", "44100", args.soundfont, str(midi)]
        rae_cmd = [args.rae, "render", str(midi), "-o", str(rae_out), "--soundfont", args.soundfont,
                   "--synth-effects", "--quiet"]
        fs_times, rae_times = [], []
        for _ in range(args.runs):
            fs_times.append(timed(fs_cmd))
            rae_times.append(timed(rae_cmd))
        fs_rtf = music / min(fs_times)
        rae_rtf = music / min(rae_times)
        ratios.append(rae_rtf / fs_rtf)
        rae_rtfs.append(rae_rtf)
        print(f"{midi.name:36} {music:8.1f} {fs_rtf:13.1f} {rae_rtf:8.1f} {rae_rtf / fs_rtf:7.2f}")
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(f"\ngeometric mean speed ratio rae/fluidsynth: {geo:.2f}x")
    print(f"slowest rae file: {min(rae_rtfs):.1f}x real time (target >= 100x)")

    # Cold load: a fresh process loading the font and nothing else (best of the runs).
    loads = []
    for _ in range(args.runs):
        out = subprocess.run([args.rae, "info", args.soundfont], check=True, capture_output=True,
                             text=True).stdout
        m = re.search(r"load time: ([0-9.]+) s", out)
        if m:
            loads.append(float(m.group(1)))
    if loads:
        print(f"cold SoundFont load ({Path(args.soundfont).name}): {min(loads):.3f} s (target < 0.15 s)")
    try:
        import rust_audio_engine as rae

        rae.SoundFont(args.soundfont)
        start = time.perf_counter()
        rae.SoundFont(args.soundfont)
        print(f"cached SoundFont load: {time.perf_counter() - start:.6f} s")
    except ImportError:
        print("cached SoundFont load: (python package not installed; skipped)")

    longest = max(midis, key=lambda m: m.stat().st_size)
    rss = peak_rss_mb([args.rae, "render", str(longest), "-o", str(tmp / "long.wav"), "--soundfont",
                       args.soundfont, "--synth-effects", "--quiet"])
    fs_rss = peak_rss_mb(["fluidsynth", "-ni", "-q", "-F", str(tmp / "fl.wav"), "-r", "44100",
                          args.soundfont, str(longest)])
    if rss is not None:
        print(f"peak memory rendering {longest.name} ({wav_seconds(tmp / 'long.wav'):.0f} s): "
              f"rae {rss:.0f} MB, fluidsynth {fs_rss:.0f} MB")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
