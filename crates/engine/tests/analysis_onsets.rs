#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Onsets, dynamics and tempo against synthetic signals with known answers, the corpus melody
//! (F-measure at 50 ms against its truth) and music file (loudness), and renders of corpus MIDI
//! files (note-on times and tempo known from the MIDI).

use rust_audio_engine::analysis::{
    analyze_dynamics, detect_onsets, estimate_tempo, level_db, DynamicsParams, OnsetMethod,
    OnsetParams, OnsetTracker, TempoParams,
};
use rust_audio_engine::midi::EventKind;
use rust_audio_engine::{AudioBuffer, MidiFile, MidiLimits};

mod common;
use common::{lesson_midis, mono, testdata_audio, testdata_midi, Rng};

/// mir_eval.onset.f_measure: greedy-free maximum matching is approximated by matching in time
/// order, which is exact when events are further apart than twice the window.
fn f_measure(reference: &[f64], estimated: &[f64], window: f64) -> (f64, f64, f64) {
    let mut used = vec![false; estimated.len()];
    let mut hits = 0;
    for &r in reference {
        let best = estimated
            .iter()
            .enumerate()
            .filter(|(j, &e)| !used[*j] && (e - r).abs() <= window)
            .min_by(|a, b| (a.1 - r).abs().total_cmp(&(b.1 - r).abs()));
        if let Some((j, _)) = best {
            used[j] = true;
            hits += 1;
        }
    }
    let p = hits as f64 / estimated.len().max(1) as f64;
    let r = hits as f64 / reference.len().max(1) as f64;
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (f, p, r)
}

/// A harmonic tone burst: `attack_s` linear attack, exponential decay, damped over 200 ms at
/// the end (a cut of a clean tone in a few ms spreads energy across the spectrum and can read
/// as an onset).
fn add_tone(x: &mut [f32], sr: u32, start_s: f64, dur_s: f64, f0: f64, amp: f32, attack_s: f64) {
    let s0 = (start_s * f64::from(sr)).round() as usize;
    let len = (dur_s * f64::from(sr)) as usize;
    let rel = (0.2 * f64::from(sr)) as usize;
    for i in 0..len.min(x.len().saturating_sub(s0)) {
        let t = i as f64 / f64::from(sr);
        let mut env = (t / attack_s).min(1.0) * (-t / 1.5).exp();
        if i + rel > len {
            // Damped like a piano note: -60 dB over the release. (A release much faster than
            // this starts with a kink that spreads energy across the spectrum; in a clean
            // signal it can read as a weak onset.)
            env *= 1e-3f64.powf((i + rel - len) as f64 / rel as f64);
        }
        let mut v = 0.0;
        for k in 1..=8 {
            let f = f0 * k as f64;
            if f < 0.45 * f64::from(sr) {
                v += (2.0 * std::f64::consts::PI * f * t).sin() / k as f64;
            }
        }
        x[s0 + i] += amp * (env * v * 0.5) as f32;
    }
}

fn click_track(sr: u32, times: &[f64], len_s: f64) -> Vec<f32> {
    let mut x = vec![0.0f32; (len_s * f64::from(sr)) as usize];
    for &t in times {
        let i = (t * f64::from(sr)).round() as usize;
        // A 1 ms decaying burst: a click with some body.
        for k in 0..(sr as usize / 1000) {
            x[i + k] += 0.8
                * (-(k as f32) / (sr as f32 / 4000.0)).exp()
                * if k % 2 == 0 { 1.0 } else { -1.0 };
        }
    }
    x
}

fn times(onsets: &[rust_audio_engine::analysis::Onset]) -> Vec<f64> {
    onsets.iter().map(|o| o.time_s).collect()
}

fn assert_close(found: &[f64], truth: &[f64], tol_s: f64, what: &str) {
    assert_eq!(
        found.len(),
        truth.len(),
        "{what}: found {found:?}, truth {truth:?}"
    );
    for (f, t) in found.iter().zip(truth) {
        assert!(
            (f - t).abs() <= tol_s,
            "{what}: {f:.4} vs {t:.4} (found {found:?})"
        );
    }
}

