#!/usr/bin/env python3
"""Rendering speed, rae against FluidSynth, at equal interpolation quality, in the same run.

Every corpus MIDI file is rendered by FluidSynth's fast render (`fluidsynth -ni -F`: 256 voices,
reverb and chorus on, its defaults) and by `rae render --synth-effects` (256 voices, the
synthesizer's own reverb and chorus), FluidR3_GM, 44.1 kHz, both timed as whole processes
(start-up, SoundFont load, render, file write). Four comparisons:

- per core, cubic: `rae --threads 1 --interpolation cubic` against FluidSynth's default 4th-order
  interpolation (the same Catmull-Rom cubic), both pinned to one CPU (`taskset -c 0`);
- per core, linear: `rae --threads 1 --interpolation linear` against FluidSynth's `interp 1`;
- whole machine, cubic and linear: rae on all cores against FluidSynth's better setting for the
  file, `synth.cpu-cores` 1 or the machine's core count (the lower median wins), unpinned.

rae reads SF2 samples on demand, so in every comparison FluidSynth also runs with
`synth.dynamic-sample-loading=1`, and its better loading mode for the file is the one compared.

The commands of a comparison alternate, run after run, so a slow moment of a shared machine
hits all of them. Per file the table gives median real-time factors with their range over the
runs and the median of the per-run ratios rae / FluidSynth with its range (> 1: rae faster);
then the geometric mean of the per-file median ratios. Never best cases. Then the cold and
cached SoundFont load times (medians) and the peak memory of the longest render.

    python3 bench/render_vs_fluidsynth.py [--runs 5] [--files 'lesson_*'] [--out FILE]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from timing import med, ratio_range, timed

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("RAE_CORPUS", ROOT.parent / "shared" / "corpus"))
FLUID = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
PIN = ["taskset", "-c", "0"]
# FluidSynth's interpolation numbers: the same kernels as ours of these names.
FLUID_INTERP = {"cubic": 4, "linear": 1}


@dataclass
class Setup:
    args: argparse.Namespace
    tmp: Path
    cores: int
    lines: list[str]

    def say(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)


@dataclass
class Comparison:
    title: str
    rae: list[str]  # the command, less input and output
    fluid: dict[str, list[str]]  # FluidSynth settings by name; the best median per file counts


def run_quiet(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


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


def fluid_cmd(s: Setup, interp: str, extra: list[str]) -> list[str]:
    config = s.tmp / f"interp-{interp}.txt"
    config.write_text(f"interp {FLUID_INTERP[interp]}\n")
    return ["fluidsynth", "-ni", "-q", "-r", "44100", "-f", str(config), *extra, "-F", str(s.tmp / "fs.wav"),
            s.args.soundfont]


def comparisons(s: Setup) -> list[Comparison]:
    rae = [s.args.rae, "render", "--soundfont", s.args.soundfont, "--synth-effects", "--quiet"]
    out = []
    for interp, order in (("cubic", "4th order, its default"), ("linear", "interp 1")):
        # rae reads SF2 samples on demand, so FluidSynth runs with and without its dynamic sample
        # loading, and the better of the two counts.
        dynamic = ["-o", "synth.dynamic-sample-loading=1"]
        out.append(Comparison(
            f"per core, {interp}: rae --threads 1 --interpolation {interp} against FluidSynth {order}, "
            "its better of whole-font and dynamic sample loading, both pinned to CPU 0",
            PIN + rae + ["--threads", "1", "--interpolation", interp],
            {"1 core": PIN + fluid_cmd(s, interp, []),
             "1 core, dynamic": PIN + fluid_cmd(s, interp, dynamic)}))
        cores = {"cpu-cores 1": fluid_cmd(s, interp, []),
                 "cpu-cores 1, dynamic": fluid_cmd(s, interp, dynamic)}
        if s.cores > 1:
            cores[f"cpu-cores {s.cores}"] = fluid_cmd(s, interp, ["-o", f"synth.cpu-cores={s.cores}"])
            cores[f"cpu-cores {s.cores}, dynamic"] = fluid_cmd(
                s, interp, ["-o", f"synth.cpu-cores={s.cores}", *dynamic])
        out.append(Comparison(
            f"whole machine, {interp}: rae on all {s.cores} cores --interpolation {interp} against "
            f"FluidSynth {order}, its better of {' and '.join(cores)}",
            rae + ["--interpolation", interp], cores))
    return out


def time_file(s: Setup, c: Comparison, midi: Path) -> tuple[list[float], dict[str, list[float]]]:
    """`runs` timings of rae and of each FluidSynth setting on `midi`, alternating."""
    rae = [*c.rae, str(midi), "-o", str(s.tmp / "rae.wav")]
    fluid = {name: [*cmd, str(midi)] for name, cmd in c.fluid.items()}
    rae_times: list[float] = []
    fluid_times: dict[str, list[float]] = {name: [] for name in fluid}
    for _ in range(s.args.runs):
        rae_times.append(timed(partial(run_quiet, rae)))
        for name, cmd in fluid.items():
            fluid_times[name].append(timed(partial(run_quiet, cmd)))
    return rae_times, fluid_times


def rtf(music: float, times: list[float]) -> str:
    return f"{music / med(times):6.1f} ({music / max(times):5.1f}-{music / min(times):5.1f})"


def compare(s: Setup, c: Comparison, midis: list[tuple[Path, float]]) -> None:
    s.say(f"\n## {c.title}")
    best_col = "  FluidSynth setting" if len(c.fluid) > 1 else ""
    s.say(f"{'file':34} {'music s':>7}  {'FluidSynth x (range)':>20}  {'rae x (range)':>20}  "
          f"{'rae/FluidSynth (range)':>22}{best_col}")
    ratios, rae_rtfs = [], []
    for midi, music in midis:
        rae_times, fluid_times = time_file(s, c, midi)
        best = min(fluid_times, key=lambda name: med(fluid_times[name]))
        m, lo, hi = ratio_range(rae_times, fluid_times[best])
        ratios.append(m)
        rae_rtfs.append(music / med(rae_times))
        setting = f"  {best}" if best_col else ""
        s.say(f"{midi.name:34} {music:7.1f}  {rtf(music, fluid_times[best]):>20}  {rtf(music, rae_times):>20}  "
              f"{m:9.2f}x ({lo:.2f}-{hi:.2f}){setting}")
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    s.say(f"geometric mean of the median ratios: {geo:.2f}x (files {min(ratios):.2f}x-{max(ratios):.2f}x); "
          f"slowest rae file {min(rae_rtfs):.1f}x real time (median)")


def loads(s: Setup) -> None:
    cold = []
    for _ in range(s.args.runs):
        out = subprocess.run([s.args.rae, "info", s.args.soundfont], check=True, capture_output=True,
                             text=True).stdout
        m = re.search(r"load time: ([0-9.]+) s", out)
        if m:
            cold.append(float(m.group(1)))
    if cold:
        s.say(f"\ncold SoundFont load ({Path(s.args.soundfont).name}, a fresh process): median {med(cold):.3f} s "
              f"({min(cold):.3f}-{max(cold):.3f}; target < 0.15 s)")
    try:
        import rust_audio_engine as rae

        rae.SoundFont(s.args.soundfont)
        cached = [timed(lambda: rae.SoundFont(s.args.soundfont)) for _ in range(s.args.runs)]
        s.say(f"cached SoundFont load: median {med(cached) * 1e6:.0f} us "
              f"({min(cached) * 1e6:.0f}-{max(cached) * 1e6:.0f})")
    except ImportError:
        s.say("cached SoundFont load: (python package not installed; skipped)")


def memory(s: Setup, midis: list[tuple[Path, float]]) -> None:
    longest, music = max(midis, key=lambda m: m[1])
    rss = peak_rss_mb([s.args.rae, "render", str(longest), "-o", str(s.tmp / "long.wav"), "--soundfont",
                       s.args.soundfont, "--synth-effects", "--quiet"])
    fs_rss = peak_rss_mb(["fluidsynth", "-ni", "-q", "-F", str(s.tmp / "fl.wav"), "-r", "44100",
                          s.args.soundfont, str(longest)])
    if rss is not None and fs_rss is not None:
        s.say(f"peak memory rendering {longest.name} ({music:.0f} s, all cores): rae {rss:.0f} MB, "
              f"FluidSynth {fs_rss:.0f} MB")


def header(s: Setup, n_files: int) -> None:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    fluid = subprocess.run(["fluidsynth", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    rae = subprocess.run([s.args.rae, "--version"], capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()[0]
    s.say(f"# render_vs_fluidsynth, {time.strftime('%Y-%m-%d %H:%M')}: {rae}, {fluid}")
    s.say(f"# {cpu}, {s.cores} cores, load average {load:.2f} at the start; {n_files} files, "
          f"{Path(s.args.soundfont).name}, 44.1 kHz, 256 voices, reverb and chorus on, whole processes; "
          f"{s.args.runs} runs each, alternating; medians with their ranges")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rae", default=str(ROOT / "target" / "release" / "rae"))
    ap.add_argument("--soundfont", default=FLUID)
    ap.add_argument("--files", default="*.mid", help="which corpus MIDI files (a glob)")
    ap.add_argument("--out", type=Path, help="also write the results to this file")
    args = ap.parse_args()

    for tool, package in (("fluidsynth", "fluidsynth"), ("taskset", "util-linux")):
        if not shutil.which(tool):
            print(f"{tool} is not installed (apt-get install {package})", file=sys.stderr)
            return 2
    if not Path(args.soundfont).exists():
        print(f"{args.soundfont} is missing (apt-get install fluid-soundfont-gm)", file=sys.stderr)
        return 2
    files = sorted((CORPUS / "midi").glob(args.files))
    if not files:
        print(f"no corpus files {args.files} in {CORPUS}/midi (set RAE_CORPUS)", file=sys.stderr)
        return 2

    s = Setup(args, Path(tempfile.mkdtemp(prefix="rae-bench-")), len(os.sched_getaffinity(0)), [])
    try:
        header(s, len(files))
        midis = [(midi, midi_seconds(args.rae, midi)) for midi in files]
        # Warm-up: the font and both programs in the page cache before the first timed run.
        run_quiet([args.rae, "render", str(files[0]), "-o", str(s.tmp / "rae.wav"), "--soundfont", args.soundfont])
        run_quiet(["fluidsynth", "-ni", "-q", "-F", str(s.tmp / "fs.wav"), args.soundfont, str(files[0])])
        for c in comparisons(s):
            compare(s, c, midis)
        loads(s)
        memory(s, midis)
    finally:
        shutil.rmtree(s.tmp, ignore_errors=True)
    if args.out:
        args.out.write_text("\n".join(s.lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
