"""Transcription (polyphonic, audio to notes) with the Basic Pitch model, run by the engine."""

from __future__ import annotations

import os
from typing import Literal, Optional, Union

import numpy as np
import numpy.typing as npt

from ._native import TranscribedNote, notes_to_midi, transcribe_notes

_AudioArg = Union[
    npt.NDArray[np.float32], npt.NDArray[np.float64], str, "os.PathLike[str]", bytes
]


class Transcription(list[TranscribedNote]):
    """The notes of a recording, sorted by start then pitch (a list of
    :class:`TranscribedNote`), with the run's details in :attr:`info` (duration, mode, model,
    timings: the JSON ``rae transcribe --json`` writes, without the notes)."""

    info: dict[str, object]

    def __init__(self, notes: list[TranscribedNote], info: Optional[dict[str, object]] = None):
        super().__init__(notes)
        self.info = dict(info or {})

    def to_midi(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Writes the notes as a type-0 MIDI file (480 ticks per quarter at 120 BPM, piano),
        atomically."""
        notes_to_midi(self, path)


def transcribe(
    audio_or_path: _AudioArg,
    *,
    sample_rate: Optional[int] = None,
    mode: Literal["piano", "reference"] = "piano",
    threads: Optional[int] = None,
) -> Transcription:
    """Transcribes a recording to notes. ``audio_or_path`` is a float array (1-D mono or
    (channels, samples), with ``sample_rate``), a path or the file's bytes; 0.2 s to 20 minutes.

    ``mode="piano"`` (default) makes notes for piano: every note starts at a strike, harmonic
    ghost notes and re-triggers are dropped. ``mode="reference"`` gives the basic-pitch
    package's notes at its defaults. The GIL is released while the engine works; errors are
    the engine's typed exceptions (``AudioFormatError`` for audio too short, ``LimitError`` for
    too long, ``FileNotFoundError``)."""
    notes, info = transcribe_notes(audio_or_path, sample_rate, mode=mode, threads=threads)
    return Transcription(notes, info)
