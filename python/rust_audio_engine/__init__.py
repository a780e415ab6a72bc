"""rust-audio-engine: MIDI to audio through SoundFonts (SF2 and SF3), and audio effects
(convolution and algorithmic reverb, EQ, dynamics, loudness, chains), from Rust.

Every call releases the GIL while it loads or renders, so threads and asyncio servers stay
responsive. Errors about bad content subclass :class:`AudioEngineError` (itself a
``ValueError``); a missing input raises ``FileNotFoundError``.
"""

from __future__ import annotations

import asyncio
import functools
import os
from typing import Optional, Sequence, Union

from ._native import (
    Analysis,
    Effect,
    Convolution,
    Reverb,
    PeakFilter,
    LowShelfFilter,
    HighShelfFilter,
    LowpassFilter,
    HighpassFilter,
    BandpassFilter,
    NotchFilter,
    Compressor,
    Limiter,
    Gain,
    LoudnessNormalize,
    Chain,
    integrated_loudness,
    AudioEngineError,
    AudioFormatError,
    LimitError,
    MidiError,
    Dynamics,
    Onsets,
    Note,
    Peaks,
    PitchTrack,
    StreamingAnalyzer,
    Tempo,
    RenderReport,
    RenderResult,
    SoundFont,
    SoundFontError,
    __version__,
    analyze,
    analyze_dynamics,
    analyze_pitch,
    default_soundfont,
    demo_midi,
    detect_notes,
    detect_onsets,
    estimate_tempo,
    load_audio,
    midi_info,
    render_midi,
    render_midi_detailed,
    render_spectrogram_png,
    render_waveform_png,
    soundfont_cache_info,
    synthesize_midi,
    synthesize_midi_detailed,
    waveform_peaks,
)

__all__ = [
    "Analysis",
    "Effect",
    "Convolution",
    "Reverb",
    "PeakFilter",
    "LowShelfFilter",
    "HighShelfFilter",
    "LowpassFilter",
    "HighpassFilter",
    "BandpassFilter",
    "NotchFilter",
    "Compressor",
    "Limiter",
    "Gain",
    "LoudnessNormalize",
    "Chain",
    "integrated_loudness",
    "AudioEngineError",
    "AudioFormatError",
    "LimitError",
    "MidiError",
    "Dynamics",
    "Onsets",
    "Note",
    "Peaks",
    "PitchTrack",
    "StreamingAnalyzer",
    "Tempo",
    "RenderReport",
    "RenderResult",
    "SoundFont",
    "SoundFontError",
    "__version__",
    "analyze",
    "analyze_dynamics",
    "analyze_pitch",
    "default_soundfont",
    "demo_midi",
    "detect_notes",
    "detect_onsets",
    "estimate_tempo",
    "load_audio",
    "midi_info",
    "render_midi",
    "render_midi_detailed",
    "render_spectrogram_png",
    "render_waveform_png",
    "soundfont_cache_info",
    "synthesize_midi",
    "synthesize_midi_async",
    "synthesize_midi_detailed",
    "waveform_peaks",
]

_PathLike = Union[str, "os.PathLike[str]"]


async def synthesize_midi_async(
    midi_path: _PathLike,
    output_path: _PathLike,
    soundfont_path: Union[None, _PathLike, SoundFont] = None,
    use_gpu: bool = False,
    reverb: Union[None, bool, _PathLike] = False,
    *,
    sample_rate: int = 44100,
    format: Optional[str] = None,
    normalize: Union[None, str, float] = "limit",
    max_tail_s: float = 10.0,
    threads: Optional[int] = None,
    polyphony: int = 256,
    effects: Union[None, Effect, Sequence[Effect]] = None,
) -> float:
    """Awaitable :func:`synthesize_midi`: runs in the loop's default executor with the GIL
    released, so the event loop keeps serving other requests while it renders."""
    loop = asyncio.get_running_loop()
    call = functools.partial(
        synthesize_midi,
        midi_path,
        output_path,
        soundfont_path,
        use_gpu,
        reverb,
        sample_rate=sample_rate,
        format=format,
        normalize=normalize,
        max_tail_s=max_tail_s,
        threads=threads,
        polyphony=polyphony,
        effects=effects,
    )
    return await loop.run_in_executor(None, call)
