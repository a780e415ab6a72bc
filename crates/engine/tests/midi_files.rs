//! MIDI files that break the standard, built byte by byte, through the render and information
//! operations: each recovery reaches the report with its byte offset, strict mode refuses the
//! file at that byte, and what the repaired file means is what is heard (pitches measured on the
//! render with the built-in font). Also the General MIDI 2 messages the synthesizer follows:
//! master tuning, bank select 120/121, portamento control.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: failures should panic loudly

use rust_audio_engine::analysis::{analyze_pitch, PitchParams};
use rust_audio_engine::{
    midi_info, render, Error, Limits, MidiSource, Recovery, RenderOptions, Rendered,
    SoundFontSource,
};

const TPQ: u16 = 96;
const END: [u8; 4] = [0x00, 0xFF, 0x2F, 0x00];

/// A file of `tracks` (each chunk holds exactly the bytes given) at 120 BPM, 96 ticks a quarter.
fn smf(format: u16, tracks: &[Vec<u8>]) -> Vec<u8> {
    let mut b = b"MThd".to_vec();
    b.extend_from_slice(&6u32.to_be_bytes());
    b.extend_from_slice(&format.to_be_bytes());
    b.extend_from_slice(&(tracks.len() as u16).to_be_bytes());
    b.extend_from_slice(&TPQ.to_be_bytes());
    for t in tracks {
        b.extend_from_slice(b"MTrk");
        b.extend_from_slice(&(t.len() as u32).to_be_bytes());
        b.extend_from_slice(t);
    }
    b
}

/// Quarter notes on `channel`, one after another, with explicit status bytes.
fn quarters(channel: u8, keys: &[u8]) -> Vec<u8> {
    keys.iter()
        .flat_map(|&k| [0x00, 0x90 | channel, k, 100, 0x60, 0x80 | channel, k, 0])
        .collect()
}

fn builtin() -> SoundFontSource {
    SoundFontSource::from_arg("builtin")
}

fn opts(strict: bool) -> RenderOptions {
    RenderOptions {
        sample_rate: 22050,
        max_tail_s: 0.2,
        strict,
        ..Default::default()
    }
}

fn render_bytes(bytes: &[u8]) -> Rendered {
    render(MidiSource::Bytes(bytes), &builtin(), &opts(false)).unwrap()
}

fn strict_offset(bytes: &[u8]) -> u64 {
    match render(MidiSource::Bytes(bytes), &builtin(), &opts(true)) {
        Err(Error::Midi { offset, path, .. }) => {
            assert_eq!(path.to_string_lossy(), "<bytes>");
            offset
        }
        other => panic!("expected a MIDI error, got {:?}", other.map(|r| r.report)),
    }
}

/// The median pitch (MIDI key, fractional) heard over the middle of each quarter note from
/// `first` (0.5 s each at 120 BPM).
fn pitches(r: &Rendered, first: usize, count: usize) -> Vec<f64> {
    let track = analyze_pitch(&r.audio, &PitchParams::default()).unwrap();
    (first..first + count)
        .map(|i| {
            let (a, b) = (i as f64 * 0.5 + 0.1, i as f64 * 0.5 + 0.4);
            let mut heard: Vec<f64> = (0..track.len())
                .filter(|&j| track.voiced[j] && (a..b).contains(&track.times_s[j]))
                .map(|j| 69.0 + 12.0 * (f64::from(track.f0_hz[j]) / 440.0).log2())
                .collect();
            assert!(!heard.is_empty(), "note {i} is not heard");
            heard.sort_by(f64::total_cmp);
            heard[heard.len() / 2]
        })
        .collect()
}

fn assert_pitches(r: &Rendered, first: usize, expected: &[f64]) {
    let heard = pitches(r, first, expected.len());
    for (h, e) in heard.iter().zip(expected) {
        assert!(
            (h - e).abs() < 0.15,
            "heard {heard:?}, expected {expected:?}"
        );
    }
}

