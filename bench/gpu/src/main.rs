//! `rae-gpu-bench`: the CPU backend against the GPU backend in one run, on the same inputs,
//! each result checked against the CPU's. Prints the adapter, then one row per workload:
//! FFT magnitude batches; 1, 8 and 64 concurrent 30 s stereo convolution renders with the
//! `hall` and `church` impulse responses; STFT magnitudes and PNG spectrograms of 64 files.
//!
//! The CPU side runs on `--cpu-threads` threads (default 2: the project's CI machine); the GPU
//! side is called from as many threads as there are jobs, and the batcher gathers their work.
//! On a software adapter (lavapipe) this measures correctness and overhead only.
//!
//! Options: `--seconds S` (render length, default 30), `--jobs 1,8,64`, `--files 64`,
//! `--cpu-threads 2`, `--irs hall,church`, `--quick` (small sizes for lavapipe).

use std::sync::Arc;
use std::time::Instant;

use rust_audio_engine::compute::gpu::{self, GpuBackend};
use rust_audio_engine::compute::{Backend, Cpu, GpuPolicy};
use rust_audio_engine::effects::ImpulseResponse;
use rust_audio_engine::waveform::spectrogram::{render_spectrogram_png_on, SpectrogramOptions};
use rust_audio_engine::AudioBuffer;

const SR: u32 = 48_000;

struct Args {
    seconds: f64,
    jobs: Vec<usize>,
    files: usize,
    file_seconds: f64,
    cpu_threads: usize,
    irs: Vec<String>,
    fft_frames: usize,
}

fn args() -> Args {
    let mut a = Args {
        seconds: 30.0,
        jobs: vec![1, 8, 64],
        files: 64,
        file_seconds: 30.0,
        cpu_threads: 2,
        irs: vec!["hall".into(), "church".into()],
        fft_frames: 1 << 22,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let v = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--seconds" => a.seconds = v.parse().unwrap_or(a.seconds),
            "--file-seconds" => a.file_seconds = v.parse().unwrap_or(a.file_seconds),
            "--jobs" => a.jobs = v.split(',').filter_map(|s| s.parse().ok()).collect(),
            "--files" => a.files = v.parse().unwrap_or(a.files),
            "--cpu-threads" => a.cpu_threads = v.parse().unwrap_or(a.cpu_threads),
            "--irs" => a.irs = v.split(',').map(String::from).collect(),
            "--quick" => {
                a.seconds = 2.0;
                a.jobs = vec![1, 8];
                a.files = 8;
                a.file_seconds = 5.0;
                a.fft_frames = 1 << 18;
                i += 1;
                continue;
            }
            other => {
                eprintln!("unknown option {other}");
                std::process::exit(2);
            }
        }
        i += 2;
    }
    a
}

