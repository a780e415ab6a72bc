use super::*;
use crate::midi::{MidiFile, MidiLimits};
use std::path::Path;

/// Activations of `n` frames, all zero.
fn zeros(n: usize) -> Activations {
    Activations {
        frame_rate: f64::from(SAMPLE_RATE) / FFT_HOP as f64,
        onsets: vec![[0.0; KEYS]; n],
        frames: vec![[0.0; KEYS]; n],
        contour: vec![[0.0; CONTOUR_BINS]; n],
    }
}

/// A struck note: an onset peak at `start` (0.9, with 0.4 on either side), the note
/// activation at `level` from `start` to `end`, and its contour bin lit.
fn strike(a: &mut Activations, key: usize, start: usize, end: usize, onset: f32, level: f32) {
    a.onsets[start][key] = onset;
    a.onsets[start - 1][key] = a.onsets[start - 1][key].max(onset * 0.4);
    a.onsets[start + 1][key] = a.onsets[start + 1][key].max(onset * 0.4);
    for t in start..end {
        a.frames[t][key] = a.frames[t][key].max(level);
        a.contour[t][3 * key] = level;
    }
}

#[test]
fn frame_times_follow_the_windows_and_the_package_formula() {
    let a = zeros(400);
    assert_eq!(a.frame_time(0), 0.0);
    assert!((a.frame_time(141) - 141.0 * 256.0 / 22050.0).abs() < 1e-12);
    // Frame 142 is the second window's first kept frame: 36,164 samples in.
    assert!((a.frame_time(142) - 36164.0 / 22050.0).abs() < 1e-12);
    assert_eq!(a.frame_at(a.frame_time(300)), 300);
    // The package's formula: no correction before frame 172, then 10.3 ms less per 172 frames.
    let hop = 256.0 / 22050.0;
    assert!((Activations::package_frame_time(171) - 171.0 * hop).abs() < 1e-12);
    let off = hop * (172.0 - 43844.0 / 256.0) + 0.0018;
    assert!((Activations::package_frame_time(172) - (172.0 * hop - off)).abs() < 1e-12);
    for k in 0..400 {
        assert!(
            (Activations::package_frame_time(k) - a.frame_time(k)).abs() < 0.011,
            "{k}"
        );
    }
}

#[test]
fn reference_mode_follows_onsets_frames_and_the_melodia_trick() {
    let mut a = zeros(200);
    // A struck C4 (key 39) for 30 frames.
    strike(&mut a, 39, 10, 40, 0.9, 0.8);
    // An E4 (key 43) held without any onset, nor any rise the onset inference can see (it
    // fades in): the melodia trick finds it.
    for t in 60..100 {
        a.frames[t][43] = (0.2 + 0.02 * (t - 60) as f32).min(0.7);
    }
    // A struck note too short to keep (10 frames: the package needs more than 11).
    strike(&mut a, 50, 120, 130, 0.9, 0.8);
    let notes = notes(&a, Mode::Reference);
    let got: Vec<(u8, usize)> = notes
        .iter()
        .map(|n| (n.pitch, a.frame_at(n.start_s)))
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(got[0], (60, 10));
    assert_eq!(notes[1].pitch, 64);
    // The struck note ends where its activation ends; velocity is 127 x its mean level.
    assert!((notes[0].end_s - Activations::package_frame_time(40)).abs() < 1e-9);
    assert_eq!(notes[0].velocity, (127.0f32 * 0.8).round() as u8);
    // Pitch bends: one per frame, 0 where the contour peaks at the key's own bin.
    assert_eq!(notes[0].pitch_bends, vec![0; 30]);
}

#[test]
fn reference_mode_can_go_without_the_melodia_trick() {
    let mut a = zeros(120);
    for t in 20..80 {
        a.frames[t][43] = 0.7;
    }
    let p = ReferenceParams {
        melodia_trick: false,
        infer_onsets: false,
        ..Default::default()
    };
    assert!(reference::notes(&a, &p).is_empty());
    assert_eq!(reference::notes(&a, &ReferenceParams::default()).len(), 1);
}

