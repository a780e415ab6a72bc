//! The GPU backend against the CPU reference: every kernel (batched FFT magnitudes, partitioned
//! convolution), chunked inputs, eight threads at once, simulated faults, and the public
//! functions that reach it. Runs on whatever adapter `RAE_GPU=force` finds (lavapipe in CI,
//! where `WGPU_BACKEND=vulkan` is set); with no adapter they fail (`make test` installs lavapipe:
//! `mesa-vulkan-drivers libvulkan1`).
#![cfg(feature = "gpu")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: failures should panic loudly

mod common;

use std::sync::{Arc, Barrier, Once};

use common::Rng;
use rust_audio_engine::compute::gpu::{self, Fault, GpuBackend};
use rust_audio_engine::compute::{self, Backend, Cpu, GpuPolicy};

/// The GPU backend; a missing adapter fails the test.
fn gpu() -> GpuBackend {
    static ENV: Once = Once::new();
    ENV.call_once(|| {
        if std::env::var_os("RAE_GPU").is_none() {
            std::env::set_var("RAE_GPU", "force");
        }
    });
    gpu::backend(GpuPolicy::Force).unwrap_or_else(|why| {
        panic!(
            "no GPU adapter ({why}): install mesa-vulkan-drivers and libvulkan1 (make test does)"
        )
    })
}

fn noise(len: usize, seed: u64) -> Vec<f32> {
    let mut r = Rng::new(seed);
    (0..len).map(|_| r.signed()).collect()
}

/// Largest difference relative to the largest reference value.
fn rel_err(got: &[f32], want: &[f32]) -> f32 {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-30);
    got.iter()
        .zip(want)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()))
        / scale
}

fn magnitudes(b: &dyn Backend, frames: &[f32], n: usize) -> Vec<f32> {
    let mut out = vec![0.0; frames.len() / n * (n / 2 + 1)];
    b.spectrum_magnitudes(frames, n, &mut out).unwrap();
    out
}

#[test]
fn adapter_api_is_native() {
    let g = gpu();
    let api = &g.adapter().backend;
    assert!(["Vulkan", "Metal", "Dx12"].contains(&api.as_str()), "{api}");
    if std::env::var("WGPU_BACKEND").is_ok_and(|v| v.eq_ignore_ascii_case("vulkan")) {
        assert_eq!(api, "Vulkan", "a GL fallback would fail here");
    }
    assert!(
        g.name()
            .starts_with("cpu: no GPU work in this request (gpu: "),
        "{}",
        g.name()
    );
    magnitudes(&g, &noise(64, 1), 64);
    assert!(g.name().starts_with("gpu: "), "{}", g.name());
    let report = gpu::report();
    assert!(!report.adapters.is_empty());
}

#[test]
fn fft_magnitudes_match_cpu_at_every_size() {
    let g = gpu();
    let mut n = 4;
    while n <= 1 << 16 {
        // Odd batch counts; fewer frames for the large sizes (lavapipe is slow).
        let batch = if n >= 1 << 14 {
            1 + (n == 1 << 15) as usize * 2
        } else {
            7
        };
        let frames = noise(batch * n, n as u64);
        let want = magnitudes(&Cpu, &frames, n);
        let got = magnitudes(&g, &frames, n);
        let e = rel_err(&got, &want);
        assert!(e < 1e-4, "n {n}: relative error {e}");
        n *= 2;
    }
    assert!(g.name().starts_with("gpu: "), "{}", g.name());
}

#[test]
fn fft_of_a_cosine_and_an_impulse() {
    let g = gpu();
    let n = 1024;
    let mut frames: Vec<f32> = (0..n)
        .map(|i| (std::f64::consts::TAU * 5.0 * i as f64 / n as f64).cos() as f32)
        .collect();
    frames.extend((0..n).map(|i| if i == 3 { 1.0 } else { 0.0 }));
    let m = magnitudes(&g, &frames, n);
    let bins = n / 2 + 1;
    assert!((m[5] - n as f32 / 2.0).abs() < 1e-2, "{}", m[5]);
    assert!(m[..bins]
        .iter()
        .enumerate()
        .all(|(i, v)| i == 5 || *v < 1e-2));
    assert!(m[bins..].iter().all(|v| (v - 1.0).abs() < 1e-5));
}

#[test]
fn chunked_batches_with_a_partial_last_chunk() {
    let g = gpu();
    // 4 KiB bindings: 4 frames of 256 per chunk; 11 frames is 3 chunks, the last partial.
    let g = g.with_max_binding(4096);
    let n = 256;
    let frames = noise(11 * n, 7);
    let e = rel_err(&magnitudes(&g, &frames, n), &magnitudes(&Cpu, &frames, n));
    assert!(e < 1e-4, "{e}");
    assert!(g.name().starts_with("gpu: "), "{}", g.name());
}

