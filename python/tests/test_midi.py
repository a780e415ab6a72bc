"""MIDI files that break the standard: played with warnings, or refused with `strict=True`; and
`midi_info`, the document `rae info --json` prints. The broken files are built here, byte by
byte."""

from pathlib import Path

import pytest

import rust_audio_engine as rae

SCALE = [60, 62, 64, 65]


def _smf(track: bytes, fmt: int = 0) -> bytes:
    header = b"MThd" + (6).to_bytes(4, "big") + fmt.to_bytes(2, "big") + (1).to_bytes(2, "big")
    return header + (96).to_bytes(2, "big") + b"MTrk" + len(track).to_bytes(4, "big") + track


def _running_status_after_meta() -> bytes:
    """Four quarter notes in running status, interrupted by a text event after the second."""
    body = bytearray(b"\x00\x90")
    for i, key in enumerate(SCALE):
        if i:
            body += b"\x00"
        body += bytes([key, 100, 0x60, key, 0])
        if i == 1:
            body += b"\x00\xff\x01\x05break"
    return _smf(bytes(body) + b"\x00\xff\x2f\x00")


# Offset of the data byte that continues running status after the text event: header 14, chunk
# header 8, then 2 + 5 + 1 + 5 + 9 bytes of events and the delta time.
OFFSET = 14 + 8 + 2 + 5 + 1 + 5 + 9 + 1


def test_render_plays_a_broken_file_and_reports_its_warnings(tmp_path: Path) -> None:
    midi = _running_status_after_meta()
    result = rae.render_midi_detailed(midi, "builtin", sample_rate=22050)
    assert result.audio.shape[1] > 0 and abs(result.audio).max() > 0.01
    warnings = result.report.warnings
    assert warnings == [
        {
            "offset": OFFSET,
            "rule": "running_status_after_meta",
            "message": "running status 0x90 continues after a meta event, which cancels it",
        }
    ]
    assert result.report.to_dict()["warnings"] == warnings
    path = tmp_path / "broken.mid"
    path.write_bytes(midi)
    report = rae.synthesize_midi_detailed(path, tmp_path / "out.wav", "builtin")
    assert [w["offset"] for w in report.warnings] == [OFFSET]


def test_strict_refuses_with_the_byte_offset(tmp_path: Path) -> None:
    midi = _running_status_after_meta()
    with pytest.raises(rae.MidiError, match=f"byte {OFFSET}: data byte without a status byte"):
        rae.render_midi(midi, "builtin", strict=True)
    path = tmp_path / "broken.mid"
    path.write_bytes(midi)
    with pytest.raises(rae.MidiError, match=f"broken.mid: invalid MIDI at byte {OFFSET}"):
        rae.synthesize_midi(path, tmp_path / "out.wav", "builtin", strict=True)
    with pytest.raises(rae.MidiError, match=str(OFFSET)):
        rae.midi_info(path, strict=True)
    assert not (tmp_path / "out.wav").exists()


def test_well_formed_files_have_no_warnings(lesson: Path) -> None:
    assert rae.render_midi_detailed(lesson, "builtin", max_tail_s=0.1).report.warnings == []
    assert rae.midi_info(lesson, strict=True)["warnings"] == []


def test_midi_info_is_the_document(tmp_path: Path) -> None:
    info = rae.midi_info(_running_status_after_meta())
    assert info["file"] == "<bytes>"
    assert info["note_count"] == 4
    assert [n["key"] for n in info["notes"]] == SCALE
    first = info["notes"][0]
    assert first == {"start_s": 0.0, "duration_s": 0.5, "channel": 0, "key": 60, "velocity": 100,
                     "track": 0}
    assert [t["text"] for t in info["texts"]] == ["break"]
    assert info["warnings"][0]["offset"] == OFFSET
    assert info["parameters"] == [] and info["time_signatures"] == []


def test_empty_and_foreign_files_are_midi_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mid"
    empty.write_bytes(b"")
    with pytest.raises(rae.MidiError, match="empty.mid: invalid MIDI at byte 0: empty file"):
        rae.midi_info(empty)
    with pytest.raises(rae.MidiError, match="byte 0: not a Standard MIDI File"):
        rae.render_midi(b"not a midi file", "builtin")
