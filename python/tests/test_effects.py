"""Effects from Python: thread safety, agreement with scipy / the RBJ cookbook / pyloudnorm,
streaming equals whole-buffer, the limiter's true-peak ceiling, errors, and render integration."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from conftest import audio_file
from scipy import signal

import rust_audio_engine as rae




def make_signal(seconds: float = 1.5, sr: int = 44100, channels: int = 2, seed: int = 0) -> np.ndarray:
    """Tones with a loud burst and noise: exercises filters, dynamics and reverbs."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    t = np.arange(n) / sr
    out = np.empty((channels, n), dtype=np.float32)
    for c in range(channels):
        x = 0.3 * np.sin(2 * np.pi * (220 + 110 * c) * t) + 0.05 * rng.standard_normal(n)
        x[n // 3 : n // 2] *= 5.0
        out[c] = x
    return out


def every_effect() -> list[rae.Effect]:
    return [
        rae.Convolution("room", mix=0.5),
        rae.Reverb(room_size=0.3),
        rae.PeakFilter(1000.0, 6.0, 1.0),
        rae.LowShelfFilter(200.0, -4.0),
        rae.HighShelfFilter(6000.0, 3.0),
        rae.LowpassFilter(5000.0),
        rae.HighpassFilter(80.0),
        rae.BandpassFilter(1000.0, 2.0),
        rae.NotchFilter(60.0, 5.0),
        rae.Compressor(threshold_db=-18.0, ratio=4.0, attack_ms=5.0, release_ms=80.0, knee_db=6.0),
        rae.Limiter(ceiling_db=-3.0),
        rae.Gain(-6.0),
        rae.LoudnessNormalize(-20.0),
        rae.Chain([rae.HighpassFilter(40.0), rae.Compressor(-20.0, 3.0), rae.Convolution("plate", mix=0.3),
                   rae.Limiter()]),
    ]


@pytest.mark.parametrize("effect", every_effect(), ids=lambda e: type(e).__name__)
def test_eight_threads_match_one(effect: rae.Effect) -> None:
    audio = make_signal()
    expected = effect(audio, 44100)
    results: list[np.ndarray] = [np.empty(0, dtype=np.float32)] * 8
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(i: int) -> None:
        try:
            barrier.wait()
            results[i] = effect(audio, 44100)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for r in results:
        assert r.dtype == np.float32
        np.testing.assert_array_equal(r, expected)


def test_streaming_from_many_threads_is_serialised() -> None:
    lim = rae.Limiter()
    audio = make_signal(0.5)
    outputs: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        for k in range(0, audio.shape[1], 1000):
            y = lim(audio[:, k : k + 1000], 44100, reset=False)
            with lock:
                outputs.append(y.shape[1])

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(outputs) == 8 * audio.shape[1]


@pytest.mark.parametrize(
    "effect",
    [e for e in every_effect() if not isinstance(e, rae.LoudnessNormalize)],
    ids=lambda e: type(e).__name__,
)
def test_chunked_equals_whole_buffer(effect: rae.Effect) -> None:
    sr = 48000
    audio = make_signal(1.0, sr=sr, seed=3)
    whole = effect(audio, sr)
    latency = effect.latency_frames(sr)
    tail = effect.tail_frames(sr)
    assert whole.shape == (2, audio.shape[1] + tail)
    padded = np.concatenate([audio, np.zeros((2, latency + tail), np.float32)], axis=1)
    rng = np.random.default_rng(1)
    effect.reset()
    pieces = []
    at = 0
    while at < padded.shape[1]:
        n = int(rng.integers(1, 4000))
        chunk = np.ascontiguousarray(padded[:, at : at + n])
        out = effect(chunk, sr, reset=False)
        assert out.shape == chunk.shape
        pieces.append(out)
        at += n
    streamed = np.concatenate(pieces, axis=1)
    np.testing.assert_allclose(streamed[:, latency:], whole, rtol=0, atol=1e-6)


def test_loudness_normalize_streaming_raises() -> None:
    with pytest.raises(ValueError, match="whole signal"):
        rae.LoudnessNormalize()(make_signal(0.1), 44100, reset=False)


def test_convolution_matches_scipy_fftconvolve() -> None:
    music, sr = rae.load_audio(audio_file("music_stereo_30s.wav"))
    ir, ir_sr = rae.load_audio(audio_file("ir_stereo_2p5s.wav"))
    assert sr == ir_sr
    x = music[:, : 10 * sr]
    conv = rae.Convolution(str(audio_file("ir_stereo_2p5s.wav")), normalize=False)
    ours = conv(x, sr)
    ref = np.stack([signal.fftconvolve(x[c].astype(np.float64), ir[c].astype(np.float64)) for c in range(2)])
    assert ours.shape == ref.shape
    rel = np.max(np.abs(ours - ref)) / np.max(np.abs(ref))
    assert rel < 1e-5, rel
    # trim_tail gives pedalboard's same-length output; an impulse gives back the IR.
    trimmed = rae.Convolution(str(audio_file("ir_stereo_2p5s.wav")), normalize=False, trim_tail=True)(x, sr)
    np.testing.assert_array_equal(trimmed.shape, x.shape)
    impulse = np.zeros((2, 100), np.float32)
    impulse[:, 0] = 1.0
    np.testing.assert_allclose(conv(impulse, sr)[:, : ir.shape[1]], ir, atol=1e-6)


def rbj(kind: str, f0: float, gain_db: float, q: float, sr: float) -> tuple[np.ndarray, np.ndarray]:
    """The Audio EQ Cookbook's coefficients, written out independently of the engine."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * f0 / sr
    cw, sw = np.cos(w0), np.sin(w0)
    al = sw / (2 * q)
    sa = 2 * np.sqrt(a) * al
    if kind == "lowpass":
        b = [(1 - cw) / 2, 1 - cw, (1 - cw) / 2]
        den = [1 + al, -2 * cw, 1 - al]
    elif kind == "highpass":
        b = [(1 + cw) / 2, -(1 + cw), (1 + cw) / 2]
        den = [1 + al, -2 * cw, 1 - al]
    elif kind == "bandpass":
        b = [al, 0, -al]
        den = [1 + al, -2 * cw, 1 - al]
    elif kind == "notch":
        b = [1, -2 * cw, 1]
        den = [1 + al, -2 * cw, 1 - al]
    elif kind == "peak":
        b = [1 + al * a, -2 * cw, 1 - al * a]
        den = [1 + al / a, -2 * cw, 1 - al / a]
    elif kind == "lowshelf":
        b = [a * ((a + 1) - (a - 1) * cw + sa), 2 * a * ((a - 1) - (a + 1) * cw), a * ((a + 1) - (a - 1) * cw - sa)]
        den = [(a + 1) + (a - 1) * cw + sa, -2 * ((a - 1) + (a + 1) * cw), (a + 1) + (a - 1) * cw - sa]
    elif kind == "highshelf":
        b = [a * ((a + 1) + (a - 1) * cw + sa), -2 * a * ((a - 1) + (a + 1) * cw), a * ((a + 1) + (a - 1) * cw - sa)]
        den = [(a + 1) - (a - 1) * cw + sa, 2 * ((a - 1) - (a + 1) * cw), (a + 1) - (a - 1) * cw - sa]
    else:
        raise ValueError(kind)
    return np.array(b), np.array(den)


FILTERS: list[tuple[str, Callable[[float, float, float], rae.Effect]]] = [
    ("peak", lambda f, g, q: rae.PeakFilter(f, g, q)),
    ("lowshelf", lambda f, g, q: rae.LowShelfFilter(f, g, q)),
    ("highshelf", lambda f, g, q: rae.HighShelfFilter(f, g, q)),
    ("lowpass", lambda f, g, q: rae.LowpassFilter(f, q)),
    ("highpass", lambda f, g, q: rae.HighpassFilter(f, q)),
    ("bandpass", lambda f, g, q: rae.BandpassFilter(f, q)),
    ("notch", lambda f, g, q: rae.NotchFilter(f, q)),
]


@pytest.mark.parametrize("sr", [44100, 48000])
@pytest.mark.parametrize("kind,make", FILTERS, ids=[k for k, _ in FILTERS])
def test_eq_magnitude_matches_rbj_cookbook(kind: str, make: Callable[[float, float, float], rae.Effect],
                                           sr: int) -> None:
    n = 1 << 17
    impulse = np.zeros(n, np.float32)
    impulse[0] = 1.0
    for f0, gain_db, q in [(100.0, 9.0, 0.707), (1000.0, -6.0, 2.0), (8000.0, 12.0, 0.5)]:
        h = make(f0, gain_db, q)(impulse, sr)
        assert h.shape == (n,)
        spectrum = np.fft.rfft(h.astype(np.float64))
        freqs = np.fft.rfftfreq(n, 1 / sr)
        band = (freqs >= 20) & (freqs <= 20000)
        b, a = rbj(kind, f0, gain_db, q, sr)
        _, ref = signal.freqz(b, a, worN=freqs[band], fs=sr)
        ours_db = 20 * np.log10(np.abs(spectrum[band]) + 1e-300)
        ref_db = 20 * np.log10(np.abs(ref) + 1e-300)
        # Deep in a stopband or a notch dB differences lose meaning: there both must be deep.
        deep = ref_db < -80
        err = np.abs(ours_db - ref_db)[~deep]
        assert err.max() < 0.01, f"{kind} {f0} Hz: {err.max():.4f} dB"
        assert np.all(ours_db[deep] < -70)


def true_peak_db(x: np.ndarray) -> float:
    up = signal.resample_poly(x.astype(np.float64), 4, 1, axis=-1)
    return float(20 * np.log10(np.max(np.abs(up))))


@pytest.mark.parametrize("ceiling_db", [-1.0, -3.0])
def test_limiter_true_peak_on_test_music(ceiling_db: float) -> None:
    music, sr = rae.load_audio(audio_file("music_stereo_30s.wav"))
    driven = (music * 10 ** (12 / 20)).astype(np.float32)
    out = rae.Limiter(ceiling_db=ceiling_db)(driven, sr)
    assert out.shape == driven.shape
    tp = true_peak_db(out)
    assert tp <= ceiling_db + 0.1, tp
    # Not a hard clip: most of the signal keeps its level relative to the original.
    assert true_peak_db(driven) > ceiling_db + 10


def test_limiter_true_peak_on_test_renders(midi_dir: Path, lesson: Path) -> None:
    for path in [midi_dir / "gm_meltysynth_demo.mid", midi_dir / "piano_prokofiev_etude_op2no1.mid", lesson]:
        name = path.name
        audio = rae.render_midi(path, "builtin", normalize="off", max_tail_s=2.0)
        driven = (audio / np.max(np.abs(audio)) * 4.0).astype(np.float32)
        out = rae.Limiter(ceiling_db=-1.0, release_ms=50.0)(driven, 44100)
        tp = true_peak_db(out)
        assert tp <= -1.0 + 0.1, (name, tp)


def test_integrated_loudness_matches_pyloudnorm() -> None:
    import pyloudnorm as pyln
    music, sr = rae.load_audio(audio_file("music_stereo_30s.wav"))
    ours = rae.integrated_loudness(music, sr)
    theirs = pyln.Meter(sr).integrated_loudness(music.T.astype(np.float64))
    assert abs(ours - theirs) < 0.1, (ours, theirs)
    assert abs(ours - -13.69) < 0.1
    assert rae.integrated_loudness(np.zeros((2, 44100), np.float32), 44100) == float("-inf")
    out = rae.LoudnessNormalize(-23.0)(music, sr)
    assert abs(rae.integrated_loudness(out, sr) + 23.0) < 0.05


def test_nan_and_inf_raise() -> None:
    bad = make_signal(0.1)
    bad[1, 100] = np.nan
    for e in every_effect():
        with pytest.raises(ValueError, match="NaN or infinite"):
            e(bad, 44100)
    bad[1, 100] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        rae.PeakFilter(1000.0, 3.0)(bad, 44100, reset=False)
    with pytest.raises(ValueError, match="NaN or infinite"):
        rae.integrated_loudness(bad, 44100)


def test_bad_parameters_name_themselves() -> None:
    with pytest.raises(ValueError, match="ratio"):
        rae.Compressor(ratio=0.5)
    with pytest.raises(ValueError, match="q"):
        rae.PeakFilter(1000.0, 3.0, q=0.0)
    with pytest.raises(ValueError, match="room_size"):
        rae.Reverb(room_size=2.0)
    with pytest.raises(ValueError, match="mix"):
        rae.Convolution(mix=1.5)
    with pytest.raises(ValueError, match="half the sample rate"):
        rae.LowpassFilter(30000.0)(make_signal(0.1), 44100)
    with pytest.raises(FileNotFoundError):
        rae.Convolution("/nonexistent/ir.wav")
    with pytest.raises(ValueError, match="hall"):
        rae.Convolution("cathedral")
    with pytest.raises(TypeError):
        rae.Chain([rae.Gain(), "reverb"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"audio\.T"):
        rae.Gain()(np.zeros((1000, 2), np.float32), 44100)


def test_shapes_attributes_and_repr() -> None:
    mono = make_signal(0.2, channels=1)[0]
    assert rae.Gain(-6.0)(mono, 44100).shape == mono.shape
    np.testing.assert_allclose(rae.Gain(-6.0)(mono, 44100), mono * 10 ** (-6 / 20), rtol=1e-6)
    six = make_signal(0.2, channels=6)
    assert rae.Reverb()(six, 44100).shape[0] == 6
    assert rae.Gain()(six.astype(np.float64), 44100).dtype == np.float32
    c = rae.Compressor(threshold_db=-18.0, ratio=4.0)
    assert (c.threshold_db, c.ratio, c.attack_ms, c.release_ms, c.knee_db, c.makeup_gain_db) == (
        -18.0, 4.0, 1.0, 100.0, 0.0, 0.0)
    assert repr(c).startswith("Compressor(threshold_db=-18.0, ratio=4.0")
    conv = rae.Convolution("plate", mix=0.5)
    assert (conv.ir, conv.mix, conv.normalize, conv.trim_tail) == ("plate", 0.5, True, False)
    chain = rae.Chain([rae.Gain(1.0), conv])
    assert len(chain) == 2 and chain.effects[1] is conv
    assert "Convolution" in repr(chain)
    assert chain.latency_frames(44100) == 512
    assert isinstance(chain, rae.Effect)


def test_reverb_render_is_longer_and_wetter(tmp_path: Path, scale: Path) -> None:
    midi = scale
    dry_path, wet_path = tmp_path / "dry.wav", tmp_path / "wet.wav"
    d_dry = rae.synthesize_midi(midi, dry_path, "builtin", reverb=False, normalize="off")
    d_wet = rae.synthesize_midi(midi, wet_path, "builtin", reverb=True, normalize="off")
    assert d_wet > d_dry + 0.5
    dry, _ = rae.load_audio(dry_path)
    wet, _ = rae.load_audio(wet_path)
    n = dry.shape[1]
    corr = float(np.corrcoef(dry[0], wet[0, :n])[0, 1])
    assert corr < 0.99, corr
    # Other IRs by name and effects chains reach every render call.
    church = rae.render_midi(midi, "builtin", reverb="church", normalize="off",
                             effects=rae.Chain([rae.Gain(-20.0)]))
    assert np.max(np.abs(church)) < 0.3 * np.max(np.abs(wet))
    r = rae.render_midi_detailed(midi, "builtin", effects=[rae.HighpassFilter(100.0), rae.Limiter(-6.0)])
    assert true_peak_db(r.audio) <= -6.0 + 0.1
    with pytest.raises(ValueError, match="cathedral"):
        rae.render_midi(midi, "builtin", reverb="cathedral")


def test_chain_from_toml_and_fx_file(tmp_path: Path) -> None:
    """A chain file's text as one effect, and the effects operation on files (what `rae fx`
    and the service's POST /v1/fx run)."""
    chain = rae.chain_from_toml('[[effect]]\ntype = "gain"\ngain_db = -6.0\n'
                                '[[effect]]\ntype = "convolution"\nir = "room"\nmix = 0.0\n',
                                ir_files=False)
    x = (0.5 * np.sin(2 * np.pi * 440 * np.arange(4800) / 48000)).astype(np.float32)
    y = chain(x, 48000)
    assert np.abs(y).max() == pytest.approx(0.25, rel=0.02)
    with pytest.raises(ValueError, match="not a built-in impulse response"):
        rae.chain_from_toml('[[effect]]\ntype = "convolution"\nir = "/etc/passwd"\n',
                            ir_files=False)
    with pytest.raises(ValueError, match="unknown effect type 'wobble'"):
        rae.chain_from_toml('[[effect]]\ntype = "wobble"\n')
    src = audio_file("melody_mono_30s_clean.wav")
    out = tmp_path / "out.flac"
    report = rae.fx_file(src, out, chain, format="flac24")
    assert report["effects"] == ["chain"] and report["sample_rate"] == 44100
    audio, sr = rae.load_audio(out)
    before, _ = rae.load_audio(src)
    assert abs(audio.shape[1] - before.shape[1]) / sr < 1.0
    assert report["peak_dbfs"] == pytest.approx(20 * np.log10(np.abs(audio).max()), abs=0.1)
    with pytest.raises(rae.LimitError):
        rae.fx_file(src, tmp_path / "short.wav", chain, max_seconds=5.0)
    assert not (tmp_path / "short.wav").exists()
    with pytest.raises(ValueError, match="is the input file"):
        rae.fx_file(src, src, chain)
