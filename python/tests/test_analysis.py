"""Pitch, notes, analyze() and the streaming analyser from Python, including the mir_eval accuracy
check on the test melody."""

import json
import math
import struct
import wave
from pathlib import Path

import numpy as np
import pytest

import rust_audio_engine as rae
from conftest import audio_file


def tone(f0: float, sr: int, seconds: float, amps=(1.0,), weak_fund: bool = False) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    x = np.zeros_like(t)
    for k, a in enumerate(amps, start=1):
        if k * f0 < 0.45 * sr:
            x += a * np.sin(2 * np.pi * k * f0 * t + 0.3 * k)
    return (0.5 * x / np.max(np.abs(x))).astype(np.float32)


def cents(f: float, ref: float) -> float:
    return 1200.0 * math.log2(f / ref)


def inner_median(track: rae.PitchTrack) -> tuple[float, float]:
    n = len(track)
    sl = slice(n // 8, n - n // 8)
    f0 = track.f0_hz[sl]
    v = track.voiced[sl]
    assert np.array_equal(v, np.isfinite(f0)), "f0 is NaN exactly when unvoiced"
    return float(np.median(f0[v])) if v.any() else float("nan"), float(v.mean())


@pytest.mark.parametrize("sr", [22050, 44100, 48000])
@pytest.mark.parametrize("method", ["pyin", "yin"])
def test_pitch_of_tones_within_5_cents(sr: int, method: str) -> None:
    for f0 in (82.41, 220.0, 440.0, 1046.5):
        for amps in ((1.0,), (1.0, 0.5, 0.3, 0.2)):
            track = rae.analyze_pitch(tone(f0, sr, 1.0, amps), sr, method=method)
            est, voiced = inner_median(track)
            assert abs(cents(est, f0)) < 5.0, (f0, sr, method, est)
            assert voiced > 0.95
            assert track.method == method and track.sample_rate == sr


def test_weak_fundamental_is_not_an_octave_error() -> None:
    sr = 44100
    x = tone(196.0, sr, 1.0, amps=(0.1, 1.0, 0.5, 0.3))
    est, _ = inner_median(rae.analyze_pitch(x, sr))
    assert abs(cents(est, 196.0)) < 5.0, est


def test_vibrato_mean_and_tracking() -> None:
    sr = 44100
    t = np.arange(2 * sr) / sr
    inst = 330.0 * 2 ** (50 / 1200 * np.sin(2 * np.pi * 5.5 * t))
    phase = 2 * np.pi * np.cumsum(inst) / sr
    x = (0.5 * np.sin(phase) + 0.2 * np.sin(2 * phase)).astype(np.float32)
    track = rae.analyze_pitch(x, sr, hop_length=441)
    sl = slice(10, len(track) - 10)
    f0 = track.f0_hz[sl].astype(np.float64)
    assert track.voiced[sl].all()
    assert abs(np.mean(1200 * np.log2(f0 / 330.0))) < 5.0
    idx = (track.times_s[sl] * sr).astype(int)
    err = np.abs(1200 * np.log2(f0 / inst[idx]))
    assert np.percentile(err, 90) < 15.0


def test_silence_noise_dc_are_unvoiced_and_nan_is_an_error() -> None:
    sr = 22050
    rng = np.random.default_rng(0)
    for x in (
        np.zeros(sr, np.float32),
        np.full(sr, 0.3, np.float32),
        (0.3 * rng.standard_normal(sr)).astype(np.float32),
    ):
        track = rae.analyze_pitch(x, sr)
        assert track.voiced.mean() <= 0.05
        assert rae.detect_notes(x, sr) == []
    short = rae.analyze_pitch(np.zeros(10, np.float32), sr)
    assert len(short) == 1 and not short.voiced[0]
    bad = tone(440, sr, 0.2)
    bad[5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        rae.analyze_pitch(bad, sr)
    with pytest.raises(ValueError, match="method"):
        rae.analyze_pitch(tone(440, sr, 0.2), sr, method="crepe")
    with pytest.raises(ValueError, match="fmin_hz"):
        rae.analyze_pitch(tone(440, sr, 0.2), sr, fmin_hz=1.0)
    with pytest.raises(ValueError, match="sample_rate"):
        rae.analyze_pitch(tone(440, sr, 0.2))


def test_to_dict_is_json_ready_and_paths_and_channels_work(tmp_path: Path) -> None:
    sr = 22050
    x = tone(261.63, sr, 0.6, (1.0, 0.4))
    x[: sr // 10] = 0.0
    d = rae.analyze_pitch(x, sr).to_dict()
    assert {"times_s", "f0_hz", "voiced", "voiced_prob"} <= set(d)
    json.dumps(d, allow_nan=False)
    assert d["f0_hz"][0] is None
    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(sr)
        pcm = (np.repeat(x[:, None], 2, axis=1) * 32767).astype("<i2")
        w.writeframes(pcm.tobytes())
    from_path = rae.analyze_pitch(str(path))
    from_bytes = rae.analyze_pitch(path.read_bytes())
    stereo = rae.analyze_pitch(np.stack([x, x]), sr)
    assert np.array_equal(from_path.voiced, from_bytes.voiced)
    assert np.array_equal(stereo.f0_hz, rae.analyze_pitch(x, sr).f0_hz, equal_nan=True)
    est, _ = inner_median(from_path)
    assert abs(cents(est, 261.63)) < 5.0
    with pytest.raises(FileNotFoundError):
        rae.analyze_pitch(str(tmp_path / "missing.wav"))


def melody(sr: int) -> tuple[np.ndarray, list[tuple[int, float, float]]]:
    plan = [(60, 0.1, 0.4), (64, 0.6, 0.3), (67, 0.9, 0.3), (45, 1.3, 0.4), (76, 1.8, 0.3)]
    x = np.zeros(int(2.3 * sr))
    for midi, start, dur in plan:
        f0 = 440.0 * 2 ** ((midi - 69) / 12)
        t = np.arange(int(dur * sr)) / sr
        env = np.minimum(1, t / 0.005) * np.minimum(1, (dur - t) / 0.01)
        s0 = int(start * sr)
        x[s0 : s0 + len(t)] += 0.4 * env * (np.sin(2 * np.pi * f0 * t) + 0.4 * np.sin(4 * np.pi * f0 * t))
    return x.astype(np.float32), plan


def test_detect_notes_and_analyze() -> None:
    sr = 44100
    x, plan = melody(sr)
    notes = rae.detect_notes(x, sr, hop_length=441)
    assert [n.midi for n in notes] == [p[0] for p in plan]
    for n, (_, start, dur) in zip(notes, plan):
        assert abs(n.start_s - start) < 0.03 and abs(n.end_s - start - dur) < 0.03
        assert abs(n.cents) < 5 and -20 < n.level_db < 0
        assert n.name == rae.detect_notes(x, sr)[notes.index(n)].name
    assert notes[0].name == "C4"
    result = rae.analyze(x, sr, hop_length=441)
    assert [n.midi for n in result.notes] == [p[0] for p in plan]
    assert result.onsets is not None and result.dynamics is not None and result.tempo is not None
    assert len(result.onsets) >= len(plan)
    d = result.to_dict()
    assert set(d) >= {"pitch", "notes", "onsets", "dynamics", "tempo"}
    json.dumps(d["pitch"], allow_nan=False)
    json.dumps(d["notes"], allow_nan=False)
    only_pitch = rae.analyze(x, sr, onsets=False, dynamics=False, tempo=False)
    assert only_pitch.onsets is None and only_pitch.to_dict()["tempo"] is None


def stream(x: np.ndarray, sr: int, sizes) -> list:
    a = rae.StreamingAnalyzer(sr)
    events = []
    pos = 0
    for n in sizes:
        if pos >= len(x):
            break
        events += a.process(x[pos : pos + n])
        pos += n
    events += a.process(x[pos:]) if pos < len(x) else []
    events += a.flush()
    return events


def test_streaming_is_chunk_invariant_and_prompt() -> None:
    sr = 44100
    x, plan = melody(sr)
    whole = stream(x, sr, [len(x)])
    rng = np.random.default_rng(3)
    for sizes in (rng.integers(1, 2000, 10_000), [1] * 5000 + [65536] * 10, [4096] * 100):
        assert stream(x, sr, sizes) == whole
    a = rae.StreamingAnalyzer(sr)
    assert a.latency_s <= 0.05 and a.pitch_latency_s <= 0.05
    kinds = {e["type"] for e in whole}
    assert kinds == {"pitch", "note_start", "note_end", "onset"}
    ends = [e for e in whole if e["type"] == "note_end"]
    assert [e["midi"] for e in ends] == [p[0] for p in plan]
    json.dumps(whole, allow_nan=False)
    # (channels, samples) chunks are mixed to mono.
    b = rae.StreamingAnalyzer(sr)
    stereo = b.process(np.stack([x, x])) + b.flush()
    assert stereo == whole
    with pytest.raises(ValueError, match="NaN"):
        b.process(np.array([0.0, np.nan], np.float32))


def write_midi(notes: list[tuple[int, float, float]]) -> bytes:
    """A one-track SMF at 480 ticks per beat, 120 BPM: (midi, start s, duration s)."""
    events = []
    for midi, start, dur in notes:
        events.append((int(start * 960), bytes([0x90, midi, 90])))
        events.append((int((start + dur) * 960), bytes([0x80, midi, 0])))
    events.sort(key=lambda e: e[0])
    track = b""
    now = 0
    for tick, msg in events:
        delta = tick - now
        now = tick
        var = [delta & 0x7F]
        delta >>= 7
        while delta:
            var.insert(0, (delta & 0x7F) | 0x80)
            delta >>= 7
        track += bytes(var) + msg
    track += b"\x00\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(track)) + track


def test_rendered_piano_melody_gives_its_notes() -> None:
    """A MIDI melody rendered by the engine (system GM piano if installed, and the built-in
    font): real piano samples, inharmonic and decaying, give back the MIDI notes."""
    plan = [(60, 0.2, 0.45), (62, 0.7, 0.45), (64, 1.2, 0.45), (67, 1.7, 0.45), (72, 2.2, 0.6), (48, 3.0, 0.6)]
    sr = 44100
    for font in (None, "builtin"):
        audio = rae.render_midi(write_midi(plan), font, sample_rate=sr)
        notes = rae.detect_notes(audio, sr, hop_length=441)
        assert [n.midi for n in notes] == [p[0] for p in plan], (font, notes)
        for n, (_, start, _) in zip(notes, plan):
            assert abs(n.start_s - start) < 0.03, (font, n)
            # Piano samples are often stretch-tuned a little sharp.
            assert abs(n.cents) < 35, (font, n)



def mir_scores(times: np.ndarray, f0: np.ndarray, voiced: np.ndarray) -> dict:
    import mir_eval
    ref = np.loadtxt(audio_file("melody_f0_10ms.csv"), delimiter=",", skiprows=1)
    est = np.where(voiced, np.nan_to_num(f0), 0.0)
    return mir_eval.melody.evaluate(ref[:, 0], ref[:, 1], times, est)


def test_pyin_accuracy_on_the_test_melody() -> None:
    """Targets of issue 4: raw pitch accuracy >= 0.985, voicing recall >= 0.97, voicing false
    alarm <= 0.10 (librosa.pyin: 0.982 / 0.98 / 0.29). Hop 10 ms, the truth's grid."""
    path = audio_file("melody_mono_30s.wav")
    track = rae.analyze_pitch(str(path), hop_length=441)
    s = mir_scores(track.times_s, track.f0_hz, track.voiced)
    assert s["Raw Pitch Accuracy"] >= 0.985, s
    assert s["Voicing Recall"] >= 0.97, s
    assert s["Voicing False Alarm"] <= 0.10, s
    yin = rae.analyze_pitch(str(path), method="yin", hop_length=441)
    s = mir_scores(yin.times_s, yin.f0_hz, yin.voiced)
    assert s["Raw Pitch Accuracy"] >= 0.97 and s["Voicing False Alarm"] <= 0.10, s


def test_calls_from_many_threads_agree() -> None:
    from concurrent.futures import ThreadPoolExecutor

    sr = 22050
    x, _ = melody(sr)
    expected = rae.analyze_pitch(x, sr)
    with ThreadPoolExecutor(8) as pool:
        tracks = list(pool.map(lambda _: rae.analyze_pitch(x, sr), range(16)))
    for t in tracks:
        assert np.array_equal(t.f0_hz, expected.f0_hz, equal_nan=True)


def test_streaming_accuracy_on_the_test_melody() -> None:
    path = audio_file("melody_mono_30s.wav")
    x, sr = rae.load_audio(str(path))
    a = rae.StreamingAnalyzer(sr, onsets=False)
    events = []
    for i in range(0, x.shape[1], 1024):
        events += a.process(x[:, i : i + 1024])
    events += a.flush()
    pitch = [e for e in events if e["type"] == "pitch"]
    t = np.array([e["time_s"] for e in pitch])
    f0 = np.array([e["f0_hz"] or 0.0 for e in pitch])
    v = np.array([e["voiced"] for e in pitch])
    s = mir_scores(t, f0, v)
    # Fixed-lag decoding with a 46 ms frame: close to the offline figures.
    assert s["Raw Pitch Accuracy"] >= 0.97, s
    assert s["Voicing False Alarm"] <= 0.10, s


def test_notes_on_the_test_melody() -> None:
    path = audio_file("melody_mono_30s.wav")
    truth = json.loads(audio_file("melody_notes.json").read_text())["notes"]
    notes = rae.detect_notes(str(path), hop_length=441)
    hits = sum(
        any(n.midi == t["midi"] and abs(n.start_s - t["start"]) < 0.05 for n in notes) for t in truth
    )
    assert hits >= 0.9 * len(truth), (hits, len(truth), len(notes))
    assert len(notes) <= 1.1 * len(truth)


def test_notes_from_pitch_segments_any_track() -> None:
    # Our own track, rebuilt from its arrays, segments exactly like detect_notes.
    sr = 22050
    x = np.concatenate([tone(f, sr, 0.4) for f in (261.63, 329.63, 392.0)])
    track = rae.analyze_pitch(x, sr)
    rebuilt = rae.PitchTrack(track.times_s, track.f0_hz, track.voiced, track.voiced_prob,
                             sample_rate=sr, hop_length=track.hop_length, frame_length=track.frame_length)
    assert rebuilt.method == "external" and len(rebuilt) == len(track)
    want = [n.to_dict() for n in rae.detect_notes(x, sr)]
    assert [n.to_dict() for n in rae.notes_from_pitch(rebuilt, x, sr)] == want
    assert [n.midi for n in rae.notes_from_pitch(rebuilt)] == [60, 64, 67]
    # Another tracker's output: f0 with zeros for unvoiced frames, on a 10 ms grid.
    times = np.arange(100) * 0.01
    f0 = np.where((times > 0.2) & (times < 0.7), 440.0, 0.0)
    other = rae.PitchTrack(times, f0, sample_rate=sr, hop_length=220)
    notes = rae.notes_from_pitch(other)
    assert [n.midi for n in notes] == [69] and abs(notes[0].start_s - 0.2) < 0.02
    with pytest.raises(ValueError, match="increasing"):
        rae.PitchTrack([0.0, 0.0], [1.0, 2.0], sample_rate=sr, hop_length=1)
