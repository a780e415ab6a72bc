//! The demo piece: a short gospel-style piano progression written by this project, built as a
//! Standard MIDI File in memory, so `rae demo` and `make demo` need no file from the user.

/// Ticks per quarter note of the demo file.
const TPQ: u32 = 480;

/// A note to write: start and length in ticks, channel, key, velocity.
#[derive(Debug, Clone, Copy)]
pub struct Note {
    pub start: u32,
    pub length: u32,
    pub channel: u8,
    pub key: u8,
    pub velocity: u8,
}

/// Writes a type-0 Standard MIDI File from notes, controller changes `(tick, channel, cc,
/// value)`, a program per channel and a tempo.
pub fn write_smf(
    tpq: u16,
    bpm: f64,
    programs: &[(u8, u8)],
    notes: &[Note],
    controls: &[(u32, u8, u8, u8)],
) -> Vec<u8> {
    // (tick, order, bytes): note-offs sort before note-ons at the same tick.
    let mut events: Vec<(u32, u8, Vec<u8>)> = Vec::new();
    let tempo = (60_000_000.0 / bpm).round() as u32;
    events.push((
        0,
        0,
        vec![
            0xFF,
            0x51,
            0x03,
            (tempo >> 16) as u8,
            (tempo >> 8) as u8,
            tempo as u8,
        ],
    ));
    for &(ch, program) in programs {
        events.push((0, 1, vec![0xC0 | (ch & 15), program & 127]));
    }
    for &(tick, ch, cc, value) in controls {
        events.push((tick, 2, vec![0xB0 | (ch & 15), cc & 127, value & 127]));
    }
    for n in notes {
        events.push((
            n.start,
            3,
            vec![
                0x90 | (n.channel & 15),
                n.key & 127,
                n.velocity.clamp(1, 127),
            ],
        ));
        events.push((
            n.start + n.length,
            1,
            vec![0x80 | (n.channel & 15), n.key & 127, 64],
        ));
    }
    events.sort_by_key(|e| (e.0, e.1));
    let mut track = Vec::new();
    let mut last = 0u32;
    for (tick, _, bytes) in events {
        write_vlq(&mut track, tick - last);
        last = tick;
        track.extend_from_slice(&bytes);
    }
    track.extend_from_slice(&[0x00, 0xFF, 0x2F, 0x00]);
    let mut out = b"MThd".to_vec();
    out.extend_from_slice(&6u32.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&tpq.to_be_bytes());
    out.extend_from_slice(b"MTrk");
    out.extend_from_slice(&(track.len() as u32).to_be_bytes());
    out.extend_from_slice(&track);
    out
}

fn write_vlq(out: &mut Vec<u8>, mut v: u32) {
    let mut stack = [0u8; 5];
    let mut n = 0;
    loop {
        stack[n] = (v & 0x7F) as u8;
        n += 1;
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    for i in (0..n).rev() {
        out.push(stack[i] | if i > 0 { 0x80 } else { 0 });
    }
}

// Chord per half bar: (bass root, right-hand voicing).
const PROGRESSION: [(u8, [u8; 4]); 16] = [
    (36, [64, 67, 72, 74]), // C add9
    (40, [64, 67, 70, 72]), // C7/E
    (41, [65, 69, 72, 76]), // Fmaj7
    (42, [63, 66, 69, 72]), // F#dim7
    (43, [64, 67, 72, 74]), // C/G
    (45, [61, 64, 67, 73]), // A7
    (38, [65, 69, 72, 74]), // Dm7
    (43, [65, 67, 71, 74]), // G7
    (45, [64, 67, 69, 72]), // Am7
    (44, [62, 65, 68, 71]), // E7/G#  (b9 colour)
    (41, [65, 69, 72, 76]), // Fmaj7
    (42, [63, 66, 69, 72]), // F#dim7
    (43, [64, 67, 72, 76]), // C/G
    (38, [62, 65, 69, 72]), // Dm7
    (43, [62, 65, 67, 71]), // G7sus→G7
    (36, [64, 67, 72, 79]), // C
];

// A melody over bars 1-2 and 5-6, in eighth notes (start, key, length): the bluesy third and a
// turn.
const MELODY: [(u32, u8, u32); 10] = [
    (0, 76, 2),
    (2, 75, 1),
    (3, 76, 1),
    (4, 79, 4),
    (16, 81, 2),
    (18, 79, 1),
    (19, 76, 1),
    (20, 74, 2),
    (22, 72, 2),
    (28, 84, 4),
];

/// The demo piece: eight bars of a gospel progression in C at 72 BPM, with a walking left hand,
/// right-hand chords with added ninths and a pickup melody, and the sustain pedal changed on
/// every chord. About 30 seconds with its ring-out.
pub fn demo_midi() -> Vec<u8> {
    let bar = 4 * TPQ;
    let q = TPQ;
    let e = TPQ / 2;
    let mut notes = Vec::new();
    let mut controls = Vec::new();
    for (i, &(root, chord)) in PROGRESSION.iter().enumerate() {
        let t = i as u32 * (bar / 2);
        // Pedal: up just before the change, down just after it (legato pedalling).
        if i > 0 {
            controls.push((t, 0, 64, 0));
        }
        controls.push((t + 30, 0, 64, 127));
        // Left hand: octave on the beat, fifth on the "and".
        notes.push(Note {
            start: t,
            length: q,
            channel: 0,
            key: root,
            velocity: 84,
        });
        notes.push(Note {
            start: t,
            length: q,
            channel: 0,
            key: root + 12,
            velocity: 72,
        });
        notes.push(Note {
            start: t + q + e,
            length: e,
            channel: 0,
            key: root + 7,
            velocity: 60,
        });
        // Right hand: chord on beat, re-struck softly on the off-beat (gospel push).
        let last = i == PROGRESSION.len() - 1;
        for (k, &key) in chord.iter().enumerate() {
            let vel = 70 + 4 * k as u8;
            notes.push(Note {
                start: t,
                length: if last { 2 * bar } else { q },
                channel: 0,
                key,
                velocity: vel,
            });
            if !last {
                notes.push(Note {
                    start: t + q + e,
                    length: e,
                    channel: 0,
                    key,
                    velocity: vel - 18,
                });
            }
        }
    }
    for (start_e, key, len_e) in MELODY {
        notes.push(Note {
            start: start_e * e,
            length: len_e * e,
            channel: 0,
            key,
            velocity: 96,
        });
    }
    controls.push((PROGRESSION.len() as u32 * (bar / 2) + 2 * bar, 0, 64, 0));
    write_smf(TPQ as u16, 72.0, &[(0, 0)], &notes, &controls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::midi::{MidiFile, MidiLimits};
    use std::path::Path;

    #[test]
    fn demo_parses_with_pedal_and_expected_length() {
        let m =
            MidiFile::parse(&demo_midi(), Path::new("demo.mid"), &MidiLimits::default()).unwrap();
        let s = m.summary();
        assert_eq!(s.format, 0);
        assert!(s.note_count > 100, "{}", s.note_count);
        // 8 bars of 4/4 at 72 BPM = 26.7 s, plus the held final chord.
        assert!((m.duration_s - 33.33).abs() < 0.1, "{}", m.duration_s);
    }

    #[test]
    fn vlq_encoding() {
        let mut v = Vec::new();
        write_vlq(&mut v, 0x0FFF_FFFF);
        assert_eq!(v, vec![0xFF, 0xFF, 0xFF, 0x7F]);
        v.clear();
        write_vlq(&mut v, 480);
        assert_eq!(v, vec![0x83, 0x60]);
    }
}
