"""The GPU backend from Python: Convolution(use_gpu=True), a Chain holding it,
render_midi_detailed(use_gpu=True, reverb=True) and render_spectrogram_png(use_gpu=True)
agree with the CPU within 1e-4 relative, and report what ran. `make test` runs these with
RAE_GPU=force WGPU_BACKEND=vulkan (lavapipe in CI); where no adapter exists they check the
stated CPU fallback instead, except under CI, where a missing adapter fails."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

import rust_audio_engine as rae


def gpu_expected() -> bool:
    """Whether a `use_gpu` request should run on the GPU here."""
    conv = rae.Convolution("room", use_gpu=True)
    assert conv.backend.startswith("cpu: ")  # nothing has run yet
    conv(np.zeros((1, 100), dtype=np.float32), 44100)
    backend = conv.backend
    if os.environ.get("RAE_GPU", "auto") == "force" and os.environ.get("CI"):
        assert backend.startswith("gpu: "), f"CI is set and no GPU adapter was found: {backend}"
    return backend.startswith("gpu: ")


def rel_err(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.max(np.abs(got - want)) / max(float(np.max(np.abs(want))), 1e-30))


def noise(channels: int, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (channels, n)).astype(np.float32)


def test_convolution_and_chain_on_the_gpu() -> None:
    on_gpu = gpu_expected()
    x = noise(2, 30_000, 1)
    cpu = rae.Convolution("hall", mix=0.5)
    gpu = rae.Convolution("hall", mix=0.5, use_gpu=True)
    assert cpu.backend == "cpu"
    assert gpu.use_gpu
    want, got = cpu(x, 44100), gpu(x, 44100)
    assert got.shape == want.shape
    assert rel_err(got, want) < 1e-4
    assert gpu.backend.startswith("gpu: " if on_gpu else "cpu: ")
    chain = rae.Chain([rae.HighpassFilter(80.0), gpu])
    assert rel_err(chain(x, 44100), rae.Chain([rae.HighpassFilter(80.0), cpu])(x, 44100)) < 1e-4
    assert chain.backend == gpu.backend


def test_eight_threads_share_the_gpu() -> None:
    gpu_expected()
    conv = rae.Convolution("church", use_gpu=True)
    cpu = rae.Convolution("church")
    inputs = [noise(2, 8_000 + 100 * i, 10 + i) for i in range(8)]
    errors: list[float] = [0.0] * 8

    def work(i: int) -> None:
        errors[i] = rel_err(conv(inputs[i], 22050), cpu(inputs[i], 22050))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(errors) < 1e-4


def test_render_with_reverb_reports_the_backend() -> None:
    on_gpu = gpu_expected()
    midi = rae.demo_midi()
    cpu = rae.render_midi_detailed(midi, use_gpu=False, reverb=True)
    gpu = rae.render_midi_detailed(midi, use_gpu=True, reverb=True)
    assert cpu.report.backend == "cpu"
    assert gpu.report.backend.startswith("gpu: " if on_gpu else "cpu: ")
    assert gpu.audio.shape == cpu.audio.shape
    assert rel_err(gpu.audio, cpu.audio) < 1e-4


def test_spectrogram_png_on_the_gpu() -> None:
    gpu_expected()
    x = noise(1, 40_000, 3)
    a = rae.render_spectrogram_png(x, 16000, width=120, height=80, fft_size=1024)
    b = rae.render_spectrogram_png(x, 16000, width=120, height=80, fft_size=1024, use_gpu=True)
    assert a[:8] == b[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("value", ["off", "bogus"])
def test_rae_gpu_off_falls_back_cleanly(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAE_GPU", value)
    conv = rae.Convolution("room", use_gpu=True)
    x = noise(1, 5_000, 4)
    assert rel_err(conv(x, 44100), rae.Convolution("room")(x, 44100)) < 1e-6
    assert conv.backend.startswith("cpu: RAE_GPU=")
