//! The reader on files built byte by byte: the tempo map, each recovery rule in lenient and in
//! strict mode (with the byte offset it names), and hostile input.

use std::path::Path;

use super::*;

const END: [u8; 4] = [0x00, 0xFF, 0x2F, 0x00];

/// A file with `tracks`, each chunk's length as written (so a track may lack its End-of-Track).
fn smf(format: u16, tracks: &[Vec<u8>]) -> Vec<u8> {
    let mut b = b"MThd".to_vec();
    b.extend_from_slice(&6u32.to_be_bytes());
    b.extend_from_slice(&format.to_be_bytes());
    b.extend_from_slice(&(tracks.len() as u16).to_be_bytes());
    b.extend_from_slice(&480u16.to_be_bytes());
    for t in tracks {
        b.extend_from_slice(b"MTrk");
        b.extend_from_slice(&(t.len() as u32).to_be_bytes());
        b.extend_from_slice(t);
    }
    b
}

/// A track of `body` and an End-of-Track.
fn track(body: &[u8]) -> Vec<u8> {
    [body, &END].concat()
}

fn parse(b: &[u8]) -> Result<MidiFile> {
    MidiFile::parse(b, Path::new("t.mid"), &MidiLimits::default())
}

fn strict(b: &[u8]) -> Result<MidiFile> {
    let limits = MidiLimits {
        strict: true,
        ..Default::default()
    };
    MidiFile::parse(b, Path::new("t.mid"), &limits)
}

/// The strict error's offset and message.
fn strict_error(b: &[u8]) -> (u64, String) {
    match strict(b) {
        Err(Error::Midi {
            offset, message, ..
        }) => (offset, message),
        other => panic!("expected a MIDI error, got {other:?}"),
    }
}

fn keys(m: &MidiFile) -> Vec<u8> {
    m.notes().iter().map(|n| n.key).collect()
}

fn rules(m: &MidiFile) -> Vec<(u64, Recovery)> {
    m.warnings.iter().map(|w| (w.offset, w.rule)).collect()
}

/// Offset of the first track's body in [`smf`]'s files.
const BODY: u64 = 22;

#[test]
fn tempo_map_and_running_status() {
    // Tempo 120 BPM, note on at 0, running-status note on at 480 ticks, tempo to 60 BPM,
    // note off 480 ticks later: 0.5 s + 1.0 s.
    let track = vec![
        0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20, // 500000 us
        0x00, 0x90, 60, 100, // note on
        0x83, 0x60, 64, 100, // running status, delta 480
        0x00, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40, // 1000000 us
        0x83, 0x60, 0x80, 60, 0, // delta 480
        0x00, 0xFF, 0x2F, 0x00,
    ];
    let m = parse(&smf(0, &[track])).unwrap();
    let times: Vec<f64> = m.events.iter().map(|e| e.time_s).collect();
    assert_eq!(times, vec![0.0, 0.0, 0.5, 0.5, 1.5, 1.5]);
    assert!((m.duration_s - 1.5).abs() < 1e-12);
    let s = m.summary();
    assert_eq!(s.note_count, 2);
    assert_eq!(s.channels, vec![0]);
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    let notes = m.notes();
    assert_eq!((notes[0].key, notes[0].duration_s), (60, 1.5));
    assert_eq!((notes[1].key, notes[1].duration_s), (64, 1.0));
}

#[test]
fn format_2_tracks_play_one_after_another() {
    // Each track: a quarter note (480 ticks) after a quarter rest.
    let a = track(&[0x83, 0x60, 0x90, 60, 100, 0x83, 0x60, 0x80, 60, 0]);
    let b = track(&[0x83, 0x60, 0x91, 62, 100, 0x83, 0x60, 0x81, 62, 0]);
    let bytes = smf(2, &[a, b]);
    let m = parse(&bytes).unwrap();
    let notes = m.notes();
    assert_eq!(keys(&m), vec![60, 62]);
    // The second track starts at 1.0 s, where the first ended; its note half a second later.
    assert_eq!((notes[0].start_s, notes[1].start_s), (0.5, 1.5));
    assert_eq!(m.duration_s, 2.0);
    assert_eq!(rules(&m), vec![(8, Recovery::SequentialTracks)]);
    let (offset, message) = strict_error(&bytes);
    assert_eq!(offset, 8);
    assert!(message.contains("format 2"), "{message}");
}

