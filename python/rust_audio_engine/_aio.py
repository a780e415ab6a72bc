"""Awaitable wrappers for asyncio servers."""

from __future__ import annotations

import asyncio
import functools
import os
from typing import Optional, Sequence, Union

from ._native import Effect, SoundFont, synthesize_midi

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
    strict: bool = False,
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
        strict=strict,
    )
    return await loop.run_in_executor(None, call)
