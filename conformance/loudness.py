"""EBU R 128 / ITU-R BS.1770 loudness: every file of `loudness/EXPECTED.tsv` within its stated
tolerance (integrated, momentary and short-term loudness ±0.1 LU, loudness range ±1 LU, true
peak +0.2/-0.4 dB), measured by `analyze_dynamics` on the decoded file."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import rust_audio_engine as rae
from run import Case


def _dyn(path: Path) -> rae.Dynamics:
    audio, sr = rae.load_audio(path)
    return rae.analyze_dynamics(audio, sr)


def _within(value: float, expected: float, lo: float, hi: float) -> bool:
    return math.isfinite(value) and expected - lo <= value <= expected + hi


def _after(d: rae.Dynamics, values: np.ndarray, t0: float) -> np.ndarray:
    t = np.asarray(d.loudness_times_s)
    return np.asarray(values)[t >= t0]


def run(root: Path, rae_bin: Path) -> list[Case]:
    base = root / "loudness"
    cases: list[Case] = []

    def integrated(rel: str, expected: float, tol: float = 0.1) -> None:
        d = _dyn(base / rel)
        ok = _within(d.integrated_lufs, expected, tol, tol)
        cases.append(Case(f"{rel} I", ok, f"{d.integrated_lufs:.3f} LUFS (expected {expected} ±{tol})"))

    # pyloudnorm's regression value and the ITU-R BS.2217 gating tests.
    integrated("pyloudnorm/sine_1000.wav", -3.0523438444331137)
    for rel, exp in [("pyloudnorm/1770-2_Comp_RelGateTest.wav", -10.0), ("pyloudnorm/1770-2_Comp_AbsGateTest.wav", -69.5)]:
        integrated(rel, exp)
    d = _dyn(base / "pyloudnorm/piano.wav")
    cases.append(Case("pyloudnorm/piano.wav LRA", math.isfinite(d.loudness_range_lu) and 0 <= d.loudness_range_lu < 30,
                      f"{d.loudness_range_lu:.2f} LU (finite, 0..30)"))

    # EBU Tech 3341: integrated loudness of test 1 and 2 (also the FLAC copies in essentia/).
    for rel, exp in [("ebu/seq-3341-1-16bit.wav", -23.0), ("ebu/seq-3341-2-16bit.wav", -33.0),
                     ("essentia/seq-3341-1-16bit.flac", -23.0), ("essentia/seq-3341-2-16bit.flac", -33.0),
                     ("essentia/1kHz_sine_-20LUFS-16bit.flac", -20.0), ("essentia/1kHz_sine_-26LUFS-16bit.flac", -26.0),
                     ("essentia/1kHz_sine_-40LUFS-16bit.flac", -40.0), ("ebu/sine_1k_-20LUFS-16bit.wav", -20.0)]:
        integrated(rel, exp)
    for rel, exp in [("essentia/seq-3341-3-16bit-v02.flac", -23.0), ("essentia/seq-3341-4-16bit-v02.flac", -23.0),
                     ("essentia/seq-3341-5-16bit-v02.flac", -23.0)]:
        integrated(rel, exp)

    # Test 9: short-term loudness constant at -23 after 3 s; test 12: momentary at -23 after 1 s.
    d = _dyn(base / "ebu/seq-3341-9-16bit.wav")
    s = _after(d, d.short_term_lufs, 3.0)
    cases.append(Case("ebu/seq-3341-9 S after 3 s", bool(len(s)) and all(_within(float(v), -23.0, 0.1, 0.1) for v in s),
                      f"{s.min():.3f}..{s.max():.3f} LUFS"))
    d = _dyn(base / "ebu/seq-3341-12-24bit.wav")
    m = _after(d, d.momentary_lufs, 1.0)
    cases.append(Case("ebu/seq-3341-12 M after 1 s", bool(len(m)) and all(_within(float(v), -23.0, 0.1, 0.1) for v in m),
                      f"{m.min():.3f}..{m.max():.3f} LUFS"))
    # Tests 10 and 13: the maximum short-term / momentary loudness of each file.
    for test, field in [("10", "max_short_term_lufs"), ("13", "max_momentary_lufs")]:
        for f in sorted(base.glob(f"ebu/seq-3341-{test}-*-24bit.wav")):
            d = _dyn(f)
            top = float(getattr(d, field))
            cases.append(Case(f"{f.name} max {'S' if test == '10' else 'M'}", _within(top, -23.0, 0.1, 0.1), f"{top:.3f} LUFS"))
    # Tests 15-23: maximum true peak, +0.2/-0.4 dB.
    for n, exp in [(15, -6.0), (16, -6.0), (17, -6.0), (18, -6.0), (19, 3.0), (20, 0.0), (21, 0.0), (22, 0.0), (23, 0.0)]:
        f = base / f"ebu/seq-3341-{n}-24bit.wav"
        d = _dyn(f)
        cases.append(Case(f"{f.name} true peak", _within(d.true_peak_db, exp, 0.4, 0.2),
                          f"{d.true_peak_db:.3f} dBTP (expected {exp} +0.2/-0.4)"))
    # EBU Tech 3342: loudness range.
    for f, exp in [("essentia/seq-3342-1-16bit.flac", 10.0), ("essentia/seq-3342-2-16bit.flac", 5.0),
                   ("essentia/seq-3342-3-16bit.flac", 20.0), ("essentia/seq-3342-4-16bit.flac", 15.0),
                   ("essentia/seq-3341-7_seq-3342-5-16bit.flac", 5.0)]:
        d = _dyn(base / f)
        cases.append(Case(f"{f} LRA", _within(d.loudness_range_lu, exp, 1.0, 1.0), f"{d.loudness_range_lu:.2f} LU (expected {exp} ±1)"))
    return cases