#[test]
fn illegal_status_bytes_are_skipped_with_their_data() {
    for (status, data) in [
        (0xF1u8, &[0x7F][..]),
        (0xF2, &[0x7F, 0x7F]),
        (0xF3, &[0x05]),
        (0xF4, &[]),
        (0xF5, &[]),
        (0xF6, &[]),
        (0xF8, &[]),
        (0xF9, &[]),
        (0xFA, &[]),
        (0xFB, &[]),
        (0xFC, &[]),
        (0xFD, &[]),
        (0xFE, &[]),
    ] {
        let body = [
            &[0x00, status][..],
            data,
            &[0x00, 0x90, 60, 100, 0x60, 62, 100],
        ]
        .concat();
        let bytes = smf(0, &[track(&body)]);
        let m = parse(&bytes).unwrap();
        assert_eq!(keys(&m), vec![60, 62], "0x{status:02X}");
        assert_eq!(rules(&m), vec![(BODY + 1, Recovery::IllegalStatus)]);
        assert!(m.warnings[0].message.contains(&format!("0x{status:02X}")));
        let (offset, message) = strict_error(&bytes);
        assert_eq!(offset, BODY + 1);
        assert_eq!(message, format!("invalid status byte 0x{status:02X}"));
    }
}

#[test]
fn running_status_continues_after_meta_and_sysex() {
    for (interruption, what) in [
        (&[0x00, 0xFF, 0x01, 0x02, b'h', b'i'][..], "meta"),
        (&[0x00, 0xF0, 0x03, 0x43, 0x10, 0xF7], "SysEx"),
    ] {
        let body = [
            &[0x00, 0x90, 60, 100, 0x60, 60, 0][..],
            interruption,
            &[0x00, 64, 100, 0x60, 64, 0],
        ]
        .concat();
        let bytes = smf(0, &[track(&body)]);
        let m = parse(&bytes).unwrap();
        assert_eq!(keys(&m), vec![60, 64], "{what}");
        let at = BODY + 7 + interruption.len() as u64 + 1;
        assert_eq!(rules(&m), vec![(at, Recovery::RunningStatusAfterMeta)]);
        assert!(m.warnings[0].message.contains(what), "{}", m.warnings[0]);
        let (offset, message) = strict_error(&bytes);
        assert_eq!(
            (offset, message.as_str()),
            (at, "data byte without a status byte")
        );
    }
}

#[test]
fn truncated_chunk_is_read_to_the_end_of_the_file() {
    let mut bytes = smf(0, &[track(&[0x00, 0x90, 60, 100, 0x60, 0x80, 60, 0])]);
    bytes.truncate(bytes.len() - 1);
    let m = parse(&bytes).unwrap();
    assert_eq!(keys(&m), vec![60]);
    // The chunk is short by one byte, which cuts the End-of-Track: both are reported.
    assert_eq!(
        rules(&m),
        vec![
            (18, Recovery::TruncatedChunk),
            (BODY + 9, Recovery::TruncatedEvent)
        ]
    );
    let (offset, message) = strict_error(&bytes);
    assert_eq!(offset, 18);
    assert!(message.contains("truncated"), "{message}");
}

#[test]
fn truncated_last_event_is_dropped() {
    // The chunk length is right, but the track ends inside a note-on.
    let bytes = smf(
        0,
        &[vec![0x00, 0x90, 60, 100, 0x60, 0x80, 60, 0, 0x00, 0x90, 62]],
    );
    let m = parse(&bytes).unwrap();
    assert_eq!(keys(&m), vec![60]);
    assert_eq!(rules(&m), vec![(BODY + 9, Recovery::TruncatedEvent)]);
    let (offset, message) = strict_error(&bytes);
    assert_eq!(
        (offset, message.as_str()),
        (BODY + 9, "track ends inside a channel message")
    );
}

