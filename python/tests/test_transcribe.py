"""Transcription (audio to notes) from Python: notes against the MIDI truth, the MIDI written,
arrays and bytes, typed errors, the GIL released."""

import threading
from pathlib import Path

import numpy as np
import pytest

import rust_audio_engine as rae


def _onset_f1(truth: list[tuple[float, int]], notes: list[rae.TranscribedNote]) -> float:
    used: set[int] = set()
    hits = 0
    for t, p in truth:
        best = None
        for i, n in enumerate(notes):
            if i not in used and n.pitch == p and abs(n.start - t) <= 0.05:
                if best is None or abs(n.start - t) < abs(notes[best].start - t):
                    best = i
        if best is not None:
            used.add(best)
            hits += 1
    p, r = hits / max(1, len(notes)), hits / max(1, len(truth))
    return 2 * p * r / (p + r) if p + r else 0.0


def test_a_rendered_scale_transcribes_to_its_notes(scale: Path, fluid: Path, tmp_path: Path) -> None:
    wav = tmp_path / "scale.wav"
    rae.synthesize_midi(scale, wav, fluid)
    truth = [(n["start_s"], n["key"]) for n in rae.midi_info(scale)["notes"]]
    notes = rae.transcribe(wav)
    assert isinstance(notes, rae.Transcription) and isinstance(notes, list)
    assert all(isinstance(n, rae.TranscribedNote) for n in notes)
    assert _onset_f1(truth, notes) >= 0.9
    assert notes == sorted(notes, key=lambda n: (n.start, n.pitch))
    assert all(0 <= n.start < n.end and 1 <= n.velocity <= 127 for n in notes)
    assert notes.info["mode"] == "piano" and "notes" not in notes.info
    ref = rae.transcribe(wav, mode="reference")
    assert ref.info["mode"] == "reference"
    assert _onset_f1(truth, ref) >= 0.8
    # The same from an array and from bytes.
    audio, sr = rae.load_audio(wav)
    assert rae.transcribe(audio, sample_rate=sr) == notes
    assert rae.transcribe(wav.read_bytes()) == notes
    # to_midi writes a file the MIDI reader reads back.
    mid = tmp_path / "take.mid"
    notes.to_midi(mid)
    back = rae.midi_info(mid)["notes"]
    assert [n["key"] for n in back] == [n.pitch for n in notes]
    assert notes[0].to_dict()["pitch"] == notes[0].pitch


def test_activations_are_frames_by_keys() -> None:
    sr = 22050
    t = np.arange(sr) / sr
    tone = (0.3 * np.sin(2 * np.pi * 261.63 * t)).astype(np.float32)
    onsets, frames, contour, times = rae.transcription_activations(tone, sr)
    assert onsets.shape == frames.shape == (len(times), 88)
    assert contour.shape == (len(times), 264)
    assert times[0] == 0.0 and 80 < len(times) < 90
    # Middle C (key 39) is the strongest key once the tone sounds.
    assert int(np.argmax(frames[20:60].mean(axis=0))) == 39


def test_errors_are_typed(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        rae.transcribe(tmp_path / "none.wav")
    with pytest.raises(rae.AudioFormatError, match="at least 0.2 s"):
        rae.transcribe(np.zeros(100, dtype=np.float32), sample_rate=22050)
    with pytest.raises(rae.AudioFormatError):
        rae.transcribe(b"not audio at all")
    with pytest.raises(ValueError, match="sample_rate"):
        rae.transcribe(np.zeros(22050, dtype=np.float32))
    with pytest.raises(ValueError, match="transcription mode"):
        rae.transcribe(np.zeros(22050, dtype=np.float32), sample_rate=22050, mode="guitar")
    with pytest.raises(ValueError):
        rae.TranscribedNote(1.0, 0.5, 60)
    assert rae.transcribe(np.zeros(22050, dtype=np.float32), sample_rate=22050) == []


def test_the_gil_is_released() -> None:
    audio = np.zeros(22050 * 20, dtype=np.float32)
    ticks = 0
    done = threading.Event()

    def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            done.wait(0.001)

    th = threading.Thread(target=tick)
    th.start()
    rae.transcribe(audio, sample_rate=22050)
    done.set()
    th.join()
    assert ticks > 10
