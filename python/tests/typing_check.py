"""Type-checked with `mypy --strict` in `make test`: the stubs describe the API as users call it."""

import numpy as np
import numpy.typing as npt

import rust_audio_engine as rae


def use_api() -> float:
    sf: rae.SoundFont = rae.SoundFont("builtin")
    audio: npt.NDArray[np.float32] = rae.render_midi(rae.demo_midi(), sf, sample_rate=48000)
    res: rae.RenderResult = rae.render_midi_detailed(b"", None, normalize=-14.0)
    report: rae.RenderReport = res.report
    d: float = rae.synthesize_midi("a.mid", "b.wav", soundfont_path=None, use_gpu=True, reverb=True)
    return d + report.duration_s + float(audio.shape[1])
