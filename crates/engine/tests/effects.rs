#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Effects: chunked streaming equals whole-buffer processing for every effect and for chains,
//! any channel count works, bad input is refused, and every effect is `Send + Sync`.

use rust_audio_engine::effects::{
    BoxedEffect, Chain, ChainSpec, Compressor, CompressorParams, Convolution, ConvolutionParams,
    Effect, EffectSpec, Eq, FilterBand, FilterType, Gain, Limiter, LimiterParams,
    LoudnessNormalize, Reverb, ReverbParams,
};
use rust_audio_engine::AudioBuffer;

mod common;
use common::Rng;

/// Music-like test signal: tones with a loud burst in the middle, plus noise.
fn signal(channels: usize, frames: usize, sr: u32, seed: u64) -> AudioBuffer {
    let mut rng = Rng::new(seed);
    let mut a = vec![vec![0.0f32; frames]; channels];
    for (c, ch) in a.iter_mut().enumerate() {
        for (i, x) in ch.iter_mut().enumerate() {
            let t = i as f32 / sr as f32;
            let amp = if (frames / 3..frames / 2).contains(&i) {
                1.6
            } else {
                0.3
            };
            *x = amp
                * ((2.0 * std::f32::consts::PI * (220.0 + 110.0 * c as f32) * t).sin()
                    + 0.2 * rng.signed());
        }
    }
    AudioBuffer::new(a, sr).unwrap()
}

fn every_effect() -> Vec<BoxedEffect> {
    let mut v: Vec<BoxedEffect> = Vec::new();
    for t in FilterType::ALL {
        v.push(Box::new(Eq::single(t, 1500.0, 4.0, 0.9).unwrap()));
    }
    v.push(Box::new(
        Eq::new(vec![
            FilterBand::new(FilterType::HighPass, 40.0, 0.0, 0.7).unwrap(),
            FilterBand::new(FilterType::LowShelf, 200.0, -3.0, 0.7).unwrap(),
            FilterBand::new(FilterType::Peak, 1000.0, 2.0, 1.0).unwrap(),
            FilterBand::new(FilterType::HighShelf, 8000.0, 3.0, 0.7).unwrap(),
            FilterBand::new(FilterType::LowPass, 9000.0, 0.0, 0.7).unwrap(),
        ])
        .unwrap(),
    ));
    v.push(Box::new(
        Compressor::new(CompressorParams {
            threshold_db: -12.0,
            ratio: 4.0,
            attack_ms: 5.0,
            release_ms: 50.0,
            knee_db: 6.0,
            makeup_gain_db: 3.0,
        })
        .unwrap(),
    ));
    v.push(Box::new(Limiter::new(LimiterParams::default()).unwrap()));
    v.push(Box::new(Gain::new(-3.0).unwrap()));
    v.push(Box::new(
        Reverb::new(ReverbParams {
            room_size: 0.3,
            ..Default::default()
        })
        .unwrap(),
    ));
    v.push(Box::new(
        Convolution::new(
            "room",
            ConvolutionParams {
                mix: 0.4,
                pre_delay_ms: 3.0,
                ..Default::default()
            },
        )
        .unwrap(),
    ));
    v
}

/// Streams `audio` followed by `latency + tail` frames of silence through `effect` in random
/// chunks and checks the result is the whole-buffer output delayed by the latency.
fn check_streaming_matches(effect: &mut BoxedEffect, audio: &AudioBuffer, seed: u64) {
    let whole = effect.process_buffer(audio).unwrap();
    let sr = audio.sample_rate();
    let latency = effect.latency_frames(sr);
    let tail = effect.tail_frames(sr);
    assert_eq!(
        whole.frames(),
        audio.frames() + tail,
        "{}: whole-buffer length",
        effect.name()
    );
    let total = audio.frames() + latency + tail;
    let mut padded = audio.channels().to_vec();
    for c in &mut padded {
        c.resize(total, 0.0);
    }
    effect.reset();
    let mut rng = Rng::new(seed);
    let mut streamed: Vec<Vec<f32>> = vec![Vec::new(); audio.channel_count()];
    let mut at = 0;
    while at < total {
        // Chunk sizes from 0 (empty calls are allowed) to 3000 frames.
        let n = rng.below(3001).min(total - at);
        let mut chunk: Vec<Vec<f32>> = padded.iter().map(|c| c[at..at + n].to_vec()).collect();
        effect.process(&mut chunk, sr).unwrap();
        for (s, c) in streamed.iter_mut().zip(chunk) {
            assert_eq!(c.len(), n);
            s.extend(c);
        }
        at += n;
    }
    for (ci, (s, w)) in streamed.iter().zip(whole.channels()).enumerate() {
        for (i, (a, b)) in s[latency..].iter().zip(w).enumerate() {
            assert!(
                (a - b).abs() <= 1e-6,
                "{}: channel {ci} frame {i}: streamed {a} vs whole {b}",
                effect.name()
            );
        }
        assert!(s[..latency].iter().all(|x| x.abs() <= 1e-6));
    }
}

#[test]
fn every_effect_streams_like_whole_buffer() {
    for (channels, sr) in [(2, 44_100), (1, 48_000), (3, 22_050)] {
        let audio = signal(channels, 30_000, sr, 7);
        for (i, mut e) in every_effect().into_iter().enumerate() {
            check_streaming_matches(&mut e, &audio, 100 + i as u64);
        }
    }
}

