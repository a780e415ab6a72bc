"""Waveform peaks as peaks.js and wavesurfer.js read them, checked against numpy and an
independent .dat reader written with `struct`."""

import json
import struct

import numpy as np
import pytest

import rust_audio_engine as rae


def read_dat(blob: bytes):
    """audiowaveform .dat reader, from its format description (not from our code)."""
    version, flags, sr, spp, length = struct.unpack_from("<iIiiI", blob, 0)
    offset, channels = 20, 1
    if version == 2:
        (channels,) = struct.unpack_from("<i", blob, 20)
        offset = 24
    dtype = np.int8 if flags & 1 else np.int16
    data = np.frombuffer(blob, dtype=dtype, offset=offset).reshape(length, channels, 2)
    return dict(version=version, bits=8 if flags & 1 else 16, sample_rate=sr,
                samples_per_pixel=spp, channels=channels, min=data[:, :, 0].T, max=data[:, :, 1].T)


def numpy_peaks(x: np.ndarray, spp: int):
    """audiowaveform's arithmetic: float32 samples times 32767, truncated to int16; min/max per block."""
    q = np.trunc(x * np.float32(32767)).astype(np.int16)  # float32 product, as audiowaveform
    n = -(-len(q) // spp)
    pad = np.concatenate([q, np.full(n * spp - len(q), q[-1], dtype=np.int16)])
    blocks = pad.reshape(n, spp)
    return blocks.min(axis=1), blocks.max(axis=1)


@pytest.fixture(scope="module")
def mono():
    rng = np.random.default_rng(7)
    t = np.arange(44100 * 3) / 44100
    x = 0.6 * np.sin(2 * np.pi * 3 * t) * np.sin(2 * np.pi * 440 * t) + 0.01 * rng.standard_normal(t.size)
    return x.astype(np.float32)


def test_peaks_match_numpy_and_dat_round_trips(mono):
    p = rae.waveform_peaks(mono, 44100, samples_per_pixel=512)
    lo, hi = numpy_peaks(mono, 512)
    assert p.channels == 1 and p.length == lo.size and p.samples_per_pixel == 512
    assert np.array_equal(p.min[0], lo) and np.array_equal(p.max[0], hi)
    d = read_dat(p.to_dat())
    assert d["version"] == 1 and d["bits"] == 16 and d["sample_rate"] == 44100
    assert np.array_equal(d["min"][0], lo) and np.array_equal(d["max"][0], hi)
    j = json.loads(p.to_json())
    assert j["version"] == 2 and j["length"] == lo.size and j["bits"] == 16
    assert j["data"][:4] == [int(lo[0]), int(hi[0]), int(lo[1]), int(hi[1])]


def test_split_8bit_and_zoom_options(tmp_path, mono):
    stereo = np.stack([mono, -0.5 * mono])
    p = rae.waveform_peaks(stereo, 44100, width=300, bits=8, split_channels=True)
    assert p.channels == 2 and p.bits == 8 and p.length <= 300
    d = read_dat(p.to_dat())
    assert d["version"] == 2 and d["channels"] == 2
    assert np.array_equal(d["max"], p.max) and np.array_equal(d["min"], p.min)
    assert rae.waveform_peaks(stereo, 44100, pixels_per_second=100).samples_per_pixel == 441
    with pytest.raises(ValueError):
        rae.waveform_peaks(stereo, 44100, width=10, samples_per_pixel=3)
    with pytest.raises(ValueError):
        rae.waveform_peaks(stereo)  # an array needs its sample rate


def test_wavesurfer_json_from_a_rendered_file(tmp_path):
    midi = tmp_path / "d.mid"
    midi.write_bytes(rae.demo_midi())
    wav = tmp_path / "d.wav"
    duration = rae.synthesize_midi(midi, wav, "builtin")
    p = rae.waveform_peaks(wav, width=800)
    ws = json.loads(p.to_wavesurfer())
    assert ws["duration"] == pytest.approx(duration, abs=1e-6)
    assert len(ws["peaks"]) == 1 and 0 < len(ws["peaks"][0]) <= 800
    assert max(abs(v) for v in ws["peaks"][0]) <= 1.0
    assert max(abs(v) for v in ws["peaks"][0]) > 0.05


def test_pictures(tmp_path, mono):
    png = rae.render_waveform_png(mono, 44100, width=400, height=100, axis_labels=True)
    assert png[1:4] == b"PNG" and struct.unpack(">II", png[16:24]) == (400, 100)
    spec = rae.render_spectrogram_png(mono, 44100, width=300, height=120, log_frequency=True)
    assert spec[1:4] == b"PNG" and struct.unpack(">II", spec[16:24]) == (300, 120)
    wav = tmp_path / "m.wav"
    wav.write_bytes(b"")
    with pytest.raises(ValueError):
        rae.render_waveform_png(mono, 44100, waveform_color="nope")
    with pytest.raises(rae.AudioFormatError):
        rae.render_spectrogram_png(wav)


def test_array_memory_order_does_not_matter(mono):
    stereo = np.stack([mono, -0.5 * mono])
    for split in (False, True):
        c = rae.waveform_peaks(stereo, 44100, samples_per_pixel=300, split_channels=split)
        f = rae.waveform_peaks(np.asfortranarray(stereo), 44100, samples_per_pixel=300,
                               split_channels=split)
        s = rae.waveform_peaks(stereo[:, ::2], 22050, samples_per_pixel=150, split_channels=split)
        assert np.array_equal(c.min, f.min) and np.array_equal(c.max, f.max)
        assert s.length == c.length


@pytest.mark.parametrize("kwargs", [dict(), dict(samples_per_pixel=1000, bits=8, split_channels=True),
                                    dict(width=333)])
def test_files_stream_to_the_same_peaks_as_decoded_arrays(tmp_path, mono, kwargs):
    """Paths and bytes are decoded in a stream; the peaks must equal those of the decoded array."""
    import scipy.io.wavfile

    stereo = np.stack([mono, -0.5 * mono])
    wav = tmp_path / "s.wav"
    scipy.io.wavfile.write(wav, 44100, stereo.T.copy())
    arr, sr = rae.load_audio(wav)
    want = rae.waveform_peaks(arr, sr, **kwargs)
    for source in (wav, str(wav), wav.read_bytes()):
        got = rae.waveform_peaks(source, **kwargs)
        assert got.to_dat() == want.to_dat()
        assert got.to_json() == want.to_json()
        assert got.to_wavesurfer() == want.to_wavesurfer()
    with pytest.raises(rae.AudioFormatError):
        rae.waveform_peaks(b"not audio")
    with pytest.raises(FileNotFoundError):
        rae.waveform_peaks(tmp_path / "missing.wav")


def test_pitch_contour_over_the_waveform() -> None:
    sr = 44100
    t = np.arange(sr, dtype=np.float64) / sr
    tone = (0.5 * np.sin(2 * np.pi * 220.0 * t)).astype(np.float32)
    track = rae.analyze_pitch(tone, sr)
    plain = rae.render_waveform_png(tone, sr, width=300, height=100)
    drawn = rae.render_waveform_png(tone, sr, width=300, height=100, pitch=track)
    assert drawn != plain
    assert drawn == rae.render_waveform_png(tone, sr, width=300, height=100, pitch=track)
    # Nothing voiced, nothing drawn.
    silence = np.zeros(sr, dtype=np.float32)
    quiet = rae.analyze_pitch(silence, sr)
    assert rae.render_waveform_png(silence, sr, pitch=quiet) == rae.render_waveform_png(silence, sr)
    with pytest.raises(ValueError):
        rae.render_waveform_png(tone, sr, pitch=track, pitch_color="nope")


def test_peaks_files_text_and_auto_scale(tmp_path, mono):
    """.dat/.json paths are read back (at their own resolution unless asked), .txt is audiowaveform's
    text, and amplitude_scale="auto" brings the minimum to full scale on 16-bit values."""
    p = rae.waveform_peaks(mono, 44100, samples_per_pixel=512, bits=8)
    dat, js = tmp_path / "p.dat", tmp_path / "p.json"
    dat.write_bytes(p.to_dat())
    js.write_text(p.to_json())
    for path in (dat, js):
        back = rae.waveform_peaks(path)
        assert back.bits == 8 and back.to_dat() == p.to_dat()
        sixteen = rae.waveform_peaks(path, bits=16)
        assert sixteen.bits == 16 and np.array_equal(sixteen.max, p.max.astype(np.int16) * 256)
        with pytest.raises(ValueError):
            rae.waveform_peaks(path, samples_per_pixel=64)
    lines = p.to_txt().splitlines()
    assert len(lines) == p.length and lines[0] == f"{p.min[0][0]},{p.max[0][0]}"
    wide = rae.waveform_peaks(mono, 44100, samples_per_pixel=512)
    auto = rae.waveform_peaks(mono, 44100, samples_per_pixel=512, amplitude_scale="auto")
    factor = 32767 / abs(int(wide.min.min()))
    want = np.clip(np.trunc(wide.max.astype(np.float64) * factor), -32768, 32767).astype(np.int16)
    assert np.array_equal(auto.max, want) and int(auto.min.min()) == -32767
    assert rae.waveform_peaks(mono, 44100, amplitude_scale=1.0).to_dat() == rae.waveform_peaks(mono, 44100).to_dat()
    with pytest.raises(ValueError):
        rae.waveform_peaks(mono, 44100, amplitude_scale="loud")


def test_browser_recordings_load(tmp_path):
    """Ogg/Opus, WebM/Opus and MP4/AAC made by ffmpeg (installed by `make test`) load at 48 kHz with
    their length and tone intact."""
    import subprocess

    import scipy.io.wavfile

    sr = 48000
    t = np.arange(2 * sr) / sr
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    wav = tmp_path / "tone.wav"
    scipy.io.wavfile.write(wav, sr, np.stack([tone, tone]).T.copy())
    for name, codec in [("t.opus", "libopus"), ("t.webm", "libopus"), ("t.m4a", "aac")]:
        out = tmp_path / name
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-c:a", codec, str(out)], check=True)
        audio, rate = rae.load_audio(out)
        assert rate == sr and audio.shape[0] == 2
        assert 2 * sr <= audio.shape[1] <= 2 * sr + 960, name
        rms = float(np.sqrt(np.mean(audio[0, sr // 4:-sr // 4] ** 2)))
        assert abs(rms - 0.5 / np.sqrt(2)) < 0.02, name
        assert rae.waveform_peaks(out).length == -(-audio.shape[1] // 256)
