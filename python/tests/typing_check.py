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


def use_effects() -> float:
    audio: npt.NDArray[np.float32] = np.zeros((2, 4410), dtype=np.float32)
    chain = rae.Chain([
        rae.HighpassFilter(cutoff_frequency_hz=80.0),
        rae.PeakFilter(cutoff_frequency_hz=1000.0, gain_db=3.0, q=0.7),
        rae.Compressor(threshold_db=-18.0, ratio=4.0, attack_ms=10.0, release_ms=100.0),
        rae.Convolution("hall", mix=0.3),
        rae.Reverb(room_size=0.3),
        rae.Limiter(ceiling_db=-1.0),
    ])
    out: npt.NDArray[np.float32] = chain(audio, 44100)
    chunk: npt.NDArray[np.float32] = chain(audio[:, :512], 44100, reset=False)
    effects: list[rae.Effect] = chain.effects
    lufs: float = rae.integrated_loudness(out, 44100)
    r: rae.RenderResult = rae.render_midi_detailed(b"", reverb="church", effects=[rae.Gain(-3.0)])
    return lufs + float(chunk.shape[1] + len(effects) + chain.latency_frames(44100)) + r.report.duration_s