/// Convolves on both backends and compares.
fn check_convolution(g: &GpuBackend, ir: &[Vec<f32>], signal: &[Vec<f32>], gain: f32) {
    let m = ir[0].len();
    let n = signal[0].len();
    let cpu = Cpu
        .filter_kernel(ir, gain, Cpu.offline_fft_size(n, m))
        .unwrap()
        .convolve(signal, 2)
        .unwrap();
    let k = g.filter_kernel(ir, gain, g.offline_fft_size(n, m)).unwrap();
    let got = k.convolve(signal, 2).unwrap();
    assert_eq!(got.len(), cpu.len());
    for (c, (a, b)) in got.iter().zip(&cpu).enumerate() {
        assert_eq!(a.len(), n + m - 1);
        let e = rel_err(a, b);
        assert!(e < 1e-4, "channel {c}, ir {m}, signal {n}: {e}");
    }
}

#[test]
fn convolution_matches_cpu() {
    let g = gpu();
    // A short IR (one partition), an IR of several partitions, stereo on mono and mono on stereo.
    check_convolution(&g, &[noise(100, 1)], &[noise(5000, 2)], 0.5);
    check_convolution(
        &g,
        &[noise(70_000, 3), noise(70_000, 4)],
        &[noise(40_000, 5), noise(40_000, 6)],
        1.0,
    );
    check_convolution(
        &g,
        &[noise(3000, 7), noise(3000, 8)],
        &[noise(9000, 9)],
        1.0,
    );
    check_convolution(
        &g,
        &[noise(3000, 10)],
        &[noise(7001, 11), noise(7001, 12)],
        1.0,
    );
    assert!(g.name().starts_with("gpu: "), "{}", g.name());
}

#[test]
fn convolution_in_chunks() {
    let g = gpu();
    // 64 KiB bindings: chunks of a few 256-frame blocks, the last partial.
    let g = g.with_max_binding(64 << 10);
    check_convolution(
        &g,
        &[noise(200, 13)],
        &[noise(20_011, 14), noise(20_011, 15)],
        1.0,
    );
    check_convolution(&g, &[noise(1500, 16)], &[noise(30_000, 17)], 1.0);
    assert!(g.name().starts_with("gpu: "), "{}", g.name());
}

