#!/usr/bin/env python3
"""Pitch (pYIN, YIN), onsets and streaming analysis: rust-audio-engine vs librosa (`pyin`,
`yin`, `onset_detect`) and aubio (`yinfft`, onsets) in the same run on the corpus melody
(30 s, 44.1 kHz, 20 dB SNR, vibrato on a third of the notes).

Timings are medians of several runs, with their range, the audio already in memory as float32
(librosa's pYIN, about 10 s a run, gets fewer); speed ratios are ratios of medians. Accuracy uses mir_eval against melody_f0_10ms.csv (raw
pitch accuracy, voicing recall, voicing false alarm; unvoiced frames count as f0 = 0, as the
tools return them) and melody_onsets.csv (F-measure at 50 ms). The streaming analyser's cost is
wall time per 10 ms of audio fed in 10 ms chunks through Python.

Peers: `pip install -r bench/requirements.txt`; a missing peer is reported and skipped.

    .venv/bin/python bench/analysis_vs_peers.py [--repeat 5] [--out bench/results/analysis_vs_peers.txt]
"""

import argparse
import os
import platform
import statistics
import time
import warnings
from pathlib import Path
from typing import Callable

import mir_eval
import numpy as np
import scipy.io.wavfile

import rust_audio_engine as rae

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("RAE_CORPUS", ROOT.parent / "shared" / "corpus"))
FMIN, FMAX = 65.406395, 2093.0045

warnings.filterwarnings("ignore")


RANGES: dict[float, tuple[float, float]] = {}


def best_of(fn: Callable[[], object], repeat: int, warm: bool = True) -> tuple[float, object]:
    """The median time of `repeat` runs (after a warm-up run), and the last result; the range of
    the times is kept in RANGES under the median, for the table."""
    if warm:
        fn()
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    m = statistics.median(times)
    RANGES[m] = (min(times), max(times))
    return m, out


def span(t: float) -> str:
    lo, hi = RANGES.get(t, (t, t))
    return f"{t:8.4f} ({lo:.4f}-{hi:.4f})"


def aubio_yinfft(x: np.ndarray, sr: int, win: int, hop: int):
    import aubio

    p = aubio.pitch("yinfft", win, hop, sr)
    p.set_unit("Hz")
    n = len(x) // hop
    f0 = np.empty(n)
    conf = np.empty(n)
    for i in range(n):
        f0[i] = p(x[i * hop : (i + 1) * hop])[0]
        conf[i] = p.get_confidence()
    return f0, conf