#[test]
fn clicks_are_found_at_their_times() {
    let truth = [0.25, 0.61, 1.0, 1.333, 1.9];
    for sr in [8000, 22050, 44100, 48000, 96000] {
        let x = click_track(sr, &truth, 2.3);
        for method in [OnsetMethod::SpectralFlux, OnsetMethod::Energy] {
            // Frame centres: within a frame's reach of the click.
            let p = OnsetParams {
                method,
                ..Default::default()
            };
            let plain = times(&detect_onsets(&mono(x.clone(), sr), &p).unwrap());
            assert_close(&plain, &truth, 0.025, &format!("{sr} Hz {method:?}"));
            // Backtracked to the start of the energy rise: within 5 ms.
            let p = OnsetParams {
                method,
                backtrack: true,
                ..Default::default()
            };
            let back = times(&detect_onsets(&mono(x.clone(), sr), &p).unwrap());
            assert_close(
                &back,
                &truth,
                0.005,
                &format!("{sr} Hz {method:?} backtracked"),
            );
        }
    }
}

#[test]
fn tone_bursts_soft_notes_and_repeated_pitches() {
    let sr = 44100;
    let mut x = vec![0.0f32; sr as usize * 4];
    // (start, duration, f0, amplitude): a loud note, a soft one 30 dB down, the same pitch
    // repeated with a 40 ms gap, and a soft note entering while a loud one still sounds.
    let notes = [
        (0.2, 0.5, 220.0, 0.8),
        (0.8, 0.4, 330.0, 0.025),
        (1.3, 0.30, 440.0, 0.5),
        (1.64, 0.30, 440.0, 0.5),
        (2.1, 1.5, 110.0, 0.8),
        (2.8, 0.5, 880.0, 0.1),
    ];
    for &(s, d, f, a) in &notes {
        add_tone(&mut x, sr, s, d, f, a, 0.005);
    }
    // The noise floor of a quiet room (-70 dBFS).
    let mut rng = Rng::new(3);
    for v in &mut x {
        *v += 3.2e-4 * rng.gauss();
    }
    let truth: Vec<f64> = notes.iter().map(|n| n.0).collect();
    let p = OnsetParams {
        backtrack: true,
        ..Default::default()
    };
    let found = times(&detect_onsets(&mono(x.clone(), sr), &p).unwrap());
    // Backtracking follows broadband energy, so it places notes that start from silence or
    // from a decay within 5 ms, but not a soft note entering under a louder one (the last).
    assert_close(&found[..5], &truth[..5], 0.005, "tone bursts, backtracked");
    assert_close(
        &found[5..],
        &truth[5..],
        0.035,
        "soft note under a loud one, backtracked",
    );
    let plain = times(&detect_onsets(&mono(x, sr), &OnsetParams::default()).unwrap());
    assert_close(&plain, &truth, 0.025, "tone bursts");
}

#[test]
fn vibrato_and_steady_tones_give_one_onset() {
    let sr = 44100;
    let n = sr as usize * 3;
    let mut x = vec![0.0f32; n];
    // A violin-like tone with 6 Hz, +-80 cent vibrato and 4 Hz tremolo of 3 dB.
    let mut phase = 0.0f64;
    for (i, v) in x.iter_mut().enumerate().skip(sr as usize / 10) {
        let t = i as f64 / f64::from(sr);
        let f = 440.0 * 2f64.powf(0.8 / 12.0 * (2.0 * std::f64::consts::PI * 6.0 * t).sin());
        phase += 2.0 * std::f64::consts::PI * f / f64::from(sr);
        let amp = 0.3 * (1.0 + 0.18 * (2.0 * std::f64::consts::PI * 4.0 * t).sin());
        let env = ((t - 0.1) / 0.03).min(1.0);
        *v = (amp
            * env
            * (1..=10)
                .map(|k| (k as f64 * phase).sin() / k as f64)
                .sum::<f64>()) as f32;
    }
    let found = detect_onsets(&mono(x, sr), &OnsetParams::default()).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!((found[0].time_s - 0.1).abs() < 0.025, "{found:?}");
}

