"""Type-checked with `mypy --strict` in `make test`: the stubs describe the API as users call it."""

import numpy as np
import numpy.typing as npt

import rust_audio_engine as rae


def use_api() -> float:
    sf: rae.SoundFont = rae.SoundFont("builtin")
    audio: npt.NDArray[np.float32] = rae.render_midi(rae.demo_midi(), sf, sample_rate=48000)
    res: rae.RenderResult = rae.render_midi_detailed(b"", None, normalize=-14.0,
                                                     interpolation="sinc")
    report: rae.RenderReport = res.report
    d: float = rae.synthesize_midi("a.mid", "b.wav", soundfont_path=None, use_gpu=True, reverb=True)
    return d + report.duration_s + float(audio.shape[1])


def use_midi_warnings_and_info() -> int:
    report = rae.render_midi_detailed("a.mid", "builtin", strict=False).report
    offsets = [w["offset"] for w in report.warnings]
    info: dict[str, object] = rae.midi_info(b"MThd", strict=True)
    return len(offsets) + len(info)


def use_onsets_dynamics_tempo(x: npt.NDArray[np.float32]) -> float:
    on: rae.Onsets = rae.detect_onsets(x, 44100, method="energy", backtrack=True)
    times: npt.NDArray[np.float64] = on.times_s
    dyn: rae.Dynamics = rae.analyze_dynamics("a.wav")
    tempo: rae.Tempo = rae.estimate_tempo(x, 44100, start_bpm=100.0)
    return float(times.sum()) + dyn.integrated_lufs + tempo.bpm + len(on)


def use_pitch_notes_streaming(x: npt.NDArray[np.float32]) -> float:
    track: rae.PitchTrack = rae.analyze_pitch(x, 44100, method="yin", hop_length=441)
    f0: npt.NDArray[np.float32] = track.f0_hz
    voiced: npt.NDArray[np.bool_] = track.voiced
    notes: list[rae.Note] = rae.detect_notes("a.wav", min_note_s=0.08)
    result: rae.Analysis = rae.analyze(x, 44100, tempo=False)
    onsets = result.onsets
    n_onsets = len(onsets) if onsets is not None else 0
    live = rae.StreamingAnalyzer(44100, lag_frames=3)
    events: list[dict[str, object]] = live.process(x) + live.flush()
    return float(f0.sum()) + float(voiced.sum()) + len(notes) + n_onsets + len(events) + live.latency_s

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


def use_pitch_contour(x: npt.NDArray[np.float32]) -> int:
    track: rae.PitchTrack = rae.analyze_pitch(x, 44100)
    png: bytes = rae.render_waveform_png(x, 44100, pitch=track, pitch_color="ff0000")
    return len(png)


def use_batch() -> int:
    records: list[dict[str, object]] = rae.run_batch(
        "jobs.jsonl", shard=(0, 4), resume=True, results="r.jsonl", threads=2, ids=["a"]
    )
    jobs = rae.read_manifest("jobs.jsonl")
    try:
        rae.run_batch("jobs.jsonl")
    except rae.ManifestError:
        pass
    return len(records) + len(jobs)


def use_chain_toml_and_fx_file() -> int:
    chain: rae.Effect = rae.chain_from_toml('[[effect]]\ntype = "gain"\ngain_db = -3.0\n',
                                            ir_files=False)
    report: dict[str, object] = rae.fx_file("a.wav", "b.flac", chain, format="flac16",
                                            max_seconds=60.0)
    return len(report)


def use_transcribe(x: npt.NDArray[np.float32]) -> float:
    notes: rae.Transcription = rae.transcribe("take.wav", mode="reference")
    from_array: list[rae.TranscribedNote] = rae.transcribe(x, sample_rate=44100, threads=2)
    notes.to_midi("take.mid")
    first: rae.TranscribedNote = notes[0]
    onsets, frames, contour, times = rae.transcription_activations(x, 44100)
    mine = rae.TranscribedNote(0.5, 1.0, 60, velocity=90)
    rae.notes_to_midi([mine, first], "mine.mid")
    return first.start + first.end + first.pitch + first.velocity + len(from_array) + float(times[0]) \
        + float(onsets.sum() + frames.sum() + contour.sum()) + len(notes.info)


def use_assess(x: npt.NDArray[np.float32]) -> float:
    a: rae.Assessment = rae.assess("take.mid", b"MThd", level="beginner", tempo=90.0)
    b = rae.assess(x, "lesson.mid", sample_rate=44100, polyphonic=True)
    notes: list[dict[str, object]] = a.notes
    return a.scores["notes"] + b.tempo_ratio + len(notes) + len(a.summary())
