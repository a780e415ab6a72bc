//! Times the convolution reverb on the corpus: 30 s of stereo music at 44.1 kHz with the 2.5 s
//! stereo IR, offline (whole buffer) and streaming in 512-frame chunks, best of N runs, and the
//! built-in IRs' generation.
//!
//! cargo run --release -p rust-audio-engine --example conv_bench [-- RUNS]
//!
//! `conv_bench_peers.py` beside this file times pedalboard and scipy on the same task; run both
//! one after the other for a same-run comparison (results in `bench/results/conv_bench.txt`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // an example stops on bad input by design

use std::path::{Path, PathBuf};
use std::time::Instant;

use rust_audio_engine::effects::{Convolution, ConvolutionParams, Effect, ImpulseResponse};
use rust_audio_engine::read_audio;

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(r);
    }
    (best, last.unwrap())
}

/// Times one forward plus one inverse real FFT per size (for the cost model).
fn fft_sizes() {
    use realfft::RealFftPlanner;
    let mut planner = RealFftPlanner::<f32>::new();
    for k in 10..=21 {
        let n = 1usize << k;
        let fwd = planner.plan_fft_forward(n);
        let inv = planner.plan_fft_inverse(n);
        let mut x = fwd.make_input_vec();
        let mut y = fwd.make_output_vec();
        let reps = (1 << 22) / n;
        let (t, _) = best_of(3, || {
            for _ in 0..reps {
                fwd.process(&mut x, &mut y).unwrap();
                y[0].im = 0.0;
                y[n / 2].im = 0.0;
                inv.process(&mut y, &mut x).unwrap();
            }
        });
        let per = t / reps as f64;
        println!(
            "fft {n:>8}: {:>9.1} us fwd+inv, {:.3} ns per n*log2(n)",
            per * 1e6,
            per * 1e9 / (n as f64 * k as f64)
        );
    }
}

fn main() {
    if std::env::args().any(|a| a == "--fft") {
        return fft_sizes();
    }
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let corpus = std::env::var_os("RAE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
        .join("audio");
    let audio = read_audio(&corpus.join("music_stereo_30s.wav"), 600.0).unwrap();
    let ir_path = corpus.join("ir_stereo_2p5s.wav");
    let sr = audio.sample_rate();
    let frames = audio.frames();
    let dur = audio.duration_s();
    println!(
        "signal: {} ch, {frames} frames at {sr} Hz ({dur:.1} s); IR: {}",
        audio.channel_count(),
        ir_path.display()
    );
    let report = |what: &str, secs: f64| {
        println!(
            "{what:<40} {secs:>8.4} s  {:>7.1} Mframes/s  {:>7.0}x real time",
            frames as f64 / secs / 1e6,
            dur / secs
        );
    };

    let mut conv =
        Convolution::new(ir_path.to_str().unwrap(), ConvolutionParams::default()).unwrap();
    // The first call prepares the IR spectra; later calls reuse them, as a reused effect would.
    let (t_first, _) = best_of(1, || conv.process_buffer(&audio).unwrap());
    report("offline, first call (IR prepared)", t_first);
    let (t, out) = best_of(runs, || conv.process_buffer(&audio).unwrap());
    report("offline (FFT overlap-add)", t);
    println!("  FFT size {:?}", conv.offline_fft_frames());
    let (t_new, _) = best_of(runs, || {
        let mut c =
            Convolution::new(ir_path.to_str().unwrap(), ConvolutionParams::default()).unwrap();
        c.process_buffer(&audio).unwrap()
    });
    report("offline, new Convolution each run", t_new);

    let block = 512;
    let (t_stream, streamed) = best_of(runs, || {
        conv.reset();
        let mut out: Vec<Vec<f32>> = vec![Vec::with_capacity(frames); audio.channel_count()];
        let mut chunk: Vec<Vec<f32>> = vec![Vec::with_capacity(block); audio.channel_count()];
        let mut pos = 0;
        while pos < frames {
            let n = block.min(frames - pos);
            for (c, x) in chunk.iter_mut().zip(audio.channels()) {
                c.clear();
                c.extend_from_slice(&x[pos..pos + n]);
            }
            conv.process(&mut chunk, sr).unwrap();
            for (o, c) in out.iter_mut().zip(&chunk) {
                o.extend_from_slice(c);
            }
            pos += n;
        }
        out
    });
    report("streaming, 512-frame chunks", t_stream);
    let lat = conv.latency_frames(sr);
    let err = streamed
        .iter()
        .zip(out.channels())
        .map(|(s, o)| {
            s[lat..]
                .iter()
                .zip(o)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max)
        })
        .fold(0.0f32, f32::max);
    println!(
        "  partitions (size, offset, count): {:?}",
        conv.streaming_partitions()
    );
    println!("streaming latency {lat} frames; max |streaming - offline| = {err:.2e}");

    for name in ImpulseResponse::BUILTIN_NAMES {
        let (t, ir) = best_of(runs, || ImpulseResponse::builtin(name, 48_000).unwrap());
        println!(
            "built-in {name:<7} at 48 kHz: {:>6.1} ms to generate ({:.2} s, {} ch)",
            t * 1e3,
            ir.duration_s(),
            ir.channels.len()
        );
    }
}
