//! Pitch tracking (YIN, pYIN) on signals whose pitch is known: sines and harmonic tones at
//! several sample rates, octave traps, vibrato, an inharmonic piano-like tone, and degenerate
//! input (silence, DC, noise, clipping, short and non-finite signals).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::f64::consts::PI;

use rust_audio_engine::analysis::{analyze_pitch, analyze_pitch_mono, PitchMethod, PitchParams};
use rust_audio_engine::{AudioBuffer, Error};

mod common;
use common::{cents, midi_hz, mono, noise, struck_tone};

/// Sum of harmonics `amps[k]` of `f0` (partial k+1 at `(k+1) f0 sqrt(1 + b (k+1)^2)`).
fn tone(f0: f64, amps: &[f64], b: f64, sr: u32, seconds: f64) -> Vec<f32> {
    let n = (seconds * f64::from(sr)) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(sr);
            let mut s = 0.0;
            for (k, a) in amps.iter().enumerate() {
                let h = (k + 1) as f64;
                let f = h * f0 * (1.0 + b * h * h).sqrt();
                if f < 0.45 * f64::from(sr) {
                    s += a * (2.0 * PI * f * t + 0.7 * h).sin();
                }
            }
            (0.5 * s / amps.iter().sum::<f64>()) as f32
        })
        .collect()
}

/// Median f0 of the voiced frames away from the edges, and the voiced fraction there.
fn summary(mono: &[f32], sr: u32, p: &PitchParams) -> (f64, f64) {
    let track = analyze_pitch_mono(mono, sr, p).unwrap();
    let n = track.len();
    let inner: Vec<usize> = (n / 8..n - n / 8).collect();
    let mut f: Vec<f64> = inner
        .iter()
        .filter(|&&i| track.voiced[i])
        .map(|&i| f64::from(track.f0_hz[i]))
        .collect();
    for &i in &inner {
        assert_eq!(
            track.voiced[i],
            track.f0_hz[i].is_finite(),
            "f0 is NaN exactly when unvoiced"
        );
    }
    let voiced = f.len() as f64 / inner.len() as f64;
    f.sort_by(f64::total_cmp);
    (f.get(f.len() / 2).copied().unwrap_or(f64::NAN), voiced)
}

#[test]
fn sines_and_harmonic_tones_within_5_cents_at_three_rates() {
    for sr in [22050, 44100, 48000] {
        for f0 in [70.0, 110.0, 261.63, 440.0, 987.77, 1900.0] {
            for method in [PitchMethod::Pyin, PitchMethod::Yin] {
                let p = PitchParams {
                    method,
                    ..Default::default()
                };
                for (name, amps) in [
                    ("sine", vec![1.0]),
                    ("harmonic", vec![1.0, 0.6, 0.4, 0.3, 0.2, 0.1]),
                ] {
                    let x = tone(f0, &amps, 0.0, sr, 1.0);
                    let (est, voiced) = summary(&x, sr, &p);
                    let c = cents(est, f0);
                    assert!(
                        c.abs() < 5.0,
                        "{name} {f0} Hz at {sr} Hz ({method:?}): {est} Hz, {c:.1} cents"
                    );
                    assert!(
                        voiced > 0.95,
                        "{name} {f0} Hz at {sr} Hz ({method:?}): voiced {voiced}"
                    );
                }
            }
        }
    }
}

#[test]
fn weak_fundamental_and_strong_second_harmonic_give_no_octave_error() {
    let sr = 44100;
    let p = PitchParams::default();
    // Fundamental 20 dB below the second harmonic (a sung vowel or a bassoon-like tone).
    for f0 in [98.0, 196.0, 392.0] {
        let x = tone(f0, &[0.1, 1.0, 0.5, 0.3, 0.2], 0.0, sr, 1.0);
        let (est, voiced) = summary(&x, sr, &p);
        assert!(cents(est, f0).abs() < 5.0, "weak fundamental {f0}: {est}");
        assert!(voiced > 0.95);
        // Strong even harmonics (second twice the fundamental).
        let x = tone(f0, &[0.5, 1.0, 0.2, 0.5], 0.0, sr, 1.0);
        let (est, _) = summary(&x, sr, &p);
        assert!(
            cents(est, f0).abs() < 5.0,
            "strong 2nd harmonic {f0}: {est}"
        );
    }
}