#[test]
fn invalid_tempo_is_ignored() {
    let body = [0x00, 0xFF, 0x51, 0x02, 0x07, 0xA1, 0x00, 0x90, 60, 100];
    let bytes = smf(0, &[track(&body)]);
    let m = parse(&bytes).unwrap();
    assert_eq!(m.summary().tempo_changes, 0);
    assert_eq!(rules(&m), vec![(BODY + 1, Recovery::InvalidTempo)]);
    assert_eq!(strict_error(&bytes).0, BODY + 1);
}

#[test]
fn tolerances_warn_in_both_modes() {
    // No End-of-Track, a zero-length track, and two bytes after the last chunk.
    let mut bytes = smf(1, &[vec![0x00, 0x90, 60, 100], vec![]]);
    bytes.extend_from_slice(&[0x00, 0x2A]);
    for m in [parse(&bytes).unwrap(), strict(&bytes).unwrap()] {
        assert_eq!(keys(&m), vec![60]);
        assert_eq!(
            rules(&m),
            vec![
                (BODY + 4, Recovery::MissingEndOfTrack),
                (BODY + 12, Recovery::MissingEndOfTrack),
                (BODY + 12, Recovery::TrailingBytes),
            ]
        );
        assert!(m.warnings[1].message.contains("empty"), "{}", m.warnings[1]);
    }
    // Bytes after an End-of-Track inside its chunk; a format 0 file with two tracks.
    let bytes = smf(0, &[[&END[..], &[0x00, 0x00]].concat(), track(&[])]);
    let m = strict(&bytes).unwrap();
    assert_eq!(
        rules(&m),
        vec![
            (10, Recovery::TrackCount),
            (BODY + 4, Recovery::TrailingBytes),
        ]
    );
}

#[test]
fn rmid_wrapper_offsets_count_from_the_file_start() {
    let inner = smf(0, &[track(&[0x00, 0xF8, 0x00, 0x90, 60, 100])]);
    let mut riff = b"RIFF".to_vec();
    riff.extend_from_slice(&((inner.len() + 12) as u32).to_le_bytes());
    riff.extend_from_slice(b"RMIDdata");
    riff.extend_from_slice(&(inner.len() as u32).to_le_bytes());
    riff.extend_from_slice(&inner);
    riff.extend_from_slice(b"LIST\x04\x00\x00\x00INFO");
    let m = parse(&riff).unwrap();
    assert_eq!(keys(&m), vec![60]);
    assert_eq!(rules(&m), vec![(20 + BODY + 1, Recovery::IllegalStatus)]);
    assert_eq!(strict_error(&riff).0, 20 + BODY + 1);
}

#[test]
fn sysex_packets_are_joined() {
    let body = [
        0x00, 0xF0, 0x03, 0x7E, 0x7F, 0x09, // first packet, no F7 yet
        0x00, 0xF7, 0x02, 0x01, 0xF7, // continuation
        0x00, 0xF7, 0x01, 0x42, // an escape sequence
    ];
    let m = parse(&smf(0, &[track(&body)])).unwrap();
    let sysex: Vec<&EventKind> = m
        .events
        .iter()
        .map(|e| &e.kind)
        .filter(|k| matches!(k, EventKind::SysEx(_)))
        .collect();
    assert_eq!(
        sysex,
        vec![&EventKind::SysEx(vec![0x7E, 0x7F, 0x09, 0x01, 0xF7])]
    );
    assert!(m.warnings.is_empty());
}

