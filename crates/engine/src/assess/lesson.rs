//! A lesson: its notes in order, and the bar grid from its time signatures and tempo map, so a
//! verdict can say "bar 12, beat 3".

use std::path::Path;

use crate::error::{Error, Result};
use crate::midi::{EventKind, MidiFile};

/// One note the lesson asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonNote {
    pub onset_s: f64,
    pub duration_s: f64,
    pub pitch: u8,
    pub velocity: f32,
}

/// A lesson: notes sorted by onset then pitch, and where its bars fall.
#[derive(Debug, Clone)]
pub struct Lesson {
    pub notes: Vec<LessonNote>,
    /// (tick, seconds, seconds per tick) at each tempo change, from tick 0.
    tempo: Vec<(f64, f64, f64)>,
    ticks_per_quarter: f64,
    /// Start tick of each bar, and the ticks of one beat in it.
    bars: Vec<(f64, f64)>,
}

/// The most bars a lesson's grid may have.
const MAX_BARS: usize = 100_000;

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
        // SMPTE files have no beats: a grid of 120 BPM in 4/4 over their seconds.
        let tpq = f64::from(midi.ticks_per_quarter.unwrap_or(480));
        let smpte = midi.ticks_per_quarter.is_none();
        let mut tempo = vec![(0.0, 0.0, 0.5 / tpq)];
        let mut signatures = vec![(0.0, 4u8, 4u32)];
        for e in &midi.events {
            match e.kind {
                EventKind::Tempo(us) if !smpte && us > 0 => {
                    let spt = f64::from(us) / 1e6 / tpq;
                    let t = e.tick as f64;
                    if tempo.last().is_some_and(|x| x.0 == t) {
                        tempo.pop();
                    }
                    tempo.push((t, e.time_s, spt));
                }
                EventKind::TimeSignature {
                    numerator,
                    denominator,
                } if !smpte && numerator > 0 && denominator > 0 => {
                    let t = e.tick as f64;
                    if signatures.last().is_some_and(|x| x.0 == t) {
                        signatures.pop();
                    }
                    signatures.push((t, numerator, denominator));
                }
                _ => {}
            }
        }
        let mut lesson = Lesson {
            notes,
            tempo,
            ticks_per_quarter: tpq,
            bars: Vec::new(),
        };
        let end = lesson
            .notes
            .iter()
            .map(|n| n.onset_s + n.duration_s)
            .fold(0.0, f64::max);
        let end_tick = lesson.tick_at(end) + 1.0;
        let mut tick = 0.0;
        let mut k = 0;
        while tick <= end_tick {
            while k + 1 < signatures.len() && signatures[k + 1].0 <= tick {
                k += 1;
            }
            let (_, num, den) = signatures[k];
            let beat = tpq * 4.0 / f64::from(den);
            lesson.bars.push((tick, beat));
            let mut next = tick + beat * f64::from(num);
            // A signature change in the middle of a bar starts a bar there.
            if let Some(&(t, _, _)) = signatures.get(k + 1) {
                if t < next {
                    next = t;
                }
            }
            tick = next;
            if lesson.bars.len() > MAX_BARS {
                return Err(Error::Limit {
                    path: name.to_path_buf(),
                    message: format!("the lesson has more than {MAX_BARS} bars"),
                });
            }
        }
        Ok(lesson)
    }

    /// A lesson of notes in seconds, at 120 BPM in 4/4 (tests, lessons made in code).
    pub fn from_notes(mut notes: Vec<LessonNote>) -> Result<Self> {
        notes.retain(|n| n.onset_s.is_finite() && n.duration_s.is_finite() && n.onset_s >= 0.0);
        if notes.is_empty() {
            return Err(Error::InvalidArgument("the lesson has no notes".into()));
        }
        notes.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s).then(a.pitch.cmp(&b.pitch)));
        let end = notes
            .iter()
            .map(|n| n.onset_s + n.duration_s)
            .fold(0.0, f64::max);
        let bars = (0..=((end / 2.0) as usize + 1).min(MAX_BARS))
            .map(|b| (b as f64 * 4.0 * 480.0, 480.0))
            .collect();
        Ok(Lesson {
            notes,
            tempo: vec![(0.0, 0.0, 0.5 / 480.0)],
            ticks_per_quarter: 480.0,
            bars,
        })
    }

    fn segment(&self, t: f64) -> (f64, f64, f64) {
        let k = self.tempo.partition_point(|s| s.1 <= t).saturating_sub(1);
        self.tempo[k]
    }

    fn tick_at(&self, t: f64) -> f64 {
        let (tick, time, spt) = self.segment(t);
        tick + (t - time) / spt
    }

    fn time_at_tick(&self, tick: f64) -> f64 {
        let k = self
            .tempo
            .partition_point(|s| s.0 <= tick)
            .saturating_sub(1);
        let (t0, s0, spt) = self.tempo[k];
        s0 + (tick - t0) * spt
    }

    /// The lesson's tempo at `t`, in quarter notes per minute.
    pub fn bpm_at(&self, t: f64) -> f64 {
        60.0 / (self.segment(t).2 * self.ticks_per_quarter)
    }

    /// Bar (from 0) and beat (from 0, fractional) at lesson time `t`.
    pub fn bar_beat(&self, t: f64) -> (usize, f64) {
        let tick = self.tick_at(t.max(0.0));
        let k = self.bars.partition_point(|b| b.0 <= tick).saturating_sub(1);
        let (start, beat) = self.bars.get(k).copied().unwrap_or((0.0, 480.0));
        (k, (tick - start) / beat)
    }

    /// Start and end, in seconds, of bar `k`.
    pub fn bar_span(&self, k: usize) -> (f64, f64) {
        let start = self.bars.get(k).map_or(0.0, |b| b.0);
        let end = match self.bars.get(k + 1) {
            Some(b) => b.0,
            None => self.bars.get(k).map_or(0.0, |b| b.0 + 4.0 * b.1),
        };
        (self.time_at_tick(start), self.time_at_tick(end))
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
