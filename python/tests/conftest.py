"""Test inputs: the repository's test data (`make testdata`, see tests/data/README.md) and the
Debian SoundFonts `make test` installs. A missing input fails the test; nothing is skipped."""

import os
from pathlib import Path

import pytest

import rust_audio_engine as rae

HERE = Path(__file__).resolve().parent
TESTDATA = Path(os.environ.get("RAE_TESTDATA", HERE.parents[1] / "target" / "testdata"))
FLUID = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
TIMGM = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
SF3 = Path("/usr/share/sounds/sf3/MuseScore_General_Lite.sf3")


def need(path: Path) -> Path:
    """`path`, which must exist: `make test` installs or generates every input."""
    assert path.exists(), f"{path} is missing: run `make testdata` (and `make test` installs the fonts)"
    return path


def audio_file(name: str) -> Path:
    """A file of the generated test audio (and its truth files)."""
    return need(TESTDATA / "audio" / name)


@pytest.fixture
def midi_dir() -> Path:
    """The test MIDI files."""
    return need(TESTDATA / "midi")


@pytest.fixture
def lesson(tmp_path: Path) -> Path:
    """A piano lesson as a MIDI file: the engine's demo piece (33 s with its ring-out)."""
    path = tmp_path / "lesson.mid"
    path.write_bytes(rae.demo_midi())
    return path


@pytest.fixture
def fluid() -> Path:
    return need(FLUID)


@pytest.fixture
def sf3() -> Path:
    return need(SF3)


def _smf(notes: list[tuple[int, int, int]], tpq: int = 480, bpm: float = 100.0) -> bytes:
    """A type-0 Standard MIDI File of `(start_tick, length_ticks, key)` piano notes."""
    events = []
    for start, length, key in notes:
        events.append((start, 1, bytes([0x90, key, 80])))
        events.append((start + length, 0, bytes([0x80, key, 0])))
    events.sort()
    tempo = round(60_000_000 / bpm).to_bytes(3, "big")
    track, now = bytearray(b"\x00\xff\x51\x03" + tempo + b"\x00\xc0\x00"), 0
    for tick, _, data in events:
        delta, now = tick - now, tick
        vlq = [delta & 0x7F]
        while delta > 0x7F:
            delta >>= 7
            vlq.insert(0, (delta & 0x7F) | 0x80)
        track += bytes(vlq) + data
    track += b"\x00\xff\x2f\x00"
    header = b"MThd" + (6).to_bytes(4, "big") + (0).to_bytes(2, "big") + (1).to_bytes(2, "big")
    return header + tpq.to_bytes(2, "big") + b"MTrk" + len(track).to_bytes(4, "big") + bytes(track)


@pytest.fixture
def scale(tmp_path: Path) -> Path:
    """A C major scale up and down in quarter notes at 100 BPM (9 s), sounding to its last
    event, as a MIDI file."""
    keys = [60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62, 60]
    path = tmp_path / "scale.mid"
    path.write_bytes(_smf([(i * 480, 480, k) for i, k in enumerate(keys)]))
    return path
