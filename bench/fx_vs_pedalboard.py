#!/usr/bin/env python3
"""Effects speed, rust_audio_engine against pedalboard 0.9.x (and scipy where it applies),
measured in the same run on the corpus: 30 s of stereo music and a 2.5 s stereo impulse response.

Cases: convolution, a 5-band EQ, compressor + limiter, the full chain EQ -> compressor ->
convolution -> limiter, and the convolution and the chain fed in 512-sample blocks with state kept
(`reset=False`). Every case runs N times, calls alternating between the libraries; the table gives
median times and the median of the per-run ratios pedalboard / ours with their range (never a
best case). Streaming latencies of our effects are printed too.

Threads: pedalboard processes on one core; our whole-buffer convolution uses up to all cores for
long signals. `make bench-fx` therefore runs this twice: on the whole machine, and pinned to one
core (`taskset -c 0`, `--label per-core`), which compares like with like.

    make bench-fx     (builds a release wheel, installs pedalboard, runs both), or
    RAE_CORPUS=../shared/corpus python bench/fx_vs_pedalboard.py [--runs 9] [--label L] [--out FILE]

Notes on fairness: our convolution keeps the reverb tail (2.5 s more output) unless
trim_tail=True; pedalboard's returns the input's length. Both are timed as their users call them.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pedalboard as pb
from scipy import signal

import rust_audio_engine as rae
from timing import fmt_ratio, med, paired, timed

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("RAE_CORPUS", ROOT.parent / "shared" / "corpus"))
BLOCK = 512


def streamed(effect: Callable[..., np.ndarray], audio: np.ndarray, sr: int, reset: Callable[[], None]) -> None:
    reset()
    for k in range(0, audio.shape[1], BLOCK):
        effect(audio[:, k : k + BLOCK], sr, reset=False)


def rbj_sos(bands: list[tuple[str, float, float, float]], sr: int) -> np.ndarray:
    """The same 5 bands as second-order sections, for scipy.signal.sosfilt."""
    sos = []
    for kind, f0, gain_db, q in bands:
        a = 10 ** (gain_db / 40)
        w0 = 2 * np.pi * f0 / sr
        cw, sw = np.cos(w0), np.sin(w0)
        al = sw / (2 * q)
        sa = 2 * np.sqrt(a) * al
        if kind == "peak":
            b = [1 + al * a, -2 * cw, 1 - al * a]
            d = [1 + al / a, -2 * cw, 1 - al / a]
        elif kind == "lowshelf":
            b = [a * ((a + 1) - (a - 1) * cw + sa), 2 * a * ((a - 1) - (a + 1) * cw), a * ((a + 1) - (a - 1) * cw - sa)]
            d = [(a + 1) + (a - 1) * cw + sa, -2 * ((a - 1) + (a + 1) * cw), (a + 1) + (a - 1) * cw - sa]
        else:
            b = [a * ((a + 1) + (a - 1) * cw + sa), -2 * a * ((a - 1) + (a + 1) * cw), a * ((a + 1) + (a - 1) * cw - sa)]
            d = [(a + 1) - (a - 1) * cw + sa, 2 * ((a - 1) - (a + 1) * cw), (a + 1) - (a - 1) * cw - sa]
        sos.append(np.concatenate([np.array(b) / d[0], np.array(d) / d[0]]))
    return np.array(sos)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--label", default="whole machine")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "fx_vs_pedalboard.txt")
    args = ap.parse_args()

    music_path = CORPUS / "audio" / "music_stereo_30s.wav"
    ir_path = CORPUS / "audio" / "ir_stereo_2p5s.wav"
    if not music_path.exists() or not ir_path.exists():
        raise SystemExit(f"corpus audio not found under {CORPUS}; set RAE_CORPUS")
    music, sr = rae.load_audio(music_path)
    music = np.ascontiguousarray(music, dtype=np.float32)
    ir, _ = rae.load_audio(ir_path)
    seconds = music.shape[1] / sr

    bands = [("lowshelf", 100.0, 3.0, 0.707), ("peak", 400.0, -2.0, 1.0), ("peak", 1500.0, 2.0, 1.0),
             ("peak", 5000.0, -1.5, 1.0), ("highshelf", 10000.0, 2.0, 0.707)]
    ours_eq = [rae.LowShelfFilter(100.0, 3.0, 0.707), rae.PeakFilter(400.0, -2.0, 1.0),
               rae.PeakFilter(1500.0, 2.0, 1.0), rae.PeakFilter(5000.0, -1.5, 1.0),
               rae.HighShelfFilter(10000.0, 2.0, 0.707)]
    pb_eq = [pb.LowShelfFilter(100.0, 3.0, 0.707), pb.PeakFilter(400.0, -2.0, 1.0),
             pb.PeakFilter(1500.0, 2.0, 1.0), pb.PeakFilter(5000.0, -1.5, 1.0),
             pb.HighShelfFilter(10000.0, 2.0, 0.707)]
    comp = dict(threshold_db=-18.0, ratio=4.0, attack_ms=10.0, release_ms=100.0)

    ours = {
        "convolution": rae.Convolution(str(ir_path)),
        "5-band EQ": rae.Chain(ours_eq),
        "compressor + limiter": rae.Chain([rae.Compressor(**comp), rae.Limiter(ceiling_db=-1.0)]),
        "EQ -> comp -> conv -> limiter": rae.Chain(
            [*ours_eq, rae.Compressor(**comp), rae.Convolution(str(ir_path)), rae.Limiter(ceiling_db=-1.0)]),
    }
    theirs = {
        "convolution": pb.Pedalboard([pb.Convolution(str(ir_path))]),
        "5-band EQ": pb.Pedalboard(pb_eq),
        "compressor + limiter": pb.Pedalboard([pb.Compressor(**comp), pb.Limiter(threshold_db=-1.0)]),
        "EQ -> comp -> conv -> limiter": pb.Pedalboard(
            [*pb_eq, pb.Compressor(**comp), pb.Convolution(str(ir_path)), pb.Limiter(threshold_db=-1.0)]),
    }
    sos = rbj_sos(bands, sr)
    scipy_cases: dict[str, Callable[[], object]] = {
        "convolution": lambda: [signal.fftconvolve(music[c], ir[c]) for c in range(2)],
        "5-band EQ": lambda: signal.sosfilt(sos, music, axis=1),
    }

    rows = []
    for name in ours:
        # Warmed up (IR loading and transforms, coefficient set-up), then alternating.
        t_ours, t_theirs = paired(lambda: ours[name](music, sr), lambda: theirs[name](music, sr), args.runs)
        t_scipy = med([timed(scipy_cases[name]) for _ in range(args.runs)]) if name in scipy_cases else None
        rows.append((name, t_ours, t_theirs, t_scipy, ""))

    # Streaming in 512-sample blocks, state kept between calls.
    conv_stream = rae.Convolution(str(ir_path), block_frames=BLOCK)
    chain_stream = rae.Chain([*ours_eq, rae.Compressor(**comp), rae.Convolution(str(ir_path), block_frames=256),
                              rae.Limiter(ceiling_db=-1.0)])
    chain_stream_512 = rae.Chain([*ours_eq, rae.Compressor(**comp), rae.Convolution(str(ir_path), block_frames=512),
                                  rae.Limiter(ceiling_db=-1.0)])
    pb_conv = pb.Pedalboard([pb.Convolution(str(ir_path))])
    pb_chain = theirs["EQ -> comp -> conv -> limiter"]
    stream_cases = [
        ("convolution, 512-sample blocks", conv_stream, pb_conv),
        ("full chain, 512-sample blocks (conv block 256)", chain_stream, pb_chain),
        ("full chain, 512-sample blocks (conv block 512)", chain_stream_512, pb_chain),
    ]
    for name, o, t in stream_cases:
        t_ours, t_theirs = paired(lambda: streamed(o, music, sr, o.reset), lambda: streamed(t, music, sr, t.reset),
                                  max(3, args.runs // 2))
        rows.append((name, t_ours, t_theirs, None, f"latency {o.latency_frames(sr)} samples"))

    lines = [
        f"fx_vs_pedalboard: {seconds:.1f} s of stereo at {sr} Hz ({music_path.name}), IR {ir_path.name}"
        f" ({ir.shape[1] / sr:.2f} s)",
        f"rust_audio_engine {rae.__version__}, pedalboard {pb.__version__}, python {platform.python_version()},"
        f" {len(os.sched_getaffinity(0))} of {os.cpu_count()} CPUs ({args.label});"
        f" {args.runs} runs (streaming: {max(3, args.runs // 2)}), alternating;"
        f" wheel profile {os.environ.get('RAE_BUILD_PROFILE', 'unknown')}",
        "",
        f"{'case':50} {'ours s':>8} {'pedalboard s':>13} {'ratio (range)':>19} {'scipy s':>8}  notes",
    ]
    for name, o, t, s, note in rows:
        scipy_s = f"{s:8.3f}" if s is not None else f"{'-':>8}"
        lines.append(f"{name:50} {med(o):8.3f} {med(t):13.3f} {fmt_ratio(o, t):>19} {scipy_s}  {note}")
    lines.append("")
    lines.append("times are medians; ratio = median of per-run pedalboard time / our time, with its range"
                 " (higher is better for us).")
    text = "\n".join(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    print(f"\nsaved to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