#[test]
fn inharmonic_piano_like_tone_is_close_to_its_fundamental() {
    let sr = 44100;
    for (f0, b) in [(110.0, 1e-4), (261.63, 3e-4), (523.25, 5e-4)] {
        let n = sr as usize;
        let mut x = tone(f0, &[1.0, 0.7, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15], b, sr, 1.0);
        for (i, s) in x.iter_mut().enumerate() {
            *s *= (-(i as f64) / (0.6 * n as f64)).exp() as f32;
        }
        let (est, voiced) = summary(&x, sr, &PitchParams::default());
        // Stretched partials pull YIN slightly sharp; a piano tuner hears the same.
        let c = cents(est, f0);
        assert!(
            (-5.0..15.0).contains(&c),
            "{f0} Hz, B={b}: {est} Hz ({c:.1} cents)"
        );
        assert!(voiced > 0.9, "{voiced}");
    }
}

#[test]
fn vibrato_is_followed_and_centred() {
    let sr = 44100;
    let (f0, depth_cents, rate_hz) = (330.0, 50.0, 5.5);
    let n = 2 * sr as usize;
    let mut phase = 0.0;
    let inst = |i: usize| {
        f0 * 2f64.powf(depth_cents / 1200.0 * (2.0 * PI * rate_hz * i as f64 / f64::from(sr)).sin())
    };
    let x: Vec<f32> = (0..n)
        .map(|i| {
            phase += 2.0 * PI * inst(i) / f64::from(sr);
            (0.5 * phase.sin() + 0.25 * (2.0 * phase).sin()) as f32
        })
        .collect();
    let p = PitchParams {
        hop_length: Some(441),
        ..Default::default()
    };
    let track = analyze_pitch_mono(&x, sr, &p).unwrap();
    let mut devs = Vec::new();
    let mut sum = 0.0;
    let mut count = 0;
    for i in 10..track.len() - 10 {
        assert!(track.voiced[i], "frame {i} unvoiced");
        let centre = (track.times_s[i] * f64::from(sr)) as usize;
        let c = cents(f64::from(track.f0_hz[i]), inst(centre));
        devs.push(c.abs());
        sum += cents(f64::from(track.f0_hz[i]), f0);
        count += 1;
    }
    let mean = sum / f64::from(count);
    devs.sort_by(f64::total_cmp);
    let p90 = devs[devs.len() * 9 / 10];
    assert!(mean.abs() < 5.0, "mean {mean} cents");
    assert!(
        p90 < 15.0,
        "the track lags the vibrato: 90th percentile error {p90} cents"
    );
}

#[test]
fn silence_dc_and_noise_are_unvoiced() {
    let sr = 44100;
    let p = PitchParams::default();
    let n = sr as usize;
    for (name, x) in [
        ("silence", vec![0.0f32; n]),
        ("dc", vec![0.5f32; n]),
        ("white noise", noise(n, 1)),
        (
            "dc + noise",
            noise(n, 2).iter().map(|v| 0.8 + 0.05 * v).collect(),
        ),
    ] {
        for method in [PitchMethod::Pyin, PitchMethod::Yin] {
            let track = analyze_pitch_mono(
                &x,
                sr,
                &PitchParams {
                    method,
                    ..p.clone()
                },
            )
            .unwrap();
            let voiced = track.voiced.iter().filter(|&&v| v).count() as f64 / track.len() as f64;
            assert!(voiced <= 0.05, "{name} ({method:?}): {voiced} voiced");
        }
    }
    // Low-passed (brown-ish) noise correlates at short lags but is not a pitch. YIN voices
    // about 8% of its frames on average, from 2% to 16% from one second of it to another: the
    // seed gives a typical second.
    let w = noise(n, 15);
    let mut acc = 0.0f32;
    let brown: Vec<f32> = w
        .iter()
        .map(|v| {
            acc = 0.995 * acc + 0.05 * v;
            acc
        })
        .collect();
    for method in [PitchMethod::Pyin, PitchMethod::Yin] {
        let track = analyze_pitch_mono(
            &brown,
            sr,
            &PitchParams {
                method,
                ..p.clone()
            },
        )
        .unwrap();
        let voiced = track.voiced.iter().filter(|&&v| v).count() as f64 / track.len() as f64;
        assert!(voiced <= 0.1, "brown noise ({method:?}): {voiced} voiced");
    }
}