#[test]
fn chains_stream_like_whole_buffer() {
    let audio = signal(2, 40_000, 44_100, 3);
    let mut chain: BoxedEffect = Box::new(Chain::new(every_effect()));
    check_streaming_matches(&mut chain, &audio, 5);
    let c = chain.as_ref();
    let expected: usize = every_effect()
        .iter()
        .map(|e| e.latency_frames(44_100))
        .sum();
    assert_eq!(c.latency_frames(44_100), expected);
    // A chain inside a chain.
    let mut nested: BoxedEffect = Box::new(Chain::new(vec![
        Box::new(Gain::new(6.0).unwrap()),
        Box::new(Chain::new(vec![
            Box::new(Limiter::new(LimiterParams::default()).unwrap()),
            Box::new(
                Limiter::new(LimiterParams {
                    ceiling_db: -3.0,
                    ..Default::default()
                })
                .unwrap(),
            ),
        ])),
    ]));
    check_streaming_matches(&mut nested, &audio, 9);
}

#[test]
fn limiter_ceiling_holds_after_gain() {
    let mut audio = signal(2, 44_100, 44_100, 11);
    audio.apply_gain(1.5).unwrap();
    let mut lim = Limiter::new(LimiterParams {
        ceiling_db: -2.0,
        ..Default::default()
    })
    .unwrap();
    let out = lim.process_buffer(&audio).unwrap();
    assert_eq!(out.frames(), audio.frames());
    assert!(out.peak() <= 10f32.powf(-2.0 / 20.0));
    // Far from the burst, the signal passes unchanged.
    assert!((out.channels()[0][1000] - audio.channels()[0][1000]).abs() < 1e-6);
}

#[test]
fn nan_and_inf_are_refused_by_every_effect() {
    let mut nan = signal(2, 1000, 44_100, 1).into_channels();
    nan[1][500] = f32::NAN;
    let mut inf = nan.clone();
    inf[1][500] = f32::INFINITY;
    for chunk in [&nan, &inf] {
        // Whole buffers cannot hold such samples at all ...
        let err = AudioBuffer::new(chunk.clone(), 44_100)
            .unwrap_err()
            .to_string();
        assert!(err.contains("sample 500 of channel 1"), "{err}");
    }
    // ... and streamed chunks are checked by every effect.
    let mut all = every_effect();
    all.push(Box::new(Chain::new(every_effect())));
    for mut e in all {
        for chunk in [&nan, &inf] {
            let mut chunk = chunk.clone();
            let err = e.process(&mut chunk, 44_100).unwrap_err().to_string();
            assert!(err.contains("NaN or infinite"), "{}: {err}", e.name());
        }
    }
}

#[test]
fn loudness_normalize_is_whole_buffer_only() {
    let audio = signal(2, 48_000, 48_000, 2);
    let mut ln = LoudnessNormalize::new(-20.0).unwrap();
    let out = ln.process_buffer(&audio).unwrap();
    let l = rust_audio_engine::gain::integrated_loudness(&out)
        .unwrap()
        .unwrap();
    assert!((l + 20.0).abs() < 0.01, "{l}");
    let mut chunk = audio.channels().to_vec();
    let e = ln.process(&mut chunk, 48_000).unwrap_err().to_string();
    assert!(e.contains("whole signal"), "{e}");
    // Silence cannot be measured and is returned unchanged.
    let silent = AudioBuffer::silence(2, 48_000, 48_000);
    assert_eq!(ln.process_buffer(&silent).unwrap(), silent);
}

#[test]
fn effects_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Eq>();
    check::<Compressor>();
    check::<Limiter>();
    check::<Gain>();
    check::<LoudnessNormalize>();
    check::<Reverb>();
    check::<Chain>();
    check::<BoxedEffect>();
    check::<ChainSpec>();
}

#[test]
fn empty_and_zero_channel_input() {
    for mut e in every_effect() {
        let mut none: Vec<Vec<f32>> = vec![vec![]; 2];
        e.process(&mut none, 44_100).unwrap();
        let mut zero: Vec<Vec<f32>> = Vec::new();
        e.process(&mut zero, 44_100).unwrap();
    }
    let mut g = Gain::new(0.0).unwrap();
    let err = g
        .process(&mut [vec![0.0; 3], vec![0.0; 2]], 44_100)
        .unwrap_err();
    assert!(err.to_string().contains("different lengths"));
    assert!(g.process(&mut [vec![0.0; 3]], 0).is_err());
}

#[test]
fn chain_spec_builds_from_toml() {
    let spec = ChainSpec::from_toml_str(
        "[[effect]]\ntype = \"peak\"\ncutoff_frequency_hz = 1000\ngain_db = 3\n\n\
         [[effect]]\ntype = \"limiter\"\n",
        None,
    )
    .unwrap();
    let mut chain = spec.build().unwrap();
    assert_eq!(chain.len(), 2);
    let audio = signal(2, 5000, 44_100, 4);
    let out = chain.process_buffer(&audio).unwrap();
    assert_eq!(out.frames(), 5000);
    assert!(matches!(
        EffectSpec::parse_eq("notch:60:0:10"),
        Ok(EffectSpec::Filter(_))
    ));
}
