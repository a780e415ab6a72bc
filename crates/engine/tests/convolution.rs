//! Integration tests of the convolution reverb: exactness against a direct convolution,
//! streaming against whole-buffer processing, mix and pre-delay, the built-in IRs' decay,
//! IR files at other sample rates, the corpus IR, and every error case.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: failures should panic loudly

use std::path::Path;

use rust_audio_engine::effects::{Convolution, ConvolutionParams, Effect, ImpulseResponse};
use rust_audio_engine::{AudioBuffer, Error};

mod common;
use common::{testdata_audio, Rng};

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Convolution>();
    send_sync::<ImpulseResponse>();
    send_sync::<ConvolutionParams>();
};

fn raw(mix: f32) -> ConvolutionParams {
    ConvolutionParams {
        mix,
        normalize: false,
        ..Default::default()
    }
}

fn ir(channels: Vec<Vec<f32>>, sample_rate: u32) -> ImpulseResponse {
    ImpulseResponse {
        channels,
        sample_rate,
        name: "test".into(),
    }
}

fn direct(x: &[f32], h: &[f32]) -> Vec<f64> {
    let mut y = vec![0.0f64; x.len() + h.len() - 1];
    for (i, &a) in x.iter().enumerate() {
        for (j, &b) in h.iter().enumerate() {
            y[i + j] += f64::from(a) * f64::from(b);
        }
    }
    y
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Streams `audio` followed by latency + tail frames of silence in random chunk sizes
/// (1..=5000, including 1), returning the output with the latency dropped.
fn stream(conv: &mut Convolution, audio: &AudioBuffer, rng: &mut Rng) -> Vec<Vec<f32>> {
    conv.reset();
    let sr = audio.sample_rate();
    let lat = conv.latency_frames(sr);
    let total = audio.frames() + lat + conv.tail_frames(sr);
    let mut padded: Vec<Vec<f32>> = audio.channels().to_vec();
    for c in &mut padded {
        c.resize(total, 0.0);
    }
    let mut out: Vec<Vec<f32>> = vec![Vec::with_capacity(total); padded.len()];
    let mut pos = 0;
    let mut first = true;
    while pos < total {
        let n = if first { 1 } else { 1 + rng.below(5000) }.min(total - pos);
        first = false;
        let mut chunk: Vec<Vec<f32>> = padded.iter().map(|c| c[pos..pos + n].to_vec()).collect();
        conv.process(&mut chunk, sr).unwrap();
        for (o, c) in out.iter_mut().zip(chunk) {
            o.extend(c);
        }
        pos += n;
    }
    for o in &mut out {
        o.drain(..lat);
    }
    out
}

#[test]
fn an_impulse_returns_the_ir() {
    let mut rng = Rng::new(7);
    for (ir_channels, signal_channels) in [(1, 1), (1, 2), (2, 2), (2, 1)] {
        let h = rng.signal(ir_channels, 3001, 0.7);
        let mut conv = Convolution::from_ir(ir(h.clone(), 44_100), raw(1.0)).unwrap();
        let mut x = vec![vec![0.0f32; 5]; signal_channels];
        for c in &mut x {
            c[0] = 1.0;
        }
        let audio = AudioBuffer::new(x, 44_100).unwrap();
        let out = conv.process_buffer(&audio).unwrap();
        assert_eq!(out.frames(), 5 + 3000);
        for (i, c) in out.channels().iter().enumerate() {
            let mut want = h[i % ir_channels].clone();
            want.resize(5 + 3000, 0.0);
            assert!(max_abs_diff(c, &want) < 1e-6, "channel {i}");
        }
        // The same through the streaming path.
        let streamed = stream(&mut conv, &audio, &mut rng);
        for (s, o) in streamed.iter().zip(out.channels()) {
            assert!(max_abs_diff(s, o) < 1e-6);
        }
    }
}

#[test]
fn offline_matches_direct_convolution() {
    let mut rng = Rng::new(11);
    for (n, m) in [
        (1, 1),
        (1, 500),
        (100, 7),
        (5000, 700),
        (20_000, 3000),
        (3000, 20_000),
    ] {
        let x = rng.signal(2, n, 1.0);
        let h = rng.signal(2, m, 0.5);
        let mut conv = Convolution::from_ir(ir(h.clone(), 48_000), raw(1.0)).unwrap();
        let out = conv
            .process_buffer(&AudioBuffer::new(x.clone(), 48_000).unwrap())
            .unwrap();
        for c in 0..2 {
            let want = direct(&x[c], &h[c]);
            let peak = want.iter().fold(0.0f64, |a, b| a.max(b.abs()));
            let err = out.channels()[c]
                .iter()
                .zip(&want)
                .fold(0.0f64, |a, (&y, &w)| a.max((f64::from(y) - w).abs()));
            assert_eq!(out.channels()[c].len(), n + m - 1);
            assert!(err <= 1e-5 * peak, "n={n} m={m}: error {err} peak {peak}");
        }
    }
}

#[test]
fn streaming_equals_whole_buffer_delayed_by_latency() {
    let mut rng = Rng::new(3);
    let cases: Vec<(Convolution, usize)> = vec![
        (
            Convolution::new("room", ConvolutionParams::default()).unwrap(),
            2,
        ),
        (
            Convolution::new(
                "hall",
                ConvolutionParams {
                    mix: 0.3,
                    pre_delay_ms: 12.5,
                    block_frames: 256,
                    ..Default::default()
                },
            )
            .unwrap(),
            2,
        ),
        (
            Convolution::from_ir(
                ir(rng.signal(2, 40_000, 0.01), 44_100),
                ConvolutionParams {
                    trim_tail: true,
                    mix: 0.5,
                    ..Default::default()
                },
            )
            .unwrap(),
            1,
        ),
    ];
    for (mut conv, channels) in cases {
        let audio = AudioBuffer::new(rng.signal(channels, 60_000, 0.5), 44_100).unwrap();
        let whole = conv.process_buffer(&audio).unwrap();
        let streamed = stream(&mut conv, &audio, &mut rng);
        for (s, w) in streamed.iter().zip(whole.channels()) {
            let d = max_abs_diff(s, w);
            assert!(d < 1e-6, "streaming differs by {d}");
        }
    }
}

#[test]
fn mix_and_pre_delay_are_exact() {
    let mut rng = Rng::new(5);
    let h = rng.signal(2, 2000, 0.1);
    let audio = AudioBuffer::new(rng.signal(2, 10_000, 0.8), 48_000).unwrap();
    let wet = Convolution::from_ir(ir(h.clone(), 48_000), raw(1.0))
        .unwrap()
        .process_buffer(&audio)
        .unwrap();
    // mix 0: the input, exactly, then silence.
    let dry = Convolution::from_ir(ir(h.clone(), 48_000), raw(0.0))
        .unwrap()
        .process_buffer(&audio)
        .unwrap();
    for (d, x) in dry.channels().iter().zip(audio.channels()) {
        assert_eq!(&d[..x.len()], &x[..]);
        assert!(d[x.len()..].iter().all(|&v| v == 0.0));
    }
    // mix 0.25: 0.75 dry + 0.25 wet.
    let mixed = Convolution::from_ir(ir(h.clone(), 48_000), raw(0.25))
        .unwrap()
        .process_buffer(&audio)
        .unwrap();
    for c in 0..2 {
        for i in 0..mixed.frames() {
            let x = audio.channels()[c].get(i).copied().unwrap_or(0.0);
            let want = 0.75 * x + 0.25 * wet.channels()[c][i];
            assert!((mixed.channels()[c][i] - want).abs() < 1e-6);
        }
    }
    // A 10 ms pre-delay at 48 kHz delays the wet by exactly 480 frames.
    let delayed = Convolution::from_ir(
        ir(h, 48_000),
        ConvolutionParams {
            pre_delay_ms: 10.0,
            ..raw(1.0)
        },
    )
    .unwrap();
    assert_eq!(delayed.tail_frames(48_000), 1999 + 480);
    let mut delayed = delayed;
    let out = delayed.process_buffer(&audio).unwrap();
    assert_eq!(out.frames(), wet.frames() + 480);
    for c in 0..2 {
        assert!(out.channels()[c][..480].iter().all(|&v| v == 0.0));
        assert_eq!(&out.channels()[c][480..], &wet.channels()[c][..]);
    }
}

#[test]
fn trim_tail_keeps_the_input_length() {
    let audio = AudioBuffer::new(Rng::new(9).signal(2, 30_000, 0.5), 44_100).unwrap();
    let full = Convolution::new("hall", ConvolutionParams::default())
        .unwrap()
        .process_buffer(&audio)
        .unwrap();
    let mut conv = Convolution::new(
        "hall",
        ConvolutionParams {
            trim_tail: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(conv.tail_frames(44_100), 0);
    let trimmed = conv.process_buffer(&audio).unwrap();
    assert_eq!(trimmed.frames(), 30_000);
    assert!(full.frames() > 30_000 + 44_100);
    for (t, f) in trimmed.channels().iter().zip(full.channels()) {
        assert!(max_abs_diff(t, &f[..30_000]) < 1e-6);
    }
}

/// Schroeder backward integration; RT60 from a line fitted between -5 dB and `-5 - range` dB.
fn rt60_s(h: &[f32], sample_rate: u32, range_db: f64) -> f64 {
    let mut edc = vec![0.0f64; h.len()];
    let mut acc = 0.0;
    for i in (0..h.len()).rev() {
        acc += f64::from(h[i]) * f64::from(h[i]);
        edc[i] = acc;
    }
    let total = edc[0];
    let (mut n, mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, &e) in edc.iter().enumerate() {
        let db = 10.0 * (e / total).log10();
        if db <= -5.0 && db >= -5.0 - range_db {
            let t = i as f64 / f64::from(sample_rate);
            n += 1.0;
            sx += t;
            sy += db;
            sxx += t * t;
            sxy += t * db;
        }
    }
    let slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    -60.0 / slope
}

/// A 4th-order Butterworth low or high pass (two RBJ biquads), for band decay checks.
fn butter4(x: &[f32], high: bool, f0: f64, fs: f64) -> Vec<f32> {
    let mut y: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
    for q in [0.541_196_1, 1.306_563] {
        let w0 = 2.0 * std::f64::consts::PI * f0 / fs;
        let (s, c) = w0.sin_cos();
        let alpha = s / (2.0 * q);
        let a0 = 1.0 + alpha;
        let (b0, b1) = if high {
            ((1.0 + c) / 2.0, -(1.0 + c))
        } else {
            ((1.0 - c) / 2.0, 1.0 - c)
        };
        let (b0, b1, b2, a1, a2) = (b0 / a0, b1 / a0, b0 / a0, -2.0 * c / a0, (1.0 - alpha) / a0);
        let (mut z1, mut z2) = (0.0, 0.0);
        for v in &mut y {
            let out = b0 * *v + z1;
            z1 = b1 * *v - a1 * out + z2;
            z2 = b2 * *v - a2 * out;
            *v = out;
        }
    }
    y.into_iter().map(|v| v as f32).collect()
}

#[test]
fn builtin_irs_decay_as_documented() {
    let documented = [
        ("room", 0.5),
        ("hall", 2.0),
        ("plate", 1.5),
        ("church", 3.8),
    ];
    assert_eq!(
        ImpulseResponse::BUILTIN_NAMES,
        ["room", "hall", "plate", "church"]
    );
    for sr in [44_100u32, 48_000] {
        for (name, rt) in documented {
            let ir = ImpulseResponse::builtin(name, sr).unwrap();
            assert_eq!(ir.sample_rate, sr);
            assert_eq!(ir.channels.len(), 2, "{name}");
            assert!(ir.channels.iter().flatten().all(|x| x.is_finite()));
            assert!((ir.normalization_gain() - 1.0).abs() < 1e-3);
            for (ci, h) in ir.channels.iter().enumerate() {
                let measured = rt60_s(h, sr, 30.0);
                assert!(
                    (measured - rt).abs() <= 0.2 * rt,
                    "{name} at {sr} Hz channel {ci}: RT60 {measured:.2} s, documented {rt} s"
                );
                let low = rt60_s(&butter4(h, false, 300.0, f64::from(sr)), sr, 20.0);
                let high = rt60_s(&butter4(h, true, 6000.0, f64::from(sr)), sr, 20.0);
                eprintln!(
                    "{name} {sr} Hz ch{ci}: RT60 {measured:.3} s, low {low:.3} s, high {high:.3} s"
                );
                assert!(
                    high < 0.9 * low,
                    "{name}: high band RT60 {high:.2} s not shorter than low band {low:.2} s"
                );
            }
            // Left and right tails are decorrelated (after the first 50 ms).
            let skip = sr as usize / 20;
            let (l, r) = (&ir.channels[0][skip..], &ir.channels[1][skip..]);
            let dot = |a: &[f32], b: &[f32]| {
                a.iter()
                    .zip(b)
                    .map(|(&x, &y)| f64::from(x) * f64::from(y))
                    .sum::<f64>()
            };
            let corr = dot(l, r) / (dot(l, l) * dot(r, r)).sqrt();
            assert!(corr.abs() < 0.1, "{name}: L/R correlation {corr}");
            // Deterministic.
            assert_eq!(ImpulseResponse::builtin(name, sr).unwrap(), ir);
        }
    }
}

#[test]
fn builtin_early_reflections_differ_between_channels() {
    for name in ["room", "hall", "church"] {
        let ir = ImpulseResponse::builtin(name, 48_000).unwrap();
        // Within the first few milliseconds after the direct sound, the loudest tap of each
        // channel sits at a different time.
        let peak = |c: &[f32]| {
            (5..c.len().min(48_000 / 8))
                .max_by(|&a, &b| c[a].abs().total_cmp(&c[b].abs()))
                .unwrap()
        };
        assert_ne!(peak(&ir.channels[0]), peak(&ir.channels[1]), "{name}");
        assert_eq!(ir.channels[0][0], ir.channels[1][0], "{name}: direct path");
    }
}

fn write_wav(path: &Path, channels: &[Vec<f32>], sample_rate: u32) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..channels[0].len() {
        for c in channels {
            w.write_sample(c[i]).unwrap();
        }
    }
    w.finalize().unwrap();
}

#[test]
fn ir_files_at_other_rates_are_resampled_keeping_their_duration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ir48k.wav");
    let mut rng = Rng::new(21);
    let frames = 24_000; // 0.5 s at 48 kHz
                         // Decaying noise below 8 kHz, so resampling to 44.1 kHz loses none of it.
    let h: Vec<Vec<f32>> = (0..2)
        .map(|_| {
            let noise: Vec<f32> = (0..frames)
                .map(|i| rng.signed() * (-(i as f32) / 3000.0).exp())
                .collect();
            butter4(&noise, false, 8000.0, 48_000.0)
        })
        .collect();
    write_wav(&path, &h, 48_000);
    let p = path.to_str().unwrap();
    let native = ImpulseResponse::resolve(p, 48_000).unwrap();
    assert_eq!(native.frames(), frames);
    let at44 = ImpulseResponse::resolve(p, 44_100).unwrap();
    assert_eq!(at44.sample_rate, 44_100);
    assert!(
        (at44.frames() as i64 - 22_050).abs() <= 1,
        "{}",
        at44.frames()
    );
    // Resampling keeps the energy per second: the energy scales with the rate ratio.
    let e = |c: &[f32]| c.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>();
    let ratio = e(&at44.channels[0]) / e(&native.channels[0]);
    assert!((ratio - 44_100.0 / 48_000.0).abs() < 0.05, "{ratio}");
    // Shared through the cache.
    assert!(std::sync::Arc::ptr_eq(
        &at44,
        &ImpulseResponse::resolve(p, 44_100).unwrap()
    ));
    let mut conv = Convolution::new(p, ConvolutionParams::default()).unwrap();
    assert_eq!(conv.tail_frames(44_100), at44.frames() - 1);
    assert_eq!(conv.tail_frames(48_000), frames - 1);
    // One Convolution at two rates, streaming then whole-buffer.
    let audio44 = AudioBuffer::new(rng.signal(2, 4410, 0.5), 44_100).unwrap();
    let audio48 = AudioBuffer::new(rng.signal(2, 4800, 0.5), 48_000).unwrap();
    let mut chunk = audio44.channels().to_vec();
    conv.process(&mut chunk, 44_100).unwrap();
    assert_eq!(
        conv.process_buffer(&audio48).unwrap().frames(),
        4800 + frames - 1
    );
    assert_eq!(
        conv.process_buffer(&audio44).unwrap().frames(),
        4410 + at44.frames() - 1
    );
}

#[test]
fn the_corpus_ir_loads_from_its_file() {
    let dir = testdata_audio();
    let path = dir.join("ir_stereo_2p5s.wav");
    let ir = ImpulseResponse::from_file(&path).unwrap();
    assert_eq!(ir.channels.len(), 2);
    assert!((ir.duration_s() - 2.5).abs() < 0.01, "{}", ir.duration_s());
    // It has unit energy per channel, so normalisation leaves it as it is.
    assert!((ir.normalization_gain() - 1.0).abs() < 1e-3);
    let mut conv = Convolution::new(path.to_str().unwrap(), ConvolutionParams::default()).unwrap();
    let mut x = vec![vec![0.0f32; 100]; 2];
    x[0][0] = 1.0;
    x[1][0] = 1.0;
    let out = conv
        .process_buffer(&AudioBuffer::new(x, ir.sample_rate).unwrap())
        .unwrap();
    for (o, h) in out.channels().iter().zip(&ir.channels) {
        let g = ir.normalization_gain();
        assert!(o.iter().zip(h).all(|(a, b)| (a - b * g).abs() < 1e-6));
    }
}

#[test]
fn errors_are_clear() {
    let p = ConvolutionParams::default;
    let missing = Convolution::new("/no/such/ir.wav", p()).unwrap_err();
    assert!(matches!(missing, Error::NotFound { .. }), "{missing}");
    let unknown = Convolution::new("cathedral", p()).unwrap_err();
    assert!(matches!(unknown, Error::InvalidArgument(_)), "{unknown}");
    assert!(
        unknown.to_string().contains("room, hall, plate, church"),
        "{unknown}"
    );
    assert!(matches!(
        ImpulseResponse::builtin("cathedral", 48_000),
        Err(Error::InvalidArgument(_))
    ));

    let empty = Convolution::from_ir(ir(vec![vec![]], 48_000), p()).unwrap_err();
    assert!(matches!(empty, Error::InvalidArgument(_)), "{empty}");
    let no_channels = Convolution::from_ir(ir(vec![], 48_000), p()).unwrap_err();
    assert!(matches!(no_channels, Error::InvalidArgument(_)));
    let nan = Convolution::from_ir(ir(vec![vec![0.5, f32::NAN]], 48_000), p()).unwrap_err();
    assert!(nan.to_string().contains("NaN"), "{nan}");
    let inf = Convolution::from_ir(ir(vec![vec![f32::INFINITY]], 48_000), p()).unwrap_err();
    assert!(matches!(inf, Error::InvalidArgument(_)));
    let long = Convolution::from_ir(ir(vec![vec![0.0; 8000 * 61]], 8000), p()).unwrap_err();
    assert!(matches!(long, Error::Limit { .. }), "{long}");

    for (mix, pre) in [(-0.1, 0.0), (1.01, 0.0), (0.5, -1.0), (0.5, f32::NAN)] {
        let e = Convolution::new(
            "room",
            ConvolutionParams {
                mix,
                pre_delay_ms: pre,
                ..p()
            },
        )
        .unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
    }

    // NaN input, streaming and whole-buffer.
    let mut conv = Convolution::new("room", p()).unwrap();
    let mut x = vec![vec![0.0, f32::NAN, 0.0]];
    assert!(matches!(
        conv.process(&mut x, 44_100),
        Err(Error::InvalidArgument(_))
    ));
    assert!(AudioBuffer::new(vec![vec![0.0, 0.0, f32::INFINITY]], 44_100).is_err());

    // A file that is not audio.
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.wav");
    std::fs::write(&junk, b"not audio at all").unwrap();
    let e = Convolution::new(junk.to_str().unwrap(), p()).unwrap_err();
    assert!(matches!(e, Error::AudioFormat { .. }), "{e}");

    // A sample rate no IR can be made for, with built-in, file and in-memory IRs.
    let wav = dir.path().join("ir.wav");
    write_wav(&wav, &[vec![1.0, 0.5, 0.25]], 44_100);
    for mut conv in [
        Convolution::new("room", p()).unwrap(),
        Convolution::new(wav.to_str().unwrap(), p()).unwrap(),
        Convolution::from_ir(ir(vec![vec![1.0, 0.5]], 48_000), p()).unwrap(),
    ] {
        let mut x = vec![vec![0.0; 10]];
        assert!(matches!(
            conv.process(&mut x, 0),
            Err(Error::InvalidArgument(_))
        ));
        // A whole buffer cannot have that rate at all.
        assert!(matches!(
            AudioBuffer::new(x, 0),
            Err(Error::InvalidArgument(_))
        ));
    }
}

#[test]
fn normalization_gives_the_loudest_channel_unit_energy() {
    let h = vec![vec![0.0, 3.0, 0.0, 4.0], vec![1.0, 0.0, 0.0, 0.0]];
    let mut conv = Convolution::from_ir(ir(h, 48_000), ConvolutionParams::default()).unwrap();
    let out = conv
        .process_buffer(&AudioBuffer::new(vec![vec![1.0], vec![1.0]], 48_000).unwrap())
        .unwrap();
    // Loudest channel energy 25 -> gain 1/5, applied to both channels.
    assert!(max_abs_diff(&out.channels()[0], &[0.0, 0.6, 0.0, 0.8]) < 1e-6);
    assert!(max_abs_diff(&out.channels()[1], &[0.2, 0.0, 0.0, 0.0]) < 1e-6);
}

#[test]
fn clones_stream_independently() {
    let mut a = Convolution::new("plate", ConvolutionParams::default()).unwrap();
    let mut rng = Rng::new(99);
    let mut x = rng.signal(2, 3000, 0.5);
    a.process(&mut x, 48_000).unwrap();
    let mut b = a.clone();
    let y = rng.signal(2, 2000, 0.5);
    let (mut ya, mut yb) = (y.clone(), y);
    a.process(&mut ya, 48_000).unwrap();
    b.process(&mut yb, 48_000).unwrap();
    assert_eq!(ya, yb);
}