#[test]
fn piano_mode_drops_harmonic_ghosts_and_retriggers_but_keeps_real_notes() {
    let mut a = zeros(300);
    // C3 (key 27) struck hard; its octave and twelfth light up weakly at the same time.
    strike(&mut a, 27, 10, 90, 0.95, 0.9);
    strike(&mut a, 39, 11, 60, 0.55, 0.5);
    strike(&mut a, 46, 10, 50, 0.52, 0.4);
    // A real octave played with the same force (a chord): kept.
    strike(&mut a, 31, 120, 200, 0.9, 0.85);
    strike(&mut a, 43, 120, 200, 0.9, 0.85);
    // A re-trigger: a second, weaker onset peak while G3 sounds on without a dip.
    strike(&mut a, 34, 220, 290, 0.9, 0.8);
    a.onsets[240][34] = 0.6;
    let notes = notes(&a, Mode::Piano);
    let got: Vec<(u8, usize)> = notes
        .iter()
        .map(|n| (n.pitch, a.frame_at(n.start_s)))
        .collect();
    assert_eq!(
        got,
        vec![(48, 10), (52, 120), (64, 120), (55, 220)],
        "{notes:?}"
    );
    // Offsets come from the note activation.
    assert_eq!(a.frame_at(notes[0].end_s), 90);
    assert!(notes.iter().all(|n| n.pitch_bends.is_empty()));
}

#[test]
fn piano_mode_keeps_repeated_strikes_of_one_key() {
    let mut a = zeros(200);
    // The same key struck three times, its activation dipping between strikes.
    for s in [10, 60, 110] {
        strike(&mut a, 40, s, s + 40, 0.9, 0.8);
        for t in s + 40..s + 50 {
            a.frames[t][40] = 0.1;
        }
    }
    let notes = notes(&a, Mode::Piano);
    let starts: Vec<usize> = notes.iter().map(|n| a.frame_at(n.start_s)).collect();
    assert_eq!(starts, vec![10, 60, 110], "{notes:?}");
}

#[test]
fn silence_gives_no_notes() {
    let a = zeros(500);
    assert!(notes(&a, Mode::Reference).is_empty());
    assert!(notes(&a, Mode::Piano).is_empty());
}

#[test]
fn midi_bytes_round_trip_through_the_midi_reader() {
    let notes = vec![
        TranscribedNote {
            start_s: 0.5,
            end_s: 1.0,
            pitch: 60,
            velocity: 90,
            pitch_bends: vec![0, 1, 1, 0],
        },
        TranscribedNote {
            start_s: 1.25,
            end_s: 2.0,
            pitch: 64,
            velocity: 70,
            pitch_bends: Vec::new(),
        },
        TranscribedNote {
            start_s: 1.25,
            end_s: 1.5,
            pitch: 67,
            velocity: 1,
            pitch_bends: Vec::new(),
        },
    ];
    let bytes = midi_bytes(&notes);
    let m = MidiFile::parse(
        &bytes,
        Path::new("t.mid"),
        &MidiLimits {
            strict: true,
            ..Default::default()
        },
    )
    .unwrap();
    let s = m.summary();
    assert_eq!(s.format, 0);
    let read = m.notes();
    assert_eq!(read.len(), 3);
    for (r, n) in read.iter().zip(&notes) {
        assert_eq!(r.key, n.pitch);
        assert_eq!(r.velocity, n.velocity);
        assert!((r.start_s - n.start_s).abs() < 0.002, "{r:?}");
        assert!((r.start_s + r.duration_s - n.end_s).abs() < 0.002, "{r:?}");
    }
    // The first note overlaps nothing: its bends are written (and reset after it).
    assert!(bytes.windows(1).any(|w| w[0] == 0xE0));
}

#[test]
fn too_short_and_empty_audio_are_refused() {
    let short = AudioBuffer::silence(1, 4000, 44100);
    let e = model_input(&short, SAMPLE_RATE, "take.wav").unwrap_err();
    assert!(matches!(e, Error::AudioFormat { .. }), "{e}");
    assert!(e.to_string().contains("take.wav"), "{e}");
    let empty = AudioBuffer::silence(2, 0, 44100);
    assert!(model_input(&empty, SAMPLE_RATE, "x").is_err());
    let long = AudioBuffer::silence(1, 1201 * 8000, 8000);
    assert!(matches!(
        model_input(&long, SAMPLE_RATE, "x").unwrap_err(),
        Error::Limit { .. }
    ));
    let ok = AudioBuffer::silence(2, 44100, 44100);
    let mono = model_input(&ok, SAMPLE_RATE, "x").unwrap();
    assert_eq!(mono.len(), 22050);
}