#[test]
fn degenerate_inputs() {
    let sr = 44100;
    let p = OnsetParams::default();
    let n = sr as usize * 2;
    let dc = vec![0.5f32; n];
    let found = detect_onsets(&mono(dc, sr), &p).unwrap();
    assert!(found.is_empty(), "DC: {found:?}");
    // Clipped steady sine: a square-ish wave, no onsets.
    let clipped: Vec<f32> = (0..n)
        .map(|i| {
            (3.0 * (2.0 * std::f32::consts::PI * 200.0 * i as f32 / sr as f32).sin())
                .clamp(-1.0, 1.0)
        })
        .collect();
    assert!(
        detect_onsets(&mono(clipped, sr), &p).unwrap().is_empty(),
        "clipping"
    );
    // Steady white noise: nothing after its start.
    let mut rng = Rng::new(7);
    let noise: Vec<f32> = (0..n).map(|_| 0.3 * rng.gauss()).collect();
    for method in [OnsetMethod::SpectralFlux, OnsetMethod::Energy] {
        let p = OnsetParams {
            method,
            ..Default::default()
        };
        let found = detect_onsets(&mono(noise.clone(), sr), &p).unwrap();
        assert!(
            found.len() <= 1 && found.iter().all(|o| o.time_s < 0.03),
            "noise {method:?}: {found:?}"
        );
    }
    // Shorter than one frame, and stereo.
    let short = detect_onsets(&mono(vec![0.3; 100], sr), &p).unwrap();
    assert!(short.is_empty());
    let stereo = AudioBuffer::new(
        vec![click_track(sr, &[0.5], 1.0), vec![0.0; sr as usize]],
        sr,
    )
    .unwrap();
    assert_eq!(detect_onsets(&stereo, &p).unwrap().len(), 1);
    // NaN and infinity never reach the detectors: a buffer cannot hold them.
    let mut bad = vec![0.0f32; 1000];
    bad[10] = f32::NAN;
    assert!(AudioBuffer::new(vec![bad.clone()], sr).is_err());
    bad[10] = f32::INFINITY;
    assert!(AudioBuffer::new(vec![bad], sr).is_err());
}

