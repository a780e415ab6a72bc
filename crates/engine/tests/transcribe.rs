//! Transcription end to end: lessons rendered through two real SoundFonts (with reverb) and
//! transcribed, against their MIDI truth; the MIDI written; bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: failures should panic loudly

mod common;

use common::{font, lesson_midis, FLUID, TIMGM};
use rust_audio_engine::transcribe::Mode;
use rust_audio_engine::{
    render, transcribe_audio, transcribe_to_midi, AudioBuffer, Error, MidiFile, MidiLimits,
    MidiSource, RenderOptions, TranscribeOptions,
};

/// Note F1 as mir_eval's `precision_recall_f1_overlap` with `offset_ratio=None`: a match needs
/// the same pitch and onsets within `window` seconds; each note matches once (greedy by
/// onset distance, exact for notes of one pitch further apart than twice the window).
fn note_f1(truth: &[(f64, u8)], est: &[(f64, u8)], window: f64) -> (f64, f64, f64) {
    let mut used = vec![false; est.len()];
    let mut hits = 0usize;
    for &(t, p) in truth {
        let best = est
            .iter()
            .enumerate()
            .filter(|(j, &(e, q))| !used[*j] && q == p && (e - t).abs() <= window)
            .min_by(|a, b| (a.1 .0 - t).abs().total_cmp(&(b.1 .0 - t).abs()));
        if let Some((j, _)) = best {
            used[j] = true;
            hits += 1;
        }
    }
    let p = hits as f64 / est.len().max(1) as f64;
    let r = hits as f64 / truth.len().max(1) as f64;
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (f, p, r)
}

#[test]
fn lessons_rendered_through_two_soundfonts_transcribe_to_their_notes() {
    let mut worst = f64::INFINITY;
    for (name, bytes, _) in lesson_midis() {
        let midi = MidiFile::parse(&bytes, name.as_ref(), &MidiLimits::default()).unwrap();
        let truth: Vec<(f64, u8)> = midi.notes().iter().map(|n| (n.start_s, n.key)).collect();
        for sf in [FLUID, TIMGM] {
            let opts = RenderOptions {
                reverb: true,
                ..Default::default()
            };
            let audio = render(MidiSource::Bytes(&bytes), &font(sf), &opts)
                .unwrap()
                .audio;
            for mode in [Mode::Piano, Mode::Reference] {
                let t = transcribe_audio(
                    &audio,
                    &TranscribeOptions {
                        mode,
                        threads: None,
                    },
                    name,
                )
                .unwrap();
                assert!(!t.activations.is_empty());
                let est: Vec<(f64, u8)> = t.notes.iter().map(|n| (n.start_s, n.pitch)).collect();
                let (f, p, r) = note_f1(&truth, &est, 0.05);
                eprintln!("{name} / {sf} / {mode:?}: F1 {f:.3} (P {p:.3}, R {r:.3})");
                if mode == Mode::Piano {
                    worst = worst.min(f);
                }
                assert!(
                    f >= 0.65,
                    "{name} / {sf} / {mode:?}: F1 {f:.3} (P {p:.3}, R {r:.3})"
                );
            }
        }
    }
    assert!(worst >= 0.75, "piano mode's worst F1 {worst:.3}");
}

#[test]
fn transcribe_to_midi_writes_a_file_the_midi_reader_reads_back() {
    let (name, bytes, _) = &lesson_midis()[0];
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("take.wav");
    let audio = render(
        MidiSource::Bytes(bytes),
        &font(FLUID),
        &RenderOptions::default(),
    )
    .unwrap()
    .audio;
    rust_audio_engine::write_audio(&wav, &audio, rust_audio_engine::OutputFormat::Wav16).unwrap();
    let out = dir.path().join("take.mid");
    let t = transcribe_to_midi(&wav, &out, &TranscribeOptions::default()).unwrap();
    assert_eq!(t.midi.as_deref(), Some(out.display().to_string().as_str()));
    let back = MidiFile::parse(&std::fs::read(&out).unwrap(), &out, &MidiLimits::default())
        .unwrap()
        .notes();
    assert_eq!(back.len(), t.notes.len(), "{name}");
    for (b, n) in back.iter().zip(&t.notes) {
        assert_eq!(b.key, n.pitch);
        assert!((b.start_s - n.start_s).abs() < 0.001);
    }
    // The JSON carries the notes and how they were made.
    let json: serde_json::Value = serde_json::from_str(&t.to_json().unwrap()).unwrap();
    assert_eq!(json["mode"], "piano");
    assert_eq!(json["notes"].as_array().unwrap().len(), t.notes.len());
}

#[test]
fn bad_input_is_refused_with_a_typed_error_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mid");
    let opts = TranscribeOptions::default();
    // Missing file.
    let e = transcribe_to_midi(&dir.path().join("none.wav"), &out, &opts).unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e}");
    // Not audio.
    let junk = dir.path().join("junk.wav");
    std::fs::write(&junk, b"RIFF this is not a wave file at all").unwrap();
    let e = transcribe_to_midi(&junk, &out, &opts).unwrap_err();
    assert!(e.to_string().contains("junk.wav"), "{e}");
    // Too short.
    let short = dir.path().join("short.wav");
    let audio = AudioBuffer::silence(1, 2205, 44100);
    rust_audio_engine::write_audio(&short, &audio, rust_audio_engine::OutputFormat::Wav16).unwrap();
    let e = transcribe_to_midi(&short, &out, &opts).unwrap_err();
    assert!(matches!(e, Error::AudioFormat { .. }), "{e}");
    assert!(e.to_string().contains("short.wav"), "{e}");
    // The output may not be the input.
    let e = transcribe_to_midi(&short, &short, &opts).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    // Silence is valid and has no notes.
    let silence = AudioBuffer::silence(2, 44100, 44100);
    let t = transcribe_audio(&silence, &opts, "silence").unwrap();
    assert!(t.notes.is_empty());
}