#[test]
fn texts_time_signatures_and_parameters() {
    let body = [
        0x00, 0xFF, 0x58, 0x04, 0x06, 0x03, 0x18, 0x08, // 6/8
        0x00, 0xFF, 0x05, 0x02, b'l', b'a', // lyric
        0x00, 0xB0, 101, 0, 0x00, 0xB0, 100, 0, // RPN 0,0
        0x00, 0xB0, 6, 12, 0x00, 0xB0, 38, 50, // 12.5 semitones
        0x00, 0xB1, 101, 0, 0x00, 0xB1, 100, 1, 0x00, 0xB1, 6, 96, // fine tuning +50 cents
    ];
    let m = parse(&smf(0, &[track(&body)])).unwrap();
    let ts = m.time_signatures();
    assert_eq!((ts[0].numerator, ts[0].denominator), (6, 8));
    let texts = m.texts();
    assert_eq!(
        (texts[0].kind.as_str(), texts[0].text.as_str()),
        ("lyric", "la")
    );
    let p = m.parameters();
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].parameter, RegisteredParameter::PitchBendRange);
    assert_eq!(p[0].semitones, 12.5);
    assert_eq!((p[1].channel, p[1].semitones), (1, 0.5));
}

#[test]
fn empty_and_foreign_files_are_errors() {
    let err = parse(b"").unwrap_err();
    assert!(matches!(err, Error::Midi { offset: 0, .. }), "{err}");
    assert!(err.to_string().contains("t.mid") && err.to_string().contains("empty"));
    let err = parse(b"RIFF....WAVEfmt ").unwrap_err();
    assert!(err.to_string().contains("no MThd"), "{err}");
    let err = parse(b"not a midi file").unwrap_err();
    assert!(matches!(err, Error::Midi { offset: 0, .. }), "{err}");
}

#[test]
fn absurd_tempo_is_limited() {
    let track = vec![
        0x00, 0xFF, 0x51, 0x03, 0x00, 0x00, 0x01, 0x00, 0xFF, 0x2F, 0x00,
    ];
    let err = parse(&smf(0, &[track])).unwrap_err();
    assert!(matches!(err, Error::Limit { .. }), "{err}");
}

#[test]
fn absurd_length_is_limited() {
    // delta of 0x0FFFFFFF ticks at 120 BPM is about 70 hours.
    let track = vec![
        0xFF, 0xFF, 0xFF, 0x7F, 0x90, 60, 100, 0x00, 0xFF, 0x2F, 0x00,
    ];
    let err = parse(&smf(0, &[track])).unwrap_err();
    assert!(matches!(err, Error::Limit { .. }), "{err}");
}

#[test]
fn warnings_are_bounded() {
    // A megabyte of illegal status bytes: read quickly, with a bounded list of warnings.
    let body: Vec<u8> = (0..500_000).flat_map(|_| [0x00, 0xFE]).collect();
    let m = parse(&smf(0, &[track(&body)])).unwrap();
    assert_eq!(m.warnings.len(), MAX_WARNINGS + 1);
    let last = &m.warnings[MAX_WARNINGS].message;
    assert!(last.contains("499900 more"), "{last}");
}

#[test]
fn every_prefix_and_bitflip_is_ok_or_error() {
    let track = vec![
        0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20, 0x00, 0xF0, 0x05, 0x7E, 0x7F, 0x09, 0x01, 0xF7,
        0x00, 0xC0, 5, 0x00, 0x90, 60, 100, 0x60, 0xE0, 0, 64, 0x83, 0x60, 0x80, 60, 0, 0x00, 0xFF,
        0x2F, 0x00,
    ];
    let b = smf(1, &[track.clone(), track]);
    for n in 0..b.len() {
        let _ = parse(&b[..n]);
        let _ = strict(&b[..n]);
    }
    for i in 0..b.len() {
        for bit in 0..8 {
            let mut c = b.clone();
            c[i] ^= 1 << bit;
            if let Ok(m) = parse(&c) {
                let _ = (m.notes(), m.parameters(), m.texts(), m.time_signatures());
            }
            let _ = strict(&c);
        }
    }
}
