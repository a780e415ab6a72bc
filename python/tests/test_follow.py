"""ScoreFollower: live score following of a lesson, from the notes a player starts."""

from __future__ import annotations

from pathlib import Path

import pytest

import rust_audio_engine as rae
from conftest import _smf

# A C major scale up, quarter notes at 100 BPM (0.6 s each).
KEYS = [60, 62, 64, 65, 67, 69, 71, 72]
BEAT = 0.6


def lesson() -> bytes:
    return _smf([(i * 480, 440, k) for i, k in enumerate(KEYS)])


def play(f: rae.ScoreFollower, notes: list[tuple[float, int]], end: float
         ) -> list[dict[str, object]]:
    events: list[dict[str, object]] = []
    for t, k in notes:
        events += f.advance(t)
        events += f.note(t, k)
    events += f.finish(end)
    return events


def test_clean_take_at_a_slower_tempo(tmp_path: Path) -> None:
    path = tmp_path / "lesson.mid"
    path.write_bytes(lesson())
    f = rae.ScoreFollower(path, level="beginner")
    assert f.note_count == 8
    # Ten percent slower, starting 2 s into the stream.
    events = play(f, [(2.0 + i * BEAT * 1.1, k) for i, k in enumerate(KEYS)], 8.0)
    verdicts = [e for e in events if e["type"] == "verdict"]
    assert [(v["key"], v["verdict"], v["timing"]) for v in verdicts] == \
        [(k, "correct", "clean") for k in KEYS]
    last = [e for e in events if e["type"] == "position"][-1]
    assert last["tempo_ratio"] == pytest.approx(1.1, abs=0.01)
    assert last["bar"] == 2 and last["next"] == []


def test_wrong_missed_and_extra() -> None:
    f = rae.ScoreFollower(lesson(), level="intermediate")
    played = [(i * BEAT, k) for i, k in enumerate(KEYS)]
    played[2] = (played[2][0], 63)          # E4 played as E-flat
    del played[5]                           # A4 left out
    played.insert(3, (2.5 * BEAT, 30))      # a stray low note
    events = play(f, played, 6.0)
    by_note = {v["note"]: v for v in events if v["type"] == "verdict"}
    assert by_note[2]["verdict"] == "wrong_pitch" and by_note[2]["played"] == 63
    assert by_note[5]["verdict"] == "missed"
    assert sum(v["verdict"] == "correct" for v in by_note.values()) == 6
    assert [e["key"] for e in events if e["type"] == "extra"] == [30]


def test_bad_input_is_a_typed_error() -> None:
    with pytest.raises(ValueError, match="level"):
        rae.ScoreFollower(lesson(), level="expert")
    with pytest.raises(rae.MidiError):
        rae.ScoreFollower(b"not a MIDI file")
    with pytest.raises(FileNotFoundError):
        rae.ScoreFollower("/nonexistent/lesson.mid")
    with pytest.raises(ValueError, match="no notes"):
        rae.ScoreFollower(_smf([]))
