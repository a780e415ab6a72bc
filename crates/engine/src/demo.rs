//! The demo piece: a short gospel-style piano progression written by this project, built as a
//! Standard MIDI File in memory, so `rae demo` and `make demo` need no file from the user.

/// Ticks per quarter note of the demo file.
const TPQ: u32 = 480;

pub use crate::midi::{write_smf, Note};

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
}