fn melody() -> (AudioBuffer, Vec<f64>) {
    let dir = testdata_audio();
    let audio = rust_audio_engine::read_audio(&dir.join("melody_mono_30s.wav"), 3600.0).unwrap();
    let truth: Vec<f64> = std::fs::read_to_string(dir.join("melody_onsets.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.trim().parse().unwrap())
        .collect();
    (audio, truth)
}

#[test]
fn corpus_melody_f_measure() {
    let (audio, truth) = melody();
    for (method, backtrack) in [
        (OnsetMethod::SpectralFlux, false),
        (OnsetMethod::SpectralFlux, true),
        (OnsetMethod::Energy, false),
    ] {
        let p = OnsetParams {
            method,
            backtrack,
            ..Default::default()
        };
        let found = times(&detect_onsets(&audio, &p).unwrap());
        let (f, prec, rec) = f_measure(&truth, &found, 0.05);
        eprintln!(
            "{method:?} backtrack={backtrack}: F {f:.3} P {prec:.3} R {rec:.3} ({} found)",
            found.len()
        );
        assert!(f >= 0.95, "{method:?} backtrack={backtrack}: F {f:.3}");
    }
    // A quieter recording (-30 dB) of the same performance is still found.
    let quiet = AudioBuffer::new(
        vec![audio.channels()[0].iter().map(|x| x * 0.0316).collect()],
        audio.sample_rate(),
    )
    .unwrap();
    let found = times(&detect_onsets(&quiet, &OnsetParams::default()).unwrap());
    let (f, _, _) = f_measure(&truth, &found, 0.05);
    eprintln!("-30 dB: F {f:.3}");
    assert!(f >= 0.95, "-30 dB: F {f:.3}");
}

#[test]
fn tracker_is_chunk_invariant_and_matches_offline() {
    let (audio, _) = melody();
    let x: Vec<f32> = audio.channels()[0][..audio.sample_rate() as usize * 6].to_vec();
    for p in [
        OnsetParams::default(),
        OnsetParams {
            method: OnsetMethod::Energy,
            backtrack: true,
            ..Default::default()
        },
    ] {
        let offline = detect_onsets(&mono(x.clone(), audio.sample_rate()), &p).unwrap();
        assert!(offline.len() >= 8);
        let mut rng = Rng::new(12345);
        for round in 0..4 {
            let mut t = OnsetTracker::new(audio.sample_rate(), p.clone()).unwrap();
            assert!(t.latency_s() <= 0.050);
            let mut got = Vec::new();
            let mut pos = 0;
            while pos < x.len() {
                let size = match round {
                    0 => 1,
                    1 => 65536,
                    _ => {
                        // Tiny or large chunks, at random.
                        let max = if rng.below(2) == 0 { 64 } else { 8192 };
                        1 + rng.below(max)
                    }
                };
                let end = (pos + size).min(x.len());
                got.extend(t.process(&x[pos..end]));
                pos = end;
            }
            got.extend(t.flush());
            assert_eq!(got, offline, "round {round}");
            // After a flush the tracker starts a new stream.
            let mut again = t.process(&x);
            again.extend(t.flush());
            assert_eq!(again, offline);
        }
    }
}

#[test]
fn streaming_reports_onsets_within_its_latency() {
    let sr = 48000;
    let truth = [0.3, 0.9, 1.4];
    let x = click_track(sr, &truth, 2.0);
    let mut t = OnsetTracker::new(sr, OnsetParams::default()).unwrap();
    let latency = t.latency_s();
    let hop = 480;
    for (k, chunk) in x.chunks(hop).enumerate() {
        let now = ((k + 1) * hop) as f64 / f64::from(sr);
        for o in t.process(chunk) {
            let click = truth
                .iter()
                .copied()
                .find(|c| (c - o.time_s).abs() < 0.03)
                .unwrap();
            assert!(
                now - click <= latency + 0.011,
                "onset of {click} reported at {now}"
            );
        }
    }
}

#[test]
fn tempo_of_click_tracks() {
    let sr = 44100;
    for bpm in [90.0, 120.0, 150.0] {
        let period = 60.0 / bpm;
        let beats: Vec<f64> = (0..((12.0 / period) as usize))
            .map(|k| 0.5 + k as f64 * period)
            .collect();
        let x = click_track(sr, &beats, 13.0);
        let t = estimate_tempo(&mono(x, sr), &TempoParams::default()).unwrap();
        eprintln!(
            "{bpm}: {:.2} BPM, confidence {:.2}, {} beats",
            t.bpm,
            t.confidence,
            t.beats_s.len()
        );
        assert!((t.bpm / bpm - 1.0).abs() < 0.02, "{bpm}: {}", t.bpm);
        assert!(t.confidence > 0.5);
        // Beats land on the clicks.
        let on_click = t
            .beats_s
            .iter()
            .filter(|b| beats.iter().any(|c| (*b - c).abs() < 0.03))
            .count();
        assert!(
            t.beats_s.len() >= beats.len() - 2 && on_click >= t.beats_s.len() - 1,
            "{bpm}: {:?}",
            t.beats_s
        );
    }
}

#[test]
fn dynamics_of_the_corpus_music() {
    let dir = testdata_audio();
    let audio = rust_audio_engine::read_audio(&dir.join("music_stereo_30s.wav"), 3600.0).unwrap();
    let d = analyze_dynamics(&audio, &DynamicsParams::default()).unwrap();
    eprintln!(
        "integrated {:.3} LUFS, true peak {:.3} dBTP, sample peak {:.3}, LRA {:.2}",
        d.integrated_lufs, d.true_peak_db, d.sample_peak_db, d.loudness_range_lu
    );
    // pyloudnorm: -13.69 LUFS; 4x oversampled true peak -0.99 dBTP; sample peak -1 dBFS.
    assert!(
        (d.integrated_lufs + 13.69).abs() < 0.1,
        "{}",
        d.integrated_lufs
    );
    assert!((d.true_peak_db + 0.99).abs() < 0.1, "{}", d.true_peak_db);
    assert!((d.sample_peak_db + 1.0).abs() < 0.01);
    assert!(d.true_peak_db >= d.sample_peak_db);
    assert_eq!(d.rms_db.len(), audio.frames() / 512 + 1);
    assert!(d.momentary_lufs.len() == 300 && d.short_term_lufs.len() == 300);
    // Crest factor is peak minus the whole-signal RMS.
    assert!((d.crest_factor_db - (d.sample_peak_db - d.rms_total_db)).abs() < 1e-9);
    // A note's level: the loudest second is louder than the whole-signal RMS.
    let m: Vec<f32> = audio.channels()[0].clone();
    assert!(level_db(&m, audio.sample_rate(), 0.0, 30.0).is_finite());
}

/// Note-on times of a MIDI file, chords (note-ons within 30 ms) merged.
fn note_ons(midi: &MidiFile) -> Vec<f64> {
    let mut t: Vec<f64> = midi
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Channel { command: 0x90, data2, .. } if data2 > 0))
        .map(|e| e.time_s)
        .collect();
    t.sort_by(f64::total_cmp);
    let mut out: Vec<f64> = Vec::new();
    for x in t {
        if out.last().is_none_or(|l| x - l > 0.03) {
            out.push(x);
        }
    }
    out
}