#[test]
fn illegal_status_bytes_are_skipped_and_reported() {
    let body = [
        &[0x00, 0xF2, 0x10, 0x20][..],
        &quarters(0, &[60, 64]),
        &[0x00, 0xFE],
        &quarters(0, &[67]),
        &END,
    ]
    .concat();
    let bytes = smf(0, &[body]);
    let r = render_bytes(&bytes);
    assert_pitches(&r, 0, &[60.0, 64.0, 67.0]);
    let w = &r.report.warnings;
    assert_eq!(w.len(), 2, "{w:?}");
    assert_eq!((w[0].offset, w[0].rule), (23, Recovery::IllegalStatus));
    assert_eq!(
        w[0].message,
        "status byte 0xF2 (Song Position) does not belong in a MIDI file: skipped with its 2 data bytes"
    );
    assert_eq!((w[1].offset, w[1].rule), (43, Recovery::IllegalStatus));
    assert_eq!(strict_offset(&bytes), 23);
    // The serialised report carries them, as `rae` and Python show them.
    let json = serde_json::to_value(&r.report).unwrap();
    assert_eq!(json["warnings"][0]["offset"], 23);
    assert_eq!(json["warnings"][0]["rule"], "illegal_status");
}

#[test]
fn running_status_across_meta_and_sysex_plays_every_note() {
    // 60 and 62 in running status, a text event, 64 in running status, a SysEx, 65.
    let body = [
        &[0x00, 0x90, 60, 100, 0x60, 60, 0, 0x00, 62, 100, 0x60, 62, 0][..],
        &[0x00, 0xFF, 0x01, 0x01, b'x'],
        &[0x00, 64, 100, 0x60, 64, 0],
        &[0x00, 0xF0, 0x03, 0x43, 0x10, 0xF7],
        &[0x00, 65, 100, 0x60, 65, 0],
        &END,
    ]
    .concat();
    let bytes = smf(0, &[body]);
    let r = render_bytes(&bytes);
    assert_pitches(&r, 0, &[60.0, 62.0, 64.0, 65.0]);
    let rules: Vec<(u64, Recovery)> = r
        .report
        .warnings
        .iter()
        .map(|w| (w.offset, w.rule))
        .collect();
    assert_eq!(
        rules,
        vec![
            (41, Recovery::RunningStatusAfterMeta),
            (53, Recovery::RunningStatusAfterMeta)
        ]
    );
    assert_eq!(strict_offset(&bytes), 41);
}

#[test]
fn format_2_tracks_are_heard_one_after_another() {
    let one = [quarters(0, &[60, 62]), END.to_vec()].concat();
    let two = [quarters(1, &[64, 65]), END.to_vec()].concat();
    let bytes = smf(2, &[one, two]);
    let r = render_bytes(&bytes);
    assert_pitches(&r, 0, &[60.0, 62.0, 64.0, 65.0]);
    assert_eq!(r.report.midi_duration_s, 2.0);
    assert_eq!(r.report.warnings[0].rule, Recovery::SequentialTracks);
    assert_eq!(strict_offset(&bytes), 8);
}

#[test]
fn a_truncated_file_plays_what_is_there() {
    let mut bytes = smf(0, &[[quarters(0, &[60, 62, 64]), END.to_vec()].concat()]);
    // Cut inside the last note-off: the note still ends with the song.
    bytes.truncate(bytes.len() - 6);
    let r = render_bytes(&bytes);
    assert_pitches(&r, 0, &[60.0, 62.0, 64.0]);
    let rules: Vec<Recovery> = r.report.warnings.iter().map(|w| w.rule).collect();
    assert_eq!(
        rules,
        vec![Recovery::TruncatedChunk, Recovery::TruncatedEvent]
    );
    assert_eq!(strict_offset(&bytes), 18);
}

#[test]
fn midi_info_describes_notes_parameters_and_warnings() {
    let body = [
        &[0x00, 0xB0, 101, 0, 0x00, 0xB0, 100, 2, 0x00, 0xB0, 6, 66][..], // coarse tuning +2
        &quarters(0, &[60]),
        &[0x00, 0xF4],
    ]
    .concat();
    let bytes = smf(0, &[body]);
    let limits = Limits::default().midi_limits(false);
    let info = midi_info(MidiSource::Bytes(&bytes), &limits).unwrap();
    assert_eq!(info.file, "<bytes>");
    assert_eq!(info.summary.note_count, 1);
    assert_eq!(
        (
            info.notes[0].key,
            info.notes[0].duration_s,
            info.notes[0].velocity
        ),
        (60, 0.5, 100)
    );
    assert_eq!(info.parameters.len(), 1);
    assert_eq!(info.parameters[0].semitones, 2.0);
    let rules: Vec<Recovery> = info.warnings.iter().map(|w| w.rule).collect();
    assert_eq!(
        rules,
        vec![Recovery::IllegalStatus, Recovery::MissingEndOfTrack]
    );
    let json: serde_json::Value = serde_json::from_str(&info.to_json().unwrap()).unwrap();
    assert_eq!(json["note_count"], 1);
    assert_eq!(json["notes"][0]["key"], 60);
    assert_eq!(json["parameters"][0]["parameter"], "coarse_tuning");
    assert_eq!(json["warnings"][1]["rule"], "missing_end_of_track");
    let strict = Limits::default().midi_limits(true);
    let err = midi_info(MidiSource::Bytes(&bytes), &strict).unwrap_err();
    assert!(matches!(err, Error::Midi { offset: 43, .. }), "{err}");
}

