"""The Python face of MIDI rendering: the promised call, arrays, errors, threads, asyncio."""

import asyncio
import os
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest

import rust_audio_engine as rae
from rust_audio_engine import (
    AudioEngineError,
    MidiError,
    SoundFont,
    SoundFontError,
    render_midi,
    synthesize_midi,
)


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def test_synthesize_midi_verbatim_call(tmp_path, lesson, fluid, monkeypatch):
    # Exactly the call the product design promised, from a working directory holding the files.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "song.mid").write_bytes(lesson.read_bytes())
    (tmp_path / "piano.sf2").symlink_to(fluid)
    duration = synthesize_midi(midi_path="song.mid", output_path="output.wav",
                               soundfont_path="piano.sf2", use_gpu=True, reverb=True)
    assert isinstance(duration, float)
    assert duration == pytest.approx(wav_seconds(tmp_path / "output.wav"), abs=1e-9)
    assert duration > 30.0


def test_detailed_report(tmp_path, lesson, fluid):
    rep = rae.synthesize_midi_detailed(lesson,
                                       tmp_path / "o.flac", fluid, use_gpu=True)
    # What ran: the GPU, or the CPU with its reason (test_gpu.py checks which, per RAE_GPU).
    assert rep.backend.startswith(("gpu: ", "cpu: ")) and rep.gpu_requested
    assert rep.soundfont == os.path.realpath(fluid)
    assert rep.peak_dbfs <= -1.0
    assert rep.frames == round(rep.duration_s * rep.sample_rate)
    d = rep.to_dict()
    assert d["sample_rate"] == 44100 and d["channels"] == 2
    assert (tmp_path / "o.flac").read_bytes()[:4] == b"fLaC"


def test_render_midi_array_from_bytes_and_path(lesson):
    path = lesson
    a = render_midi(path, "builtin", sample_rate=48000)
    b = render_midi(path.read_bytes(), soundfont=SoundFont("builtin"), sample_rate=48000)
    assert a.dtype == np.float32 and a.ndim == 2 and a.shape[0] == 2
    assert np.array_equal(a, b)
    assert np.abs(a).max() <= 10 ** (-1 / 20) + 1e-7
    assert a.shape[1] >= round(rae.midi_info(path)["duration_s"] * 48000)


def test_render_midi_detailed_has_audio_and_report():
    res = rae.render_midi_detailed(rae.demo_midi(), "builtin")
    assert res.audio.shape == (2, res.report.frames)
    assert res.report.soundfont == "builtin"


def test_interpolation(lesson, fluid):
    sf = SoundFont(fluid)
    res = {name: rae.render_midi_detailed(lesson, sf, interpolation=name, normalize=None)
           for name in ("linear", "cubic", "sinc")}
    assert rae.render_midi_detailed(lesson, sf, normalize=None).report.interpolation == "cubic"
    for name, r in res.items():
        assert r.report.interpolation == name and r.report.to_dict()["interpolation"] == name
    # The kernels differ a little (they read between the same points), never wildly.
    lin, cub = res["linear"].audio, res["cubic"].audio
    n = min(lin.shape[1], cub.shape[1])
    diff = np.sqrt(np.mean((lin[:, :n] - cub[:, :n]) ** 2)) / np.sqrt(np.mean(cub[:, :n] ** 2))
    assert 1e-4 < diff < 0.1
    with pytest.raises(ValueError, match="linear, cubic, sinc"):
        render_midi(lesson, sf, interpolation="sinc7")


def test_normalize_options():
    demo = rae.demo_midi()
    peak = render_midi(demo, "builtin", normalize="peak")
    assert 20 * np.log10(np.abs(peak).max()) == pytest.approx(-1.0, abs=0.01)
    off = render_midi(demo, "builtin", normalize=None)
    limited = render_midi(demo, "builtin")
    if np.abs(off).max() <= 10 ** (-1 / 20):
        assert np.array_equal(off, limited)  # the limiter is transparent below its ceiling
    with pytest.raises(ValueError):
        render_midi(demo, "builtin", normalize="loudest")


def test_soundfont_object(sf3):
    sf = SoundFont(sf3)
    assert sf.kind == "sf3"
    assert len(sf.presets) > 100
    a = render_midi(rae.demo_midi(), sf)
    assert np.abs(a).max() > 0.01
    # The samples the render needed stay decoded, shared with every handle on the font.
    assert 0 < sf.samples_decoded < sf.sample_count
    assert sf.memory_bytes > 0
    again = SoundFont(str(sf3))
    assert again.memory_bytes == sf.memory_bytes