#[test]
fn onsets_and_tempo_of_rendered_midi() {
    let prokofiev = "piano_prokofiev_etude_op2no1.mid";
    let mut pieces: Vec<(&str, Vec<u8>)> = lesson_midis()
        .into_iter()
        .map(|(name, bytes, _)| (name, bytes))
        .collect();
    pieces.push((
        prokofiev,
        std::fs::read(testdata_midi().join(prokofiev)).unwrap(),
    ));
    for (name, bytes) in pieces {
        let midi = MidiFile::parse(&bytes, name.as_ref(), &MidiLimits::default()).unwrap();
        let rendered = rust_audio_engine::render(
            rust_audio_engine::MidiSource::Bytes(&bytes),
            &rust_audio_engine::SoundFontSource::Default,
            &rust_audio_engine::RenderOptions::default(),
        )
        .unwrap();
        // The first 30 s are enough and keep the test quick.
        let sr = rendered.audio.sample_rate();
        let keep = (30 * sr) as usize;
        let mut channels = rendered.audio.into_channels();
        for c in &mut channels {
            c.truncate(keep);
        }
        let audio = AudioBuffer::new(channels, sr).unwrap();
        let truth: Vec<f64> = note_ons(&midi).into_iter().filter(|&t| t < 29.9).collect();
        let found = times(&detect_onsets(&audio, &OnsetParams::default()).unwrap());
        let (f, p, r) = f_measure(&truth, &found, 0.05);
        let summary = midi.summary();
        let tempo = estimate_tempo(&audio, &TempoParams::default()).unwrap();
        eprintln!(
            "{name}: {} notes, F {f:.3} P {p:.3} R {r:.3}; MIDI {:.1} BPM, estimated {:.1}",
            truth.len(),
            summary.initial_bpm,
            tempo.bpm
        );
        assert!(f >= 0.95, "{name}: F {f:.3}");
        // These pieces keep their opening tempo through the first 30 s.
        assert!(
            (tempo.bpm / summary.initial_bpm - 1.0).abs() < 0.02,
            "{name}: {} BPM vs {}",
            tempo.bpm,
            summary.initial_bpm
        );
    }
}
