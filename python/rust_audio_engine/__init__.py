"""rust-audio-engine: MIDI to audio through SoundFonts (SF2 and SF3), and audio effects
(convolution and algorithmic reverb, EQ, dynamics, loudness, chains), from Rust.

Every call releases the GIL while it loads or renders, so threads and asyncio servers stay
responsive. Errors about bad content subclass :class:`AudioEngineError` (itself a
``ValueError``); a missing input raises ``FileNotFoundError``.
"""

# Every name the extension exports (its __all__), listed once, in the extension.
from ._native import *  # noqa: F403
from ._aio import synthesize_midi_async
from ._transcribe import Transcription as Transcription, transcribe as transcribe