#[test]
fn eight_threads_at_once() {
    let g = gpu();
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8u64)
        .map(|t| {
            let g = g.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let n = 512;
                let frames = noise((3 + t as usize) * n, 100 + t);
                let ir = vec![noise(300 + 50 * t as usize, 200 + t)];
                let signal = vec![noise(6000 + 100 * t as usize, 300 + t)];
                barrier.wait();
                for _ in 0..3 {
                    let e = rel_err(&magnitudes(&g, &frames, n), &magnitudes(&Cpu, &frames, n));
                    assert!(e < 1e-4, "thread {t}: {e}");
                    check_convolution(&g, &ir, &signal, 1.0);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert!(g.name().starts_with("gpu: "), "{}", g.name());
    let stats = gpu::batch_stats(GpuPolicy::Force).unwrap();
    assert!(stats.command_buffers >= stats.submissions);
    eprintln!("batcher: {stats:?}");
}

#[test]
fn simulated_faults_fall_back_with_the_reason() {
    let g = gpu();
    for (fault, why) in [
        (Fault::DeviceLost, "cpu: device lost (simulated)"),
        (Fault::OutOfMemory, "cpu: out of memory (simulated)"),
    ] {
        let b = g.clone().with_fault(fault);
        let frames = noise(3 * 256, 1);
        let e = rel_err(
            &magnitudes(&b, &frames, 256),
            &magnitudes(&Cpu, &frames, 256),
        );
        assert!(e < 1e-6, "{e}");
        assert!(b.name().starts_with(why), "{}", b.name());
        let b = g.clone().with_fault(fault);
        check_convolution(&b, &[noise(500, 2)], &[noise(3000, 3)], 1.0);
        assert!(b.name().starts_with(why), "{}", b.name());
    }
    // The shared device is untouched.
    magnitudes(&g, &noise(256, 1), 256);
    assert!(g.name().starts_with("gpu: "), "{}", g.name());
}

#[test]
fn sizes_without_a_kernel_run_on_the_cpu_and_say_so() {
    let g = gpu();
    let frames = noise(2 * 100, 1);
    let e = rel_err(
        &magnitudes(&g, &frames, 100),
        &magnitudes(&Cpu, &frames, 100),
    );
    assert!(e < 1e-6);
    assert!(
        g.name().starts_with("cpu: no GPU kernel for FFT size 100"),
        "{}",
        g.name()
    );
}

#[test]
fn select_reports_what_runs() {
    assert_eq!(compute::select(false).report(), "cpu");
    gpu();
    // RAE_GPU is force here (set by the Makefile, or by gpu() when unset).
    let s = compute::select(true);
    magnitudes(s.backend.as_ref(), &noise(64, 1), 64);
    let r = s.report();
    assert!(
        r.starts_with("gpu: ") || std::env::var("RAE_GPU").as_deref() != Ok("force"),
        "{r}"
    );
}

fn buffer_err(got: &rust_audio_engine::AudioBuffer, want: &rust_audio_engine::AudioBuffer) -> f32 {
    assert_eq!(got.channel_count(), want.channel_count());
    got.channels()
        .iter()
        .zip(want.channels())
        .map(|(a, b)| rel_err(a, b))
        .fold(0.0, f32::max)
}

#[test]
fn convolution_effect_and_chain_use_the_gpu() {
    use rust_audio_engine::effects::{ChainSpec, Convolution, ConvolutionParams, Effect};
    use rust_audio_engine::AudioBuffer;
    gpu();
    let audio = AudioBuffer::new(vec![noise(20_000, 1), noise(20_000, 2)], 22_050).unwrap();
    let params = ConvolutionParams {
        mix: 0.7,
        pre_delay_ms: 3.0,
        ..Default::default()
    };
    let mut cpu = Convolution::new("hall", params.clone()).unwrap();
    let mut on_gpu = Convolution::new("hall", params).unwrap().with_gpu(true);
    let want = cpu.process_buffer(&audio).unwrap();
    let got = on_gpu.process_buffer(&audio).unwrap();
    assert_eq!(got.frames(), want.frames());
    assert!(buffer_err(&got, &want) < 1e-4);
    assert_eq!(cpu.backend().as_deref(), Some("cpu"));
    assert!(on_gpu.backend().unwrap().starts_with("gpu: "));

    let text = "[[effect]]\ntype = \"high_pass\"\ncutoff_frequency_hz = 80\n\n\
                [[effect]]\ntype = \"convolution\"\nir = \"church\"\nmix = 0.3\n";
    let spec = ChainSpec::from_toml_str(text, None).unwrap();
    let (want, r_cpu) = rust_audio_engine::ops::process_on(&audio, &spec, false).unwrap();
    let (got, r_gpu) = rust_audio_engine::ops::process_on(&audio, &spec, true).unwrap();
    assert!(buffer_err(&got, &want) < 1e-4);
    assert_eq!(r_cpu.backend, "cpu");
    assert!(r_gpu.backend.starts_with("gpu: "), "{}", r_gpu.backend);
}

#[test]
fn render_with_reverb_uses_the_gpu() {
    use rust_audio_engine::ops::{render, MidiSource, RenderOptions};
    use rust_audio_engine::SoundFontSource;
    gpu();
    let midi = rust_audio_engine::demo::demo_midi();
    let run = |use_gpu| {
        let opts = RenderOptions {
            use_gpu,
            reverb: true,
            ..Default::default()
        };
        render(MidiSource::Bytes(&midi), &SoundFontSource::Builtin, &opts).unwrap()
    };
    let (cpu, gpu_r) = (run(false), run(true));
    assert_eq!(cpu.report.backend, "cpu");
    assert!(
        gpu_r.report.backend.starts_with("gpu: "),
        "{}",
        gpu_r.report.backend
    );
    assert!(gpu_r.report.gpu_requested);
    assert_eq!(gpu_r.audio.frames(), cpu.audio.frames());
    assert!(buffer_err(&gpu_r.audio, &cpu.audio) < 1e-4);
}

#[test]
fn spectrogram_uses_the_gpu() {
    use rust_audio_engine::waveform::spectrogram::{render_spectrogram, SpectrogramOptions};
    use rust_audio_engine::AudioBuffer;
    gpu();
    let audio = AudioBuffer::new(vec![noise(30_000, 4)], 16_000).unwrap();
    let mut opts = SpectrogramOptions {
        width: 101,
        height: 64,
        fft_size: 1024,
        ..Default::default()
    };
    let (cpu_png, cpu_b) = render_spectrogram(&audio, &opts).unwrap();
    opts.use_gpu = true;
    let (gpu_png, gpu_b) = render_spectrogram(&audio, &opts).unwrap();
    assert_eq!(cpu_b, "cpu");
    assert!(gpu_b.starts_with("gpu: "), "{gpu_b}");
    // Colours are quantised: spectra within 1e-4 give (nearly always) the same bytes.
    assert_eq!(gpu_png.len() > 100, cpu_png.len() > 100);
    // A size with no kernel falls back and says so.
    opts.fft_size = 1000;
    let (_, b) = render_spectrogram(&audio, &opts).unwrap();
    assert!(b.starts_with("cpu: no GPU kernel for FFT size 1000"), "{b}");
}