def test_sf3_preload_renders_the_same(sf3):
    on_demand = render_midi(rae.demo_midi(), SoundFont(sf3))
    sf = SoundFont(sf3, preload=True)
    assert sf.samples_decoded > sf.sample_count / 2
    assert np.array_equal(render_midi(rae.demo_midi(), sf), on_demand)


def test_errors(tmp_path):
    out = tmp_path / "out.wav"
    out.write_bytes(b"keep")
    with pytest.raises(FileNotFoundError) as e:
        synthesize_midi(tmp_path / "missing.mid", out)
    assert "missing.mid" in str(e.value)
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06\x00\x02\x00\x01\x01\xe0")
    with pytest.raises(MidiError) as e:
        synthesize_midi(bad, out, "builtin", strict=True)
    assert "bad.mid" in str(e.value) and "format 2" in str(e.value)
    with pytest.raises(MidiError) as e:  # format 2 plays by default; no track does not
        synthesize_midi(bad, out, "builtin")
    assert "bad.mid: invalid MIDI at byte 14: no MTrk" in str(e.value)
    assert isinstance(e.value, AudioEngineError) and isinstance(e.value, ValueError)
    good = tmp_path / "good.mid"
    good.write_bytes(rae.demo_midi())
    badsf = tmp_path / "bad.sf2"
    badsf.write_bytes(b"RIFF\x04\x00\x00\x00sfbk")
    with pytest.raises(SoundFontError) as e:
        synthesize_midi(good, out, badsf)
    assert "bad.sf2" in str(e.value)
    with pytest.raises(FileNotFoundError):
        SoundFont(tmp_path / "nope.sf2")
    with pytest.raises(ValueError):
        synthesize_midi(good, good, "builtin")
    with pytest.raises(ValueError):
        synthesize_midi(good, out, "builtin", sample_rate=1000)
    with pytest.raises(TypeError):
        render_midi(12345)
    assert out.read_bytes() == b"keep"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_gil_released_during_render(midi_dir, fluid):
    sf = SoundFont(fluid)
    ticks = 0
    stop = threading.Event()

    def count():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    start = time.perf_counter()
    render_midi(midi_dir / "gm_meltysynth_demo.mid", sf, threads=1)
    elapsed = time.perf_counter() - start
    stop.set()
    t.join()
    # With the GIL held the counter could not run at all during the render.
    assert elapsed > 0.2
    assert ticks > 0.2 * elapsed * 1000


def test_fifty_concurrent_renders_share_one_font(tmp_path, fluid):
    from concurrent.futures import ThreadPoolExecutor

    midi = tmp_path / "demo.mid"
    midi.write_bytes(rae.demo_midi())
    before = rae.soundfont_cache_info()

    def job(i):
        out = tmp_path / f"o{i}.wav"
        return synthesize_midi(midi, out, fluid, max_tail_s=0.5, threads=1), out.read_bytes()

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(job, range(50)))
    durations = {d for d, _ in results}
    blobs = {b for _, b in results}
    assert len(durations) == 1 and len(blobs) == 1
    fonts, held, _budget = rae.soundfont_cache_info()
    # One copy of FluidR3 (~141 MB of samples) however many renders ran at once.
    assert fonts <= before[0] + 1
    assert held <= before[1] + SoundFont(fluid).memory_bytes


def test_async_keeps_loop_free(tmp_path, midi_dir, fluid):
    async def main():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        task = asyncio.create_task(ticker())
        d = await rae.synthesize_midi_async(midi_dir / "gm_meltysynth_demo.mid",
                                            tmp_path / "a.wav", fluid, reverb=True)
        task.cancel()
        return d, ticks

    d, ticks = asyncio.run(main())
    assert d == pytest.approx(wav_seconds(tmp_path / "a.wav"))
    assert ticks >= 10


def test_midi_info(midi_dir):
    info = rae.midi_info(midi_dir / "gm_meltysynth_demo.mid")
    assert info["format"] in (0, 1)
    assert 9 in info["channels"]  # drums on channel 10
    assert info["note_count"] > 100
    assert 70 < info["duration_s"] < 80