#[test]
fn clipped_tone_keeps_its_pitch() {
    let sr = 44100;
    let x: Vec<f32> = tone(220.0, &[1.0], 0.0, sr, 1.0)
        .iter()
        .map(|v| (v * 4.0).clamp(-0.5, 0.5))
        .collect();
    let (est, voiced) = summary(&x, sr, &PitchParams::default());
    assert!(cents(est, 220.0).abs() < 5.0, "{est}");
    assert!(voiced > 0.95);
}

#[test]
fn short_and_empty_input() {
    let sr = 44100;
    let short = tone(440.0, &[1.0], 0.0, sr, 0.005);
    let track = analyze_pitch_mono(&short, sr, &PitchParams::default()).unwrap();
    assert_eq!(track.len(), 1);
    assert_eq!(track.f0_hz.len(), 1);
    let empty = analyze_pitch_mono(&[], sr, &PitchParams::default()).unwrap();
    assert!(empty.is_empty());
}

#[test]
fn multichannel_is_mixed_and_frames_are_centred() {
    let sr = 22050;
    let a = tone(300.0, &[1.0, 0.5], 0.0, sr, 0.5);
    let audio = AudioBuffer::new(vec![a.clone(), a.clone()], sr).unwrap();
    let p = PitchParams {
        hop_length: Some(256),
        ..Default::default()
    };
    let track = analyze_pitch(&audio, &p).unwrap();
    assert_eq!(track.len(), 1 + (a.len() - 1) / 256);
    assert!((track.times_s[3] - 3.0 * 256.0 / 22050.0).abs() < 1e-12);
    assert_eq!(track, analyze_pitch_mono(&a, sr, &p).unwrap());
}

#[test]
fn non_finite_samples_and_bad_parameters_are_errors() {
    let sr = 44100;
    let mut x = tone(440.0, &[1.0], 0.0, sr, 0.2);
    x[100] = f32::NAN;
    assert!(
        matches!(analyze_pitch_mono(&x, sr, &PitchParams::default()), Err(Error::InvalidArgument(m)) if m.contains("NaN"))
    );
    let x = tone(440.0, &[1.0], 0.0, sr, 0.2);
    for (p, needle) in [
        (
            PitchParams {
                fmin_hz: 5.0,
                ..Default::default()
            },
            "fmin_hz",
        ),
        (
            PitchParams {
                fmax_hz: 30000.0,
                ..Default::default()
            },
            "fmax_hz",
        ),
        (
            PitchParams {
                fmax_hz: 50.0,
                ..Default::default()
            },
            "fmax_hz",
        ),
        (
            PitchParams {
                frame_length: Some(512),
                ..Default::default()
            },
            "frame_length",
        ),
        (
            PitchParams {
                hop_length: Some(100_000),
                ..Default::default()
            },
            "hop_length",
        ),
        (
            PitchParams {
                yin_threshold: 1.5,
                ..Default::default()
            },
            "yin_threshold",
        ),
    ] {
        match analyze_pitch_mono(&x, sr, &p) {
            Err(Error::InvalidArgument(m)) => assert!(m.contains(needle), "{m}"),
            other => panic!("{needle}: {other:?}"),
        }
    }
    assert!(matches!(
        analyze_pitch_mono(&x, 10, &PitchParams::default()),
        Err(Error::InvalidArgument(_))
    ));
}

