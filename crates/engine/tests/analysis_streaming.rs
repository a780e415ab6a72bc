//! The streaming analyser: the same events whatever the chunking, latency as reported, pitch
//! and notes that match the signal, and degenerate input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::f64::consts::PI;

use rust_audio_engine::analysis::{Event, StreamingAnalyzer, StreamingParams};

mod common;
use common::{cents, midi_hz, noise, struck_tone, Rng};

const SR: u32 = 44100;

/// (midi, start s, duration s, amplitude): a short melody with a gap, a legato step and a
/// repeated note.
const PLAN: [(u8, f64, f64, f64); 5] = [
    (60, 0.10, 0.40, 0.5),
    (64, 0.60, 0.30, 0.3),
    (67, 0.90, 0.30, 0.3),
    (45, 1.30, 0.40, 0.6),
    (76, 1.80, 0.30, 0.2),
];

fn melody() -> Vec<f32> {
    // A faint noise floor (-60 dBFS peak) under the notes.
    let n = (2.3 * f64::from(SR)) as usize;
    let mut x: Vec<f32> = noise(n, 12345).iter().map(|v| 0.001 * v).collect();
    for &(midi, start, dur, amp) in &PLAN {
        let f0 = midi_hz(midi);
        let s0 = (start * f64::from(SR)) as usize;
        for i in 0..(dur * f64::from(SR)) as usize {
            let t = i as f64 / f64::from(SR);
            let env = (t / 0.005).min(1.0) * ((dur - t) / 0.01).min(1.0) * (-t / 1.5).exp();
            let p = 2.0 * PI * f0 * t;
            x[s0 + i] += (amp * env * (p.sin() + 0.5 * (2.0 * p).sin() + 0.3 * (3.0 * p).sin())
                / 1.8) as f32;
        }
    }
    x
}

fn run(x: &[f32], chunks: &mut dyn FnMut() -> usize) -> Vec<Event> {
    let mut a = StreamingAnalyzer::new(SR, StreamingParams::default()).unwrap();
    let mut events = Vec::new();
    let mut pos = 0;
    while pos < x.len() {
        let n = chunks().clamp(1, 65536).min(x.len() - pos);
        events.extend(a.process(&x[pos..pos + n]).unwrap());
        pos += n;
    }
    events.extend(a.flush().unwrap());
    events
}

fn key(events: &[Event]) -> Vec<String> {
    // Debug prints f32 exactly enough to tell bit patterns apart (and NaN equals NaN).
    events.iter().map(|e| format!("{e:?}")).collect()
}

#[test]
fn events_do_not_depend_on_chunk_sizes() {
    let x = melody();
    let whole = key(&run(&x, &mut || usize::MAX));
    assert!(whole.len() > 300);
    let (mut small, mut large) = (Rng::new(7), Rng::new(7));
    for (name, mut f) in [
        ("1 sample", Box::new(|| 1usize) as Box<dyn FnMut() -> usize>),
        ("random up to 64", Box::new(move || 1 + small.below(64))),
        (
            "random up to 65536",
            Box::new(move || 1 + large.below(65536)),
        ),
        ("441", Box::new(|| 441)),
        ("65536", Box::new(|| 65536)),
    ] {
        let got = key(&run(&x, &mut f));
        assert_eq!(got.len(), whole.len(), "{name}");
        for (i, (a, b)) in got.iter().zip(&whole).enumerate() {
            assert_eq!(a, b, "{name}: event {i} differs");
        }
    }
}