def aubio_onsets(x: np.ndarray, sr: int, method: str) -> np.ndarray:
    import aubio

    win, hop = 512, 256  # the `aubio onset` command's defaults
    det = aubio.onset(method, win, hop, sr)
    out = []
    for i in range(0, len(x) // hop * hop, hop):
        if det(x[i : i + hop]):
            out.append(det.get_last_s())
    return np.array(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--librosa-pyin-repeat", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "analysis_vs_peers.txt"))
    args = ap.parse_args()

    wav = CORPUS / "audio" / "melody_mono_30s.wav"
    sr, x = scipy.io.wavfile.read(wav)
    x = np.ascontiguousarray(x, dtype=np.float32)
    ref = np.loadtxt(CORPUS / "audio" / "melody_f0_10ms.csv", delimiter=",", skiprows=1)
    ref_onsets = np.loadtxt(CORPUS / "audio" / "melody_onsets.csv", skiprows=1)
    duration = len(x) / sr

    def scores(times, f0, voiced) -> tuple[float, float, float]:
        est = np.where(voiced, np.nan_to_num(np.asarray(f0, dtype=float)), 0.0)
        s = mir_eval.melody.evaluate(ref[:, 0], ref[:, 1], np.asarray(times, dtype=float), est)
        return s["Raw Pitch Accuracy"], s["Voicing Recall"], s["Voicing False Alarm"]

    pitch_rows: list[tuple[str, str, float, tuple[float, float, float]]] = []
    notes: list[str] = []

    def ours(name: str, cfg: str, **kw) -> float:
        t, tr = best_of(lambda: rae.analyze_pitch(x, sr, fmin_hz=FMIN, fmax_hz=FMAX, **kw), args.repeat)
        pitch_rows.append((name, cfg, t, scores(tr.times_s, tr.f0_hz, tr.voiced)))
        return t

    t_pyin = ours("ours pyin", "2048/512", frame_length=2048, hop_length=512)
    t_pyin10 = ours("ours pyin (defaults)", "4096/441")
    t_yin = ours("ours yin", "2048/512", method="yin", frame_length=2048, hop_length=512)

    t_lib_pyin = t_lib_pyin10 = t_lib_yin = t_aubio = None
    try:
        import librosa

        v = librosa.__version__
        librosa.pyin(x[: sr], sr=sr, fmin=FMIN, fmax=FMAX)  # warm-up (numba compilation)
        t_lib_pyin, (f0, vf, _) = best_of(
            lambda: librosa.pyin(x, sr=sr, fmin=FMIN, fmax=FMAX), args.librosa_pyin_repeat, warm=False
        )
        times = librosa.times_like(f0, sr=sr, hop_length=512)
        pitch_rows.append((f"librosa {v} pyin", "2048/512", t_lib_pyin, scores(times, f0, vf)))
        t10, (f0, vf, _) = best_of(
            lambda: librosa.pyin(x, sr=sr, fmin=FMIN, fmax=FMAX, frame_length=4096, hop_length=441),
            1,
            warm=False,
        )
        times = librosa.times_like(f0, sr=sr, hop_length=441)
        pitch_rows.append((f"librosa {v} pyin", "4096/441", t10, scores(times, f0, vf)))
        t_lib_pyin10 = t10
        t_lib_yin, f0 = best_of(lambda: librosa.yin(x, fmin=FMIN, fmax=FMAX, sr=sr), args.repeat)
        times = librosa.times_like(f0, sr=sr, hop_length=512)
        pitch_rows.append((f"librosa {v} yin", "2048/512", t_lib_yin, scores(times, f0, np.ones(len(f0), bool))))
    except ImportError:
        notes.append("librosa not installed: skipped")
    try:
        import aubio

        t_aubio, (f0, _conf) = best_of(lambda: aubio_yinfft(x, sr, 2048, 512), args.repeat)
        # aubio stamps a frame at its end; shift to the centre like the others.
        times = np.arange(len(f0)) * 512 / sr + (512 - 2048 / 2) / sr
        pitch_rows.append((f"aubio {aubio.version} yinfft", "2048/512", t_aubio, scores(times, f0, f0 > 0)))
        notes.append(
            "aubio yinfft: voiced = f0 > 0 (its confidence reads 0 throughout in this binding); "
            "librosa yin: an f0 for every frame"
        )
    except ImportError:
        notes.append("aubio not installed (pip install aubio builds it from source with numpy): skipped")

    onset_rows: list[tuple[str, float, float, int]] = []

    def onset_run(name: str, fn: Callable[[], np.ndarray]) -> float:
        t, est = best_of(fn, args.repeat)
        f, _, _ = mir_eval.onset.f_measure(ref_onsets, est, window=0.05)
        onset_rows.append((name, t, f, len(est)))
        return t

    t_on = onset_run("ours detect_onsets (spectral flux)", lambda: rae.detect_onsets(x, sr).times_s)
    onset_run("ours detect_onsets (energy)", lambda: rae.detect_onsets(x, sr, method="energy").times_s)
    t_lib_on = None
    try:
        import librosa

        t_lib_on = onset_run(
            f"librosa {librosa.__version__} onset_detect",
            lambda: librosa.onset.onset_detect(y=x, sr=sr, units="time"),
        )
    except ImportError:
        pass
    try:
        import aubio

        for m in ("hfc", "specflux", "energy"):
            onset_run(f"aubio {aubio.version} onset {m}", lambda m=m: aubio_onsets(x, sr, m))
    except ImportError:
        pass

    # Streaming: 10 ms chunks, as a live client would send them.
    chunk = sr // 100
    stream_rows = []
    for label, kw in (("pitch + notes + onsets", {}), ("pitch + notes", {"onsets": False})):

        def feed(kw=kw):
            a = rae.StreamingAnalyzer(sr, **kw)
            n = 0
            for i in range(0, len(x), chunk):
                n += len(a.process(x[i : i + chunk]))
            return n + len(a.flush())

        t, _ = best_of(feed, max(2, args.repeat // 2))
        stream_rows.append((label, t, t * 1000 / (duration * 100), rae.StreamingAnalyzer(sr, **kw).latency_s))
    a = rae.StreamingAnalyzer(sr, onsets=False)
    ev = []
    for i in range(0, len(x), chunk):
        ev += a.process(x[i : i + chunk])
    ev += a.flush()
    pe = [e for e in ev if e["type"] == "pitch"]
    stream_acc = scores([e["time_s"] for e in pe], [e["f0_hz"] or 0.0 for e in pe], [e["voiced"] for e in pe])

    lines = [
        f"Pitch, onsets and streaming analysis on {wav.name} ({duration:.1f} s, {sr} Hz); "
        f"median (range) of {args.repeat} runs (librosa pyin: {args.librosa_pyin_repeat}), audio in memory",
        f"machine: {platform.machine()}, {os.cpu_count()} cores (shared with other jobs), "
        f"Python {platform.python_version()}; rust_audio_engine {rae.__version__}",
        "",
        "Pitch: RPA = raw pitch accuracy, VR = voicing recall, VFA = voicing false alarm (mir_eval)",
        f"{'tracker':34s} {'frame/hop':>10s} {'time_s (range)':>26s} {'RPA':>6s} {'VR':>6s} {'VFA':>6s}",
    ]
    for name, cfg, t, (rpa, vr, vfa) in pitch_rows:
        lines.append(f"{name:34s} {cfg:>10s} {span(t):>26s} {rpa:6.3f} {vr:6.3f} {vfa:6.3f}")
    lines.append(f"{'ours streaming (fixed-lag)':34s} {'2048/441':>10s} {'':>26s} "
                 f"{stream_acc[0]:6.3f} {stream_acc[1]:6.3f} {stream_acc[2]:6.3f}")
    lines.append("")
    if t_lib_pyin:
        lines.append(f"pYIN speed-up over librosa.pyin (same frame/hop 2048/512): {t_lib_pyin / t_pyin:.0f}x")
    if t_lib_yin:
        lines.append(f"YIN speed-up over librosa.yin (2048/512): {t_lib_yin / t_yin:.1f}x")
    if t_aubio:
        lines.append(f"YIN speed vs aubio yinfft (2048/512): {t_aubio / t_yin:.2f}x (>1 = ours faster)")
    if t_lib_pyin:
        lines.append(f"pYIN, our defaults (4096/441) vs librosa.pyin's (2048/512): "
                     f"{t_lib_pyin / t_pyin10:.0f}x")
    if t_lib_pyin10:
        lines.append(f"pYIN speed-up over librosa.pyin at 4096/441: {t_lib_pyin10 / t_pyin10:.0f}x")
    lines += ["", "Onsets: F-measure at 50 ms vs melody_onsets.csv (mir_eval)",
              f"{'detector':34s} {'time_s (range)':>26s} {'F':>6s} {'found':>6s}"]
    for name, t, f, n in onset_rows:
        lines.append(f"{name:34s} {span(t):>26s} {f:6.3f} {n:6d}")
    if t_lib_on:
        lines.append(f"onset speed vs librosa onset_detect: {t_lib_on / t_on:.2f}x (>1 = ours faster)")
    lines += ["", "Streaming analyser, 10 ms chunks through Python",
              f"{'events':34s} {'total_s (range)':>26s} {'ms per 10 ms':>13s} {'latency_s':>10s}"]
    for label, t, per, lat in stream_rows:
        lines.append(f"{label:34s} {span(t):>26s} {per:13.4f} {lat:10.4f}")
    lines += [""] + notes
    text = "\n".join(lines).rstrip() + "\n"
    print(text, end="")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
