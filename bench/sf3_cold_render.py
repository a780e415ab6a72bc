#!/usr/bin/env python3
"""Cold renders through an SF3 SoundFont: rae against FluidSynth, whole processes.

Each run starts a new process that loads the SoundFont, renders one MIDI file and writes a 16-bit
WAV at 44.1 kHz, with 256 voices and the synthesizer's own reverb and chorus on (FluidSynth's
defaults; `rae render --synth-effects`). Compared, in rotation, N runs each after one discarded
warm-up run (so the font file is in the page cache for all of them):

  fluidsynth-dynamic  fluidsynth -o synth.dynamic-sample-loading=1 (decodes the samples of the
                      presets the song selects, when it selects them)
  fluidsynth          fluidsynth with its defaults (decodes the whole font at load)
  rae                 rae render (decodes the samples the song's notes reach)
  rae-preload         rae render --preload (decodes the whole font first)

Prints, per MIDI file and tool, the median wall time with its range and the median peak resident
memory (/usr/bin/time %M) with its range, then the ratio of FluidSynth's dynamic-loading median to
rae's and whether rae meets the targets (at least 2x faster, peak memory no higher).

    python3 bench/sf3_cold_render.py [--runs 7] [--rae target/release/rae]
        [--soundfont /usr/share/sounds/sf3/MuseScore_General_Full.sf3] [MIDI ...]

Default MIDI files: $RAE_CORPUS/midi/lesson_04-ClairDeLaLune.mid (a piano lesson) and
tests/data/midi/gm_meltysynth_demo.mid (a General MIDI band: many programs and drums).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("RAE_CORPUS", ROOT.parent / "shared" / "corpus"))
FULL = "/usr/share/sounds/sf3/MuseScore_General_Full.sf3"
TIME = "/usr/bin/time"


def commands(tool: str, rae: str, soundfont: str, midi: Path, out: Path) -> list[str]:
    fluid = ["fluidsynth", "-ni", "-q", "-F", str(out), "-r", "44100", "-o", "synth.polyphony=256"]
    if tool == "fluidsynth-dynamic":
        return [*fluid, "-o", "synth.dynamic-sample-loading=1", soundfont, str(midi)]
    if tool == "fluidsynth":
        return [*fluid, soundfont, str(midi)]
    cmd = [rae, "render", str(midi), "-o", str(out), "--soundfont", soundfont, "--synth-effects", "-q"]
    return [*cmd, "--preload"] if tool == "rae-preload" else cmd


def run(cmd: list[str], rss_file: Path) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one whole process."""
    start = time.perf_counter()
    subprocess.run([TIME, "-f", "%M", "-o", str(rss_file), *cmd], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    return wall, int(rss_file.read_text().split()[-1]) / 1024


def summary(values: list[float], unit: str, digits: int) -> str:
    med = statistics.median(values)
    return f"{med:.{digits}f} {unit} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--rae", default=str(ROOT / "target" / "release" / "rae"))
    ap.add_argument("--soundfont", default=FULL)
    ap.add_argument("midi", nargs="*", type=Path)
    args = ap.parse_args()
    midis = args.midi or [CORPUS / "midi" / "lesson_04-ClairDeLaLune.mid",
                          ROOT / "tests" / "data" / "midi" / "gm_meltysynth_demo.mid"]
    missing = [str(p) for p in [Path(args.rae), Path(args.soundfont), Path(TIME), *midis] if not p.exists()]
    if not shutil.which("fluidsynth"):
        missing.append("fluidsynth")
    if missing:
        print("missing: " + ", ".join(missing) + " (cargo build --release -p rae-cli; apt-get install "
              "fluidsynth musescore-general-soundfont time; set RAE_CORPUS)", file=sys.stderr)
        return 2

    tools = ["fluidsynth-dynamic", "fluidsynth", "rae", "rae-preload"]
    print(f"{args.soundfont}, {args.runs} runs per tool after a warm-up, {os.cpu_count()} cores; "
          "wall time and peak RSS of whole processes, median (range)")
    tmp = Path(tempfile.mkdtemp(prefix="rae-sf3-bench-"))
    try:
        for midi in midis:
            print(f"\n{midi.name}")
            results: dict[str, list[tuple[float, float]]] = {t: [] for t in tools}
            for n in range(args.runs + 1):
                for tool in tools:
                    out = tmp / f"{tool}.wav"
                    r = run(commands(tool, args.rae, args.soundfont, midi, out), tmp / "rss")
                    if n > 0:
                        results[tool].append(r)
            for tool in tools:
                walls = [w for w, _ in results[tool]]
                rss = [m for _, m in results[tool]]
                print(f"  {tool:20} {summary(walls, 's', 3):28} {summary(rss, 'MB', 0)}")
            fd = statistics.median(w for w, _ in results["fluidsynth-dynamic"])
            rw = statistics.median(w for w, _ in results["rae"])
            fm = statistics.median(m for _, m in results["fluidsynth-dynamic"])
            rm = statistics.median(m for _, m in results["rae"])
            print(f"  rae is {fd / rw:.2f}x faster than fluidsynth-dynamic (target 2x: "
                  f"{'met' if fd / rw >= 2 else 'not met'}); peak memory {rm:.0f} MB against "
                  f"{fm:.0f} MB ({'met' if rm <= fm else 'not met'})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