#[test]
fn pitch_notes_and_onsets_match_the_melody() {
    let x = melody();
    let events = run(&x, &mut || 512);
    let pitch: Vec<_> = events
        .iter()
        .filter_map(|e| {
            if let Event::Pitch(p) = e {
                Some(*p)
            } else {
                None
            }
        })
        .collect();
    let a = StreamingAnalyzer::new(SR, StreamingParams::default()).unwrap();
    // One pitch frame per hop, centred like the offline tracker's.
    assert_eq!(
        pitch.len(),
        1 + (x.len() - 1) / (a.hop_s() * f64::from(SR)).round() as usize
    );
    let mut checked = 0;
    for p in &pitch {
        let inside = PLAN
            .iter()
            .find(|n| p.time_s > n.1 + 0.03 && p.time_s < n.1 + n.2 - 0.03);
        let silent = PLAN
            .iter()
            .all(|n| p.time_s < n.1 - 0.03 || p.time_s > n.1 + n.2 + 0.03);
        if let Some(&(midi, ..)) = inside {
            assert!(p.voiced, "{p:?}");
            let c = cents(f64::from(p.f0_hz), midi_hz(midi));
            assert!(c.abs() < 5.0, "{p:?}: {c} cents");
            checked += 1;
        }
        if silent {
            assert!(!p.voiced, "{p:?}");
        }
    }
    assert!(checked > 200);
    let ends: Vec<_> = events
        .iter()
        .filter_map(|e| {
            if let Event::NoteEnd(n) = e {
                Some(n.clone())
            } else {
                None
            }
        })
        .collect();
    let starts = events
        .iter()
        .filter(|e| matches!(e, Event::NoteStart(_)))
        .count();
    assert_eq!(ends.len(), PLAN.len(), "{ends:#?}");
    assert_eq!(starts, PLAN.len());
    for (n, &(midi, start, dur, _)) in ends.iter().zip(&PLAN) {
        assert_eq!(n.midi, midi);
        assert!((n.start_s - start).abs() < 0.03, "{n:?}");
        assert!((n.end_s - start - dur).abs() < 0.03, "{n:?}");
    }
    let onsets: Vec<f64> = events
        .iter()
        .filter_map(|e| {
            if let Event::Onset(o) = e {
                Some(o.time_s)
            } else {
                None
            }
        })
        .collect();
    for &(_, start, ..) in &PLAN {
        assert!(
            onsets.iter().any(|t| (t - start).abs() < 0.05),
            "no onset near {start}: {onsets:?}"
        );
    }
    // Events come out in time order.
    let times: Vec<f64> = events
        .iter()
        .filter(|e| matches!(e, Event::Pitch(_) | Event::Onset(_)))
        .map(Event::time_s)
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn events_arrive_within_the_reported_latency() {
    let x = melody();
    let mut a = StreamingAnalyzer::new(SR, StreamingParams::default()).unwrap();
    let latency = a.latency_s();
    assert!(latency <= 0.05, "{latency}");
    assert!(a.pitch_latency_s() <= 0.05 && a.onset_latency_s() <= 0.05);
    let mut worst = 0.0f64;
    for (i, s) in x.iter().enumerate() {
        let now = (i + 1) as f64 / f64::from(SR);
        for e in a.process(std::slice::from_ref(s)).unwrap() {
            if matches!(e, Event::Pitch(_) | Event::Onset(_)) {
                worst = worst.max(now - e.time_s());
            }
        }
    }
    assert!(
        worst <= latency + 1e-9,
        "worst {worst} > reported {latency}"
    );
    assert!(
        worst > latency - 0.002,
        "reported latency {latency} is not tight ({worst})"
    );
}

#[test]
fn silence_noise_and_bad_input() {
    let mut a = StreamingAnalyzer::new(48000, StreamingParams::default()).unwrap();
    let mut events = a.process(&vec![0.0; 48000]).unwrap();
    events.extend(a.flush().unwrap());
    assert!(
        events
            .iter()
            .all(|e| matches!(e, Event::Pitch(p) if !p.voiced)),
        "silence"
    );
    let white: Vec<f32> = noise(48000, 1).iter().map(|v| 0.5 * v).collect();
    let mut events = a.process(&white).unwrap();
    events.extend(a.flush().unwrap());
    let voiced = events
        .iter()
        .filter(|e| matches!(e, Event::Pitch(p) if p.voiced))
        .count();
    let frames = events
        .iter()
        .filter(|e| matches!(e, Event::Pitch(_)))
        .count();
    assert!(voiced * 20 <= frames, "noise: {voiced} of {frames} voiced");
    assert!(!events.iter().any(|e| matches!(e, Event::NoteEnd(_))));
    assert!(a.process(&[0.0, f32::NAN]).is_err());
    // Nothing was consumed: the stream is still usable.
    assert!(a.process(&[0.0; 10]).is_ok());
    assert!(StreamingAnalyzer::new(
        SR,
        StreamingParams {
            fmin_hz: 1.0,
            ..Default::default()
        }
    )
    .is_err());
    assert!(StreamingAnalyzer::new(
        SR,
        StreamingParams {
            lag_frames: 1000,
            ..Default::default()
        }
    )
    .is_err());
    // A stream shorter than one frame still gives its frames.
    let mut events = a.process(&[0.1; 100]).unwrap();
    events.extend(a.flush().unwrap());
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Event::Pitch(_)))
            .count(),
        1
    );
}

#[test]
fn re_struck_notes_are_split_live() {
    let x = struck_tone(220.0, SR, 3, 0.4);
    let events = run(&x, &mut || 1000);
    let ends: Vec<_> = events
        .iter()
        .filter_map(|e| {
            if let Event::NoteEnd(n) = e {
                Some(n.clone())
            } else {
                None
            }
        })
        .collect();
    assert_eq!(ends.len(), 3, "{ends:#?}");
    assert!(ends.iter().all(|n| n.midi == 57));
}
