"""assess(): a take (MIDI or a recording) against its lesson, note by note."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import rust_audio_engine as rae
from conftest import _smf

# A C major scale up and down, quarter notes at 100 BPM (0.6 s each).
KEYS = [60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62, 60]


def lesson() -> bytes:
    return _smf([(i * 480, 440, k) for i, k in enumerate(KEYS)])


def test_midi_take_with_a_wrong_and_a_missed_note_at_another_tempo() -> None:
    # Played at 90 BPM; the fourth note (F4) played as F#4, the ninth (B4) left out.
    take_notes = [(i * 480, 440, 66 if i == 3 else k) for i, k in enumerate(KEYS) if i != 8]
    a = rae.assess(_smf(take_notes, bpm=90.0), lesson(), level="advanced")
    assert a.take_kind == "midi" and a.level == "advanced"
    assert a.counts == {"lesson_notes": 15, "correct": 13, "wrong_pitch": 1, "missed": 1,
                        "extra": 0, "rushed": 0, "dragged": 0}
    verdicts = [(n["index"], n["verdict"], n["played_pitch"]) for n in a.notes
                if n["verdict"] != "correct"]
    assert verdicts == [(3, "wrong_pitch", 66), (8, "missed", None)]
    assert a.tempo_ratio == pytest.approx(0.9, abs=0.01)
    # Deviations after the tempo: exact for a steady take.
    devs = [n["deviation_ms"] for n in a.notes if n["deviation_ms"] is not None]
    assert max(abs(float(d)) for d in devs) < 1.0  # type: ignore[arg-type]
    assert sum(b["notes"] for b in a.bars) == 15  # type: ignore[misc]
    assert "F#4" in a.summary()
    d = a.to_dict()
    assert json.loads(a.to_json()) == json.loads(json.dumps(d))
    assert 0 <= a.scores["notes"] < 100


def test_recording_of_a_monophonic_lesson_through_the_pitch_track() -> None:
    # The lesson rendered with the built-in piano, as an array: every note heard correct.
    audio = rae.render_midi(lesson(), sample_rate=22050)
    a = rae.assess(audio, lesson(), sample_rate=22050, level="beginner")
    assert a.take_kind == "pitch_track"
    assert a.counts["correct"] >= 14, a.counts
    assert a.counts["extra"] <= 1, a.extra_notes


def test_bad_input_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="level"):
        rae.assess(lesson(), lesson(), level="expert")
    with pytest.raises(FileNotFoundError):
        rae.assess(tmp_path / "missing.wav", lesson())
    with pytest.raises(rae.MidiError):
        rae.assess(lesson(), b"not a midi file")
    with pytest.raises(ValueError, match="sample_rate"):
        rae.assess(np.zeros(22050, dtype=np.float32), lesson())
    with pytest.raises(rae.AudioEngineError, match="no notes"):
        rae.assess(np.zeros(44100, dtype=np.float32), lesson(), sample_rate=44100)
