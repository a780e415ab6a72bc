"""Onsets, dynamics and tempo from Python: accuracy against the test truth (mir_eval,
pyloudnorm), synthetic signals with known answers, and errors."""

import threading
from pathlib import Path

import mir_eval
import numpy as np
import pyloudnorm
import pytest
import scipy.io.wavfile

import rust_audio_engine as rae
from conftest import audio_file

# scipy warns about the PEAK chunk libsndfile writes in float WAVs.
pytestmark = pytest.mark.filterwarnings("ignore:Chunk")

SR = 44100



def clicks(times: list[float], seconds: float, sr: int = SR) -> np.ndarray:
    x = np.zeros(int(seconds * sr), dtype=np.float32)
    k = np.arange(sr // 1000)
    burst = 0.8 * np.exp(-k / (sr / 4000)) * np.where(k % 2 == 0, 1.0, -1.0)
    for t in times:
        i = int(round(t * sr))
        x[i : i + len(burst)] += burst.astype(np.float32)
    return x


@pytest.mark.parametrize("method", ["spectral_flux", "energy"])
def test_melody_f_measure(method: str) -> None:
    path = audio_file("melody_mono_30s.wav")
    ref = np.loadtxt(audio_file("melody_onsets.csv"), skiprows=1)
    on = rae.detect_onsets(str(path), method=method)
    f, p, r = mir_eval.onset.f_measure(ref, on.times_s, window=0.05)
    assert f >= 0.95, (f, p, r)
    assert on.strengths.dtype == np.float32 and len(on.strengths) == len(on)
    # The same from an array, and from bytes.
    sr, x = scipy.io.wavfile.read(path)
    arr = rae.detect_onsets(x.astype(np.float32), sr, method=method)
    np.testing.assert_array_equal(arr.times_s, on.times_s)
    from_bytes = rae.detect_onsets(path.read_bytes(), method=method)
    np.testing.assert_array_equal(from_bytes.times_s, on.times_s)


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 48000, 96000])
def test_melody_at_other_sample_rates(rate: int) -> None:
    import scipy.signal

    path = audio_file("melody_mono_30s.wav")
    ref = np.loadtxt(audio_file("melody_onsets.csv"), skiprows=1)
    sr, x = scipy.io.wavfile.read(path)
    g = np.gcd(rate, sr)
    y = scipy.signal.resample_poly(x.astype(np.float64), rate // g, sr // g).astype(np.float32)
    f, p, r = mir_eval.onset.f_measure(ref, rae.detect_onsets(y, rate).times_s, window=0.05)
    assert f >= 0.95, (rate, f, p, r)


def test_click_times_and_backtracking() -> None:
    truth = [0.25, 0.61, 1.0, 1.333, 1.9]
    x = clicks(truth, 2.3)
    plain = rae.detect_onsets(x, SR)
    assert len(plain) == len(truth)
    assert np.max(np.abs(plain.times_s - truth)) < 0.025
    back = rae.detect_onsets(x, SR, backtrack=True)
    assert np.max(np.abs(back.times_s - truth)) < 0.005
    d = back.to_dict()
    assert d["backtrack"] is True and len(d["times_s"]) == len(truth)  # type: ignore[arg-type]
    # Stereo (channels, samples) is mixed to mono.
    st = rae.detect_onsets(np.stack([x, np.zeros_like(x)]), SR)
    np.testing.assert_allclose(st.times_s, plain.times_s, atol=0.006)


def test_degenerate_inputs_and_errors() -> None:
    assert len(rae.detect_onsets(np.zeros(SR, dtype=np.float32), SR)) == 0
    assert len(rae.detect_onsets(np.full(SR, 0.5, dtype=np.float32), SR)) == 0
    assert len(rae.detect_onsets(np.zeros(10, dtype=np.float32), SR)) == 0
    silent = rae.analyze_dynamics(np.zeros(SR, dtype=np.float32), SR)
    assert silent.integrated_lufs == float("-inf") and silent.sample_peak_db == float("-inf")
    assert rae.estimate_tempo(np.zeros(SR * 3, dtype=np.float32), SR).bpm == 0.0
    bad = np.zeros(1000, dtype=np.float32)
    bad[5] = np.nan
    for fn in (rae.detect_onsets, rae.analyze_dynamics, rae.estimate_tempo):
        with pytest.raises(ValueError, match="NaN"):
            fn(bad, SR)  # type: ignore[operator]
    with pytest.raises(ValueError, match="method"):
        rae.detect_onsets(bad, SR, method="hfc")
    with pytest.raises(ValueError, match="hop_s"):
        rae.detect_onsets(np.zeros(100, dtype=np.float32), SR, hop_s=0.0)
    with pytest.raises(ValueError, match="sample_rate"):
        rae.detect_onsets(np.zeros(100, dtype=np.float32))
    with pytest.raises(FileNotFoundError):
        rae.analyze_dynamics("/nonexistent/file.wav")


def test_loudness_matches_pyloudnorm() -> None:
    path = audio_file("music_stereo_30s.wav")
    sr, x = scipy.io.wavfile.read(path)
    expected = pyloudnorm.Meter(sr).integrated_loudness(x.astype(np.float64))
    d = rae.analyze_dynamics(str(path))
    assert abs(d.integrated_lufs - expected) < 0.1, (d.integrated_lufs, expected)
    assert abs(d.true_peak_db - (-0.99)) < 0.1
    assert d.true_peak_db >= d.sample_peak_db
    assert d.rms_db.dtype == np.float32 and len(d.rms_db) == len(d.times_s)
    assert len(d.momentary_lufs) == len(d.short_term_lufs) == len(d.loudness_times_s)
    assert set(d.to_dict()) >= {"integrated_lufs", "momentary_lufs", "crest_factor_db"}


def test_sine_levels() -> None:
    t = np.arange(SR * 2) / SR
    x = np.sin(2 * np.pi * 997 * t).astype(np.float32)
    d = rae.analyze_dynamics(x, SR)
    assert abs(d.rms_total_db + 3.0103) < 0.01
    assert abs(d.crest_factor_db - 3.0103) < 0.01
    assert abs(float(np.median(d.rms_db)) + 3.0103) < 0.05


@pytest.mark.parametrize("bpm", [90.0, 120.0, 150.0])
def test_tempo_of_click_tracks(bpm: float) -> None:
    period = 60.0 / bpm
    beats = [0.5 + k * period for k in range(int(12 / period))]
    tempo = rae.estimate_tempo(clicks(beats, 13.0), SR)
    assert abs(tempo.bpm / bpm - 1) < 0.02, tempo
    hits = sum(any(abs(b - c) < 0.03 for c in beats) for b in tempo.beats_s)
    assert hits >= len(beats) - 2
    assert tempo.to_dict()["bpm"] == tempo.bpm


def test_concurrent_calls_agree() -> None:
    x = clicks([0.5, 1.0, 1.5], 2.0)
    results: list[int] = []

    def work() -> None:
        results.append(len(rae.detect_onsets(x, SR)))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == [3, 3, 3, 3]