/// A melody of harmonic notes with gaps, legato steps and vibrato: the notes come back with
/// their MIDI numbers, times within 30 ms and levels in order.
#[test]
fn notes_of_a_synthetic_melody() {
    use rust_audio_engine::analysis::{detect_notes, NoteParams};
    let sr = 44100u32;
    // (midi, start, duration, amplitude, vibrato cents)
    let plan = [
        (60u8, 0.20, 0.40, 0.5, 0.0),
        (64, 0.65, 0.30, 0.25, 0.0),
        (67, 0.95, 0.30, 0.25, 40.0), // legato after 64
        (72, 1.40, 0.50, 0.05, 30.0),
        (55, 2.00, 0.25, 0.5, 0.0),
    ];
    let n = (2.5 * f64::from(sr)) as usize;
    let mut x = vec![0.0f32; n];
    for &(midi, start, dur, amp, vib) in &plan {
        let f0 = midi_hz(midi);
        let s0 = (start * f64::from(sr)) as usize;
        let len = (dur * f64::from(sr)) as usize;
        let mut phase = 0.0f64;
        for i in 0..len {
            let t = i as f64 / f64::from(sr);
            let f = f0 * 2f64.powf(vib / 1200.0 * (2.0 * PI * 5.5 * t).sin());
            phase += 2.0 * PI * f / f64::from(sr);
            let env = (t / 0.01).min(1.0) * ((dur - t) / 0.01).min(1.0);
            let s = phase.sin() + 0.5 * (2.0 * phase).sin() + 0.25 * (3.0 * phase).sin();
            x[s0 + i] += (amp * env * s / 1.75) as f32;
        }
    }
    let audio = mono(x, sr);
    let p = PitchParams {
        hop_length: Some(441),
        ..Default::default()
    };
    let (_, notes) = detect_notes(&audio, &p, &NoteParams::default()).unwrap();
    assert_eq!(notes.len(), plan.len(), "{notes:#?}");
    for (note, &(midi, start, dur, amp, vib)) in notes.iter().zip(&plan) {
        assert_eq!(note.midi, midi, "{note:?}");
        // A note holding a cycle and a half of vibrato has its median off-centre.
        let tolerance = if vib > 0.0 { 15.0 } else { 3.0 };
        assert!(note.cents.abs() < tolerance, "{note:?}");
        assert!((note.start_s - start).abs() < 0.03, "{note:?} vs {start}");
        assert!(
            (note.end_s - (start + dur)).abs() < 0.03,
            "{note:?} vs {}",
            start + dur
        );
        // RMS of the tone is about amp * 0.47; the level is within 2 dB of it.
        let expect = 20.0 * (amp * 0.47).log10();
        assert!(
            (f64::from(note.level_db) - expect).abs() < 2.0,
            "{note:?} vs {expect}"
        );
    }
}

/// A piano-like A3 struck three times without a gap (each strike decays, then the next one):
/// the pitch never stops, the onsets split it into three notes.
#[test]
fn re_struck_notes_are_split_at_their_onsets() {
    use rust_audio_engine::analysis::{detect_notes, NoteParams};
    let sr = 44100u32;
    let audio = mono(struck_tone(220.0, sr, 3, 0.4), sr);
    let p = PitchParams {
        hop_length: Some(441),
        ..Default::default()
    };
    let (_, notes) = detect_notes(&audio, &p, &NoteParams::default()).unwrap();
    assert_eq!(notes.len(), 3, "{notes:#?}");
    for (k, n) in notes.iter().enumerate() {
        assert_eq!(n.midi, 57);
        assert!((n.start_s - 0.4 * k as f64).abs() < 0.03, "{n:?}");
    }
    let joined = NoteParams {
        split_on_onsets: false,
        ..Default::default()
    };
    let (_, notes) = detect_notes(&audio, &p, &joined).unwrap();
    assert_eq!(notes.len(), 1, "{notes:#?}");
}