#[test]
fn master_tuning_sysex_tunes_every_channel() {
    // Master fine tuning -50 cents, then master coarse tuning +2 semitones as well.
    let body = [
        &[0x00, 0xF0, 0x07, 0x7F, 0x7F, 0x04, 0x03, 0x00, 0x20, 0xF7][..],
        &quarters(0, &[60]),
        &[0x00, 0xF0, 0x07, 0x7F, 0x7F, 0x04, 0x04, 0x00, 0x42, 0xF7],
        &quarters(1, &[60]),
        &END,
    ]
    .concat();
    let r = render_bytes(&smf(0, &[body]));
    assert_pitches(&r, 0, &[59.5, 61.5]);
    assert!(r.report.warnings.is_empty());
}

#[test]
fn general_midi_2_bank_select_swaps_drums_and_melody() {
    // Channel 10 with the melody bank (MSB 121) plays pitches; channel 1 with the rhythm bank
    // (MSB 120) plays drums, which are not heard at the keys' pitches.
    let body = [
        &[0x00, 0xB9, 0x00, 121, 0x00, 0xC9, 0x00][..],
        &quarters(9, &[60, 64, 67]),
        &[0x00, 0xB0, 0x00, 120, 0x00, 0xC0, 0x00],
        &quarters(0, &[60, 64, 67]),
        &END,
    ]
    .concat();
    let r = render_bytes(&smf(0, &[body]));
    assert_pitches(&r, 0, &[60.0, 64.0, 67.0]);
    let track = analyze_pitch(&r.audio, &PitchParams::default()).unwrap();
    let melodic = [60.0, 64.0, 67.0]
        .iter()
        .enumerate()
        .filter(|&(i, key)| {
            let (a, b) = (1.5 + i as f64 * 0.5 + 0.1, 1.5 + i as f64 * 0.5 + 0.4);
            (0..track.len()).any(|j| {
                track.voiced[j]
                    && (a..b).contains(&track.times_s[j])
                    && (69.0 + 12.0 * (f64::from(track.f0_hz[j]) / 440.0).log2() - key).abs() < 0.3
            })
        })
        .count();
    assert!(melodic <= 1, "channel 1 still plays a melody");
}

#[test]
fn portamento_control_glides_from_its_source_key() {
    // Portamento time 32 (0.5 s on the SC-55 curve), portamento control from key 48, then 60
    // held for 2 s: it starts near 48 and reaches 60.
    let body = [
        &[0x00, 0xB0, 5, 32, 0x00, 0xB0, 84, 48, 0x00, 0x90, 60, 100][..],
        &[0x83, 0x00, 0x80, 60, 0],
        &END,
    ]
    .concat();
    let r = render_bytes(&smf(0, &[body]));
    let track = analyze_pitch(&r.audio, &PitchParams::default()).unwrap();
    let key_at = |t: f64| {
        (0..track.len())
            .filter(|&j| track.voiced[j] && (track.times_s[j] - t).abs() < 0.03)
            .map(|j| 69.0 + 12.0 * (f64::from(track.f0_hz[j]) / 440.0).log2())
            .next()
            .unwrap_or(f64::NAN)
    };
    let (start, middle, end) = (key_at(0.08), key_at(0.3), key_at(1.0));
    assert!(start < 52.0, "starts at {start}");
    assert!((52.0..59.0).contains(&middle), "at 0.3 s: {middle}");
    assert!((end - 60.0).abs() < 0.15, "ends at {end}");
}
