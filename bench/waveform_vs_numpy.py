#!/usr/bin/env python3
"""Waveform peaks speed, rae against numpy, measured in the same run.

For `music_stereo_30s.wav` (corpus) and a render of the 10-minute corpus MIDI file:
- numpy: min/max per 256-frame block of the audio already in memory (one channel, and the
  channel mix), the reference the issue names;
- rae from memory: `waveform_peaks(array, sr, samples_per_pixel=256)` merged and split;
- rae from the file: decode + peaks (`waveform_peaks(path)`), as a real-time factor.
Best of N runs each.

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

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("RAE_CORPUS", ROOT.parent / "shared" / "corpus"))
SPP = 256


def best(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def numpy_peaks(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = x.size // SPP * SPP
    blocks = x[:n].reshape(-1, SPP)
    return blocks.min(axis=1), blocks.max(axis=1)


def bench(path: Path, runs: int) -> None:
    audio, sr = rae.load_audio(path)
    seconds = audio.shape[1] / sr
    ch0 = np.ascontiguousarray(audio[0])
    t_np_one = best(lambda: numpy_peaks(ch0), runs)
    t_np_mix = best(lambda: numpy_peaks(audio.mean(axis=0)), runs)
    t_merged = best(lambda: rae.waveform_peaks(audio, sr, samples_per_pixel=SPP), runs)
    t_split = best(lambda: rae.waveform_peaks(audio, sr, samples_per_pixel=SPP, split_channels=True), runs)
    t_file = best(lambda: rae.waveform_peaks(path, samples_per_pixel=SPP), max(3, runs // 4))
    print(f"\n{path.name}: {seconds:.1f} s, {audio.shape[0]} channels, {sr} Hz, {SPP} frames per pixel")
    print(f"  numpy min/max, one channel      {t_np_one * 1e3:8.2f} ms")
    print(f"  numpy min/max of the mix        {t_np_mix * 1e3:8.2f} ms")
    print(f"  rae peaks, merged (from memory) {t_merged * 1e3:8.2f} ms   "
          f"{t_np_mix / t_merged:5.2f}x numpy's mix")
    print(f"  rae peaks, split (from memory)  {t_split * 1e3:8.2f} ms   "
          f"{t_np_one * audio.shape[0] / t_split:5.2f}x numpy per channel")
    print(f"  rae decode + peaks (file)       {t_file * 1e3:8.2f} ms   {seconds / t_file:7.0f}x real time "
          f"(target >= 500x)")


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
