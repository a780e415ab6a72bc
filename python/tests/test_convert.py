"""One converter for audio arrays: every function that takes audio gives the same result for
float32, float64, Fortran-ordered and 1-D (mono) input, and refuses the same bad input the same
way."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import rust_audio_engine as rae

SR = 22050


def _signal() -> np.ndarray:
    """Two seconds of a stereo melody with attacks (float32, C order)."""
    t = np.arange(2 * SR) / SR
    f0 = np.where(t < 1.0, 220.0, 330.0)
    env = np.minimum(1.0, 20 * (t % 0.5)) * np.exp(-3 * (t % 0.5))
    left = 0.4 * env * np.sin(2 * np.pi * np.cumsum(f0) / SR)
    right = 0.8 * left + 0.01 * np.sin(2 * np.pi * 50 * t)
    return np.stack([left, right]).astype(np.float32)


def _plain(x: Any) -> Any:
    """A result as plain comparable data."""
    if isinstance(x, np.ndarray):
        return ("array", x.dtype.str, x.shape, x.tobytes())
    if isinstance(x, (bytes, str, int, float, dict, type(None))):
        return x
    if isinstance(x, list):
        return [_plain(v) for v in x]
    if hasattr(x, "to_dict"):
        return x.to_dict()
    if hasattr(x, "to_dat"):
        return x.to_dat()
    raise TypeError(type(x))


def _streamed(x: np.ndarray, sr: int) -> list[dict[str, object]]:
    a = rae.StreamingAnalyzer(sr)
    return a.process(x) + a.flush()


FUNCTIONS: dict[str, Callable[[np.ndarray], Any]] = {
    "waveform_peaks": lambda x: rae.waveform_peaks(x, SR, samples_per_pixel=128),
    "render_waveform_png": lambda x: rae.render_waveform_png(x, SR, width=200, height=60),
    "render_spectrogram_png": lambda x: rae.render_spectrogram_png(x, SR, width=100, height=50),
    "detect_onsets": lambda x: rae.detect_onsets(x, SR),
    "analyze_dynamics": lambda x: rae.analyze_dynamics(x, SR),
    "estimate_tempo": lambda x: rae.estimate_tempo(x, SR),
    "analyze_pitch": lambda x: rae.analyze_pitch(x, SR),
    "detect_notes": lambda x: rae.detect_notes(x, SR),
    "analyze": lambda x: rae.analyze(x, SR),
    "integrated_loudness": lambda x: rae.integrated_loudness(x, SR),
    "StreamingAnalyzer.process": lambda x: _streamed(x, SR),
    "Gain": lambda x: rae.Gain(-6.0)(x, SR),
    "PeakFilter": lambda x: rae.PeakFilter(1000.0, 3.0)(x, SR),
    "Compressor": lambda x: rae.Compressor(-20.0, 4.0)(x, SR),
    "Limiter": lambda x: rae.Limiter(-3.0)(x, SR),
    "Reverb": lambda x: rae.Reverb()(x, SR),
    "Convolution": lambda x: rae.Convolution("room", mix=0.3)(x, SR),
    "Convolution streamed": lambda x: rae.Convolution("room")(x, SR, reset=False),
    "LoudnessNormalize": lambda x: rae.LoudnessNormalize(-20.0)(x, SR),
    "Chain": lambda x: rae.Chain([rae.HighpassFilter(80.0), rae.Gain(2.0)])(x, SR),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_dtypes_and_orders_give_the_float32_result(name: str) -> None:
    f = FUNCTIONS[name]
    x = _signal()
    want = _plain(f(x))
    assert _plain(f(x.astype(np.float64))) == want, "float64"
    assert _plain(f(np.asfortranarray(x))) == want, "Fortran order"
    assert _plain(f(np.asfortranarray(x.astype(np.float64)))) == want, "Fortran float64"


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_one_d_is_mono(name: str) -> None:
    f = FUNCTIONS[name]
    mono = _signal()[0]
    one_d, two_d = f(mono), f(mono[np.newaxis, :])
    if isinstance(one_d, np.ndarray) and one_d.ndim == 1:
        # Effects give 1-D back for 1-D input.
        assert np.array_equal(one_d, two_d[0])
    else:
        assert _plain(one_d) == _plain(two_d)
    assert _plain(f(mono.astype(np.float64))) == _plain(one_d)


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_bad_arrays_are_refused_alike(name: str) -> None:
    f = FUNCTIONS[name]
    x = _signal()
    with pytest.raises(ValueError, match=r"audio\.T"):
        f(np.ascontiguousarray(x.T))
    bad = x.copy()
    bad[1, 100] = np.nan
    if name == "waveform_peaks":
        # Peaks read NaN as 0, as when they stream a file, rather than pay a separate pass.
        assert _plain(f(bad)) == _plain(f(np.nan_to_num(bad)))
    else:
        with pytest.raises(ValueError, match="sample 100 of channel 1 is NaN"):
            f(bad)
    with pytest.raises(TypeError, match="float32 or float64"):
        f((x * 32767).astype(np.int16))
    with pytest.raises(ValueError, match="3-D"):
        f(x[np.newaxis])
