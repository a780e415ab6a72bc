#!/usr/bin/env python3
"""Onset detection: rust-audio-engine vs librosa `onset_detect` and aubio (`specflux`,
`energy`) in the same run on the corpus melody (30 s, 51 notes, 20 dB SNR, vibrato on 21).

Reports the best of several timings (seconds, audio already in memory as float32) and the
F-measure at 50 ms against `melody_onsets.csv` (mir_eval). Peers: `pip install -r
bench/requirements.txt`; a missing peer is reported and skipped.

    .venv/bin/python bench/onsets_vs_peers.py [--repeat 7] [--out bench/results/onsets_vs_peers.txt]
"""

import argparse
import os
import platform
import time
from pathlib import Path
from typing import Callable

import mir_eval
import numpy as np
import scipy.io.wavfile

import rust_audio_engine as rae

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("RAE_CORPUS", ROOT.parent / "shared" / "corpus"))


def best_of(fn: Callable[[], np.ndarray], repeat: int) -> tuple[float, np.ndarray]:
    fn()  # warm-up (librosa's numba kernels, caches)
    best, out = float("inf"), np.empty(0)
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def aubio_onsets(x: np.ndarray, sr: int, method: str) -> np.ndarray:
    import aubio

    win, hop = 512, 256  # the `aubio onset` command's defaults
    det = aubio.onset(method, win, hop, sr)
    out = []
    n = len(x) // hop * hop
    for i in range(0, n, hop):
        if det(x[i : i + hop]):
            out.append(det.get_last_s())
    return np.array(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "onsets_vs_peers.txt"))
    args = ap.parse_args()

    wav = CORPUS / "audio" / "melody_mono_30s.wav"
    sr, x = scipy.io.wavfile.read(wav)
    x = x.astype(np.float32)
    ref = np.loadtxt(CORPUS / "audio" / "melody_onsets.csv", skiprows=1)

    rows: list[tuple[str, float, float, float, float, int]] = []
    notes: list[str] = []

    def run(name: str, fn: Callable[[], np.ndarray]) -> None:
        t, est = best_of(fn, args.repeat)
        f, p, r = mir_eval.onset.f_measure(ref, est, window=0.05)
        rows.append((name, t, f, p, r, len(est)))

    run("ours spectral_flux", lambda: rae.detect_onsets(x, sr).times_s)
    run("ours energy", lambda: rae.detect_onsets(x, sr, method="energy").times_s)
    run("ours spectral_flux backtrack", lambda: rae.detect_onsets(x, sr, backtrack=True).times_s)
    try:
        import librosa

        run(
            f"librosa {librosa.__version__} onset_detect",
            lambda: librosa.onset.onset_detect(y=x, sr=sr, units="time"),
        )
    except ImportError:
        notes.append("librosa not installed: skipped")
    try:
        import aubio

        for m in ("specflux", "energy"):
            run(f"aubio {aubio.version} {m}", lambda m=m: aubio_onsets(x, sr, m))
    except ImportError:
        notes.append("aubio not installed: skipped")

    lib = next((r for r in rows if r[0].startswith("librosa")), None)
    lines = [
        f"Onset detection on {wav.name} ({len(x) / sr:.1f} s, {sr} Hz), F-measure at 50 ms "
        f"(mir_eval) vs melody_onsets.csv ({len(ref)} onsets); best of {args.repeat} runs",
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "",
        f"{'detector':36s} {'time_s':>8s} {'vs librosa':>10s} {'F':>6s} {'P':>6s} {'R':>6s} {'found':>6s}",
    ]
    for name, t, f, p, r, n in rows:
        ratio = f"{lib[1] / t:9.1f}x" if lib else "       n/a"
        lines.append(f"{name:36s} {t:8.4f} {ratio:>10s} {f:6.3f} {p:6.3f} {r:6.3f} {n:6d}")
    lines += [""] + notes
    text = "\n".join(lines).rstrip() + "\n"
    print(text, end="")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
