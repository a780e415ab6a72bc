//! A lesson: its notes in order, and its bars and beats (`midi::Meter`), so a verdict can say
//! "bar 12, beat 3".

use std::path::Path;

use crate::error::{Error, Result};
use crate::midi::{Meter, MidiFile};

/// One note the lesson asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonNote {
    pub onset_s: f64,
    pub duration_s: f64,
    pub pitch: u8,
    pub velocity: f32,
}

/// A lesson: notes sorted by onset then pitch, and its bars and beats ([`Meter`]).
#[derive(Debug, Clone)]
pub struct Lesson {
    pub notes: Vec<LessonNote>,
    meter: Meter,
}

/// The most bars an assessment reports.
const MAX_BARS: u32 = 100_000;

impl Lesson {
    /// The lesson in a parsed MIDI file (all channels but the drums). `name` is for errors.
    pub fn from_midi(midi: &MidiFile, name: &Path) -> Result<Self> {
        let mut notes: Vec<LessonNote> = midi
            .notes()
            .iter()
            .filter(|n| n.channel & 15 != 9)
            .map(|n| LessonNote {
                onset_s: n.start_s,
                duration_s: n.duration_s.max(0.0),
                pitch: n.key,
                velocity: f32::from(n.velocity),
            })
            .collect();
        if notes.is_empty() {
            return Err(Error::Assessment {
                path: name.to_path_buf(),
                message: "the lesson has no notes".into(),
            });
        }
        notes.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s).then(a.pitch.cmp(&b.pitch)));
        Ok(Lesson {
            notes,
            meter: Meter::new(midi),
        })
    }

    /// A lesson of notes in seconds, at 120 BPM in 4/4 (tests, lessons made in code).
    pub fn from_notes(mut notes: Vec<LessonNote>) -> Result<Self> {
        notes.retain(|n| n.onset_s.is_finite() && n.duration_s.is_finite() && n.onset_s >= 0.0);
        if notes.is_empty() {
            return Err(Error::InvalidArgument("the lesson has no notes".into()));
        }
        notes.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s).then(a.pitch.cmp(&b.pitch)));
        Ok(Lesson {
            notes,
            meter: Meter::default(),
        })
    }

    /// The lesson's tempo at `t`, in quarter notes per minute.
    pub fn bpm_at(&self, t: f64) -> f64 {
        self.meter.quarter_bpm(t)
    }

    /// Bar (from 0, at most 99,999) and beat (from 0, fractional) at lesson time `t`.
    pub fn bar_beat(&self, t: f64) -> (usize, f64) {
        let b = self.meter.bar_beat(t);
        ((b.bar.min(MAX_BARS) - 1) as usize, b.beat - 1.0)
    }

    /// Start and end, in seconds, of bar `k` (from 0).
    pub fn bar_span(&self, k: usize) -> (f64, f64) {
        let bar = u32::try_from(k).unwrap_or(MAX_BARS).min(MAX_BARS) + 1;
        (self.meter.bar_start_s(bar), self.meter.bar_start_s(bar + 1))
    }

    /// Whether at most one note sounds at a time (overlaps up to 50 ms, legato, allowed).
    pub fn is_monophonic(&self) -> bool {
        self.notes.windows(2).all(|w| {
            w[1].onset_s - w[0].onset_s > 0.03
                && w[0].onset_s + w[0].duration_s - w[1].onset_s <= 0.05
        }) && {
            // A note held under several later ones is a second voice.
            let mut end = f64::NEG_INFINITY;
            self.notes.iter().all(|n| {
                let ok = end - n.onset_s <= 0.05;
                end = end.max(n.onset_s + n.duration_s);
                ok
            })
        }
    }
}
