#!/usr/bin/env python3
"""Waveform peaks speed, rae against numpy, measured in the same run.

For `music_stereo_30s.wav` (corpus) and a render of the 10-minute corpus MIDI file:
- numpy: min/max per 256-frame block of the audio already in memory (one channel, and the
  channel mix), the reference the issue names;
- rae from memory: `waveform_peaks(array, sr, samples_per_pixel=256)` merged and split;
- rae from the file: decode + peaks (`waveform_peaks(path)`), as a real-time factor.
Each case runs N times, alternating with its numpy reference; the table gives medians and the
median of the per-run ratios with their range.

    python3 bench/waveform_vs_numpy.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import rust_audio_engine as rae
from timing import fmt_ratio, med, paired, timed

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("RAE_CORPUS", ROOT.parent / "shared" / "corpus"))
SPP = 256


def numpy_peaks(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = x.size // SPP * SPP
    blocks = x[:n].reshape(-1, SPP)
    return blocks.min(axis=1), blocks.max(axis=1)


def bench(path: Path, runs: int) -> None:
    audio, sr = rae.load_audio(path)
    seconds = audio.shape[1] / sr
    ch0 = np.ascontiguousarray(audio[0])
    n_ch = audio.shape[0]
    merged, np_mix = paired(lambda: rae.waveform_peaks(audio, sr, samples_per_pixel=SPP),
                            lambda: numpy_peaks(audio.mean(axis=0)), runs)
    split, np_one = paired(lambda: rae.waveform_peaks(audio, sr, samples_per_pixel=SPP, split_channels=True),
                           lambda: [numpy_peaks(ch0) for _ in range(n_ch)], runs)
    t_file = [timed(lambda: rae.waveform_peaks(path, samples_per_pixel=SPP)) for _ in range(max(3, runs // 4))]
    rt = [seconds / t for t in t_file]
    print(f"\n{path.name}: {seconds:.1f} s, {n_ch} channels, {sr} Hz, {SPP} frames per pixel; medians of {runs} runs")
    print(f"  numpy min/max of every channel  {med(np_one) * 1e3:8.2f} ms")
    print(f"  numpy min/max of the mix        {med(np_mix) * 1e3:8.2f} ms")
    print(f"  rae peaks, merged (from memory) {med(merged) * 1e3:8.2f} ms   {fmt_ratio(merged, np_mix)} numpy's mix")
    print(f"  rae peaks, split (from memory)  {med(split) * 1e3:8.2f} ms   {fmt_ratio(split, np_one)} numpy per channel")
    print(f"  rae decode + peaks (file)       {med(t_file) * 1e3:8.2f} ms   {med(rt):7.0f}x real time "
          f"({min(rt):.0f}-{max(rt):.0f}; target >= 500x)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    music = CORPUS / "audio" / "music_stereo_30s.wav"
    if not music.exists():
        print(f"no corpus at {CORPUS} (set RAE_CORPUS)", file=sys.stderr)
        return 2
    bench(music, args.runs)
    long_midi = CORPUS / "midi" / "long_planetblupi_music005.mid"
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "long.wav"
        rae.synthesize_midi(long_midi, wav)
        bench(wav, max(3, args.runs // 4))
    return 0


if __name__ == "__main__":
    sys.exit(main())