fn noise(len: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.max(1);
    (0..len)
        .map(|_| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            ((s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

fn rel_err(got: &[f32], want: &[f32]) -> f32 {
    let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-30);
    got.iter()
        .zip(want)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()))
        / scale
}

/// Runs `jobs` closures on `threads` threads (round robin), returning seconds and results.
fn pool<T: Send>(threads: usize, jobs: usize, f: impl Fn(usize) -> T + Sync) -> (f64, Vec<T>) {
    let start = Instant::now();
    let mut out: Vec<(usize, T)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads.min(jobs).max(1))
            .map(|t| {
                let f = &f;
                s.spawn(move || {
                    (t..jobs)
                        .step_by(threads.max(1))
                        .map(|j| (j, f(j)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        hs.into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let secs = start.elapsed().as_secs_f64();
    out.sort_by_key(|p| p.0);
    (secs, out.into_iter().map(|p| p.1).collect())
}

fn row(what: &str, cpu_s: f64, gpu_s: f64, err: f32, backend: &str) {
    println!(
        "| {what} | {:.3} | {:.3} | {:.1}x | {err:.1e} | {backend} |",
        cpu_s,
        gpu_s,
        cpu_s / gpu_s
    );
}

fn main() {
    let a = args();
    let g: GpuBackend = match gpu::backend(GpuPolicy::Force) {
        Ok(g) => g,
        Err(why) => {
            eprintln!("no GPU: {why}");
            std::process::exit(1);
        }
    };
    let ad = g.adapter();
    println!(
        "adapter: {} | backend {} | type {} | driver {} {}",
        ad.name, ad.backend, ad.device_type, ad.driver, ad.driver_info
    );
    println!(
        "cpu side: {} threads; gpu side: one caller thread per job; {} s renders at {SR} Hz",
        a.cpu_threads, a.seconds
    );
    if ad.is_software() {
        println!("software adapter: these rows measure correctness and overhead only");
    }
    println!();
    println!("| workload | cpu s | gpu s | gpu speed-up | max rel. error | gpu backend after |");
    println!("|---|---|---|---|---|---|");

    // FFT magnitude batches: the CPU splits the frames over its threads.
    for n in [1024usize, 4096, 65536] {
        let count = (a.fft_frames / n).max(1) | 1;
        let frames = noise(count * n, n as u64);
        let bins = n / 2 + 1;
        let per = count.div_ceil(a.cpu_threads);
        let (cpu_s, parts) = pool(a.cpu_threads, a.cpu_threads, |t| {
            let lo = (t * per).min(count);
            let hi = ((t + 1) * per).min(count);
            let mut out = vec![0.0; (hi - lo) * bins];
            Cpu.spectrum_magnitudes(&frames[lo * n..hi * n], n, &mut out)
                .map(|_| out)
                .unwrap_or_default()
        });
        let want: Vec<f32> = parts.concat();
        let mut got = vec![0.0; count * bins];
        // One warm-up call (pipelines, twiddles), then the timed one.
        let _ = g.spectrum_magnitudes(&frames[..n], n, &mut got[..bins]);
        let t = Instant::now();
        let ok = g.spectrum_magnitudes(&frames, n, &mut got).is_ok();
        let gpu_s = t.elapsed().as_secs_f64();
        let err = if ok { rel_err(&got, &want) } else { f32::NAN };
        row(
            &format!("FFT magnitudes, {count} frames of {n}"),
            cpu_s,
            gpu_s,
            err,
            &g.name(),
        );
    }

    // Concurrent convolution renders.
    let frames = (a.seconds * f64::from(SR)) as usize;
    for ir_name in &a.irs {
        let Ok(ir) = ImpulseResponse::resolve(ir_name, SR) else {
            eprintln!("no IR {ir_name}");
            continue;
        };
        let gain = ir.normalization_gain();
        let m = ir.frames();
        let cpu_k = Cpu
            .filter_kernel(&ir.channels, gain, Cpu.offline_fft_size(frames, m))
            .unwrap_or_else(|e| panic!("{e}"));
        let gpu_k = g
            .filter_kernel(&ir.channels, gain, g.offline_fft_size(frames, m))
            .unwrap_or_else(|e| panic!("{e}"));
        // Warm-up: the filter's spectra go to the device once.
        let _ = gpu_k.convolve(&[noise(1000, 1), noise(1000, 2)], 1);
        for &jobs in &a.jobs {
            let inputs: Vec<Vec<Vec<f32>>> = (0..jobs.min(8))
                .map(|j| vec![noise(frames, 10 + j as u64), noise(frames, 90 + j as u64)])
                .collect();
            let input = |j: usize| &inputs[j % inputs.len()];
            let (cpu_s, want) = pool(a.cpu_threads, jobs, |j| {
                cpu_k.convolve(input(j), 1).unwrap_or_default()
            });
            let (gpu_s, got) = pool(jobs, jobs, |j| {
                gpu_k.convolve(input(j), 1).unwrap_or_default()
            });
            let err = got
                .iter()
                .zip(&want)
                .flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| rel_err(p, q)))
                .fold(0.0f32, f32::max);
            row(
                &format!(
                    "{jobs} concurrent {} s stereo convolutions, {ir_name} ({:.2} s IR)",
                    a.seconds,
                    m as f64 / f64::from(SR)
                ),
                cpu_s,
                gpu_s,
                err,
                &g.name(),
            );
        }
    }

    // Batch spectrogram of many files: STFT magnitudes alone, then the whole PNG.
    let opts = SpectrogramOptions {
        width: 1024,
        height: 256,
        fft_size: 2048,
        ..Default::default()
    };
    let len = (a.file_seconds * f64::from(SR)) as usize;
    let files: Vec<AudioBuffer> = (0..a.files.min(8))
        .map(|j| {
            AudioBuffer::new(vec![noise(len, 500 + j as u64)], SR).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    let file = |j: usize| &files[j % files.len()];
    // The STFT stage: every file's windowed frames in one batch.
    let n = opts.fft_size;
    let bins = n / 2 + 1;
    let hop = len / opts.width as usize;
    let frames_of = |audio: &AudioBuffer| -> Vec<f32> {
        let x = &audio.channels()[0];
        (0..opts.width as usize)
            .flat_map(|c| (0..n).map(move |k| x.get(c * hop + k).copied().unwrap_or(0.0)))
            .collect()
    };
    let batch: Vec<f32> = (0..a.files).flat_map(|j| frames_of(file(j))).collect();
    let count = batch.len() / n;
    let per = count.div_ceil(a.cpu_threads);
    let (cpu_s, parts) = pool(a.cpu_threads, a.cpu_threads, |t| {
        let lo = (t * per).min(count);
        let hi = ((t + 1) * per).min(count);
        let mut out = vec![0.0; (hi - lo) * bins];
        Cpu.spectrum_magnitudes(&batch[lo * n..hi * n], n, &mut out)
            .map(|_| out)
            .unwrap_or_default()
    });
    let want = parts.concat();
    let mut got = vec![0.0; count * bins];
    let t = Instant::now();
    let ok = g.spectrum_magnitudes(&batch, n, &mut got).is_ok();
    let gpu_s = t.elapsed().as_secs_f64();
    row(
        &format!(
            "STFT magnitudes of {} files ({} frames of {n})",
            a.files, count
        ),
        cpu_s,
        gpu_s,
        if ok { rel_err(&got, &want) } else { f32::NAN },
        &g.name(),
    );
    let gb: Arc<dyn Backend> = Arc::new(g.clone());
    let (cpu_s, want) = pool(a.cpu_threads, a.files, |j| {
        render_spectrogram_png_on(file(j), &opts, &Cpu).unwrap_or_default()
    });
    let (gpu_s, got) = pool(a.files, a.files, |j| {
        render_spectrogram_png_on(file(j), &opts, gb.as_ref()).unwrap_or_default()
    });
    let same = got.iter().zip(&want).filter(|(x, y)| x == y).count();
    row(
        &format!(
            "PNG spectrograms of {} {} s files ({same} byte-identical)",
            a.files, a.file_seconds
        ),
        cpu_s,
        gpu_s,
        0.0,
        &g.name(),
    );
    if let Some(s) = gpu::batch_stats(GpuPolicy::Force) {
        println!();
        println!(
            "batcher: {} submissions carried {} command buffers (largest {})",
            s.submissions, s.command_buffers, s.largest
        );
    }
}
