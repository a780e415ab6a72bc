"""Audio file input: what we write reads back; the test audio decodes to its manifest shape."""

import json

import numpy as np
import pytest

import rust_audio_engine as rae
from conftest import audio_file


@pytest.mark.parametrize("fmt, ext, tol", [("wav16", "wav", 1 / 32768), ("wav32f", "wav", 0.0),
                                           ("flac24", "flac", 1 / 2**23)])
def test_rendered_files_read_back(tmp_path, fmt, ext, tol):
    midi = tmp_path / "d.mid"
    midi.write_bytes(rae.demo_midi())
    out = tmp_path / f"d.{ext}"
    rae.synthesize_midi(midi, out, "builtin", format=fmt, max_tail_s=0.5)
    audio, sr = rae.load_audio(out)
    expected = rae.render_midi(midi, "builtin", max_tail_s=0.5)
    assert sr == 44100 and audio.dtype == np.float32 and audio.shape == expected.shape
    assert np.max(np.abs(audio - expected)) <= tol + 1e-9
    same, _ = rae.load_audio(out.read_bytes())
    assert np.array_equal(same, audio)


def test_test_audio_shapes():
    audio_dir = audio_file("manifest.json").parent
    manifest = json.loads((audio_dir / "manifest.json").read_text())["files"]
    for name in ["music_stereo_30s.wav", "melody_mono_30s.wav"]:
        audio, sr = rae.load_audio(audio_dir / name)
        frames, channels = manifest[name]["shape"]
        assert sr == manifest[name]["sr"] and audio.shape == (channels, frames)


def test_load_audio_errors(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF nonsense")
    with pytest.raises(rae.AudioFormatError) as e:
        rae.load_audio(bad)
    assert "bad.wav" in str(e.value)
    with pytest.raises(FileNotFoundError):
        rae.load_audio(tmp_path / "missing.flac")
    long_wav = _long_wav(tmp_path)
    with pytest.raises(rae.LimitError):
        rae.load_audio(long_wav, max_seconds=0.5)


def _long_wav(tmp_path):
    midi = tmp_path / "d.mid"
    midi.write_bytes(rae.demo_midi())
    out = tmp_path / "long.wav"
    rae.synthesize_midi(midi, out, "builtin")
    return out
