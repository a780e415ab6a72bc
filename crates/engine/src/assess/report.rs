//! The assessment's result: a verdict per lesson note, the extra notes, the tempo curve, a
//! summary per bar (a heat map's data) and scores, and the few lines the CLI prints.

use std::fmt::Write as _;

use serde::Serialize;

use super::align::TimeMap;
use super::{Lesson, Level, PerformedNote, Tolerances};
pub use crate::level::Verdict;

/// Timing of a played note against the level's tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimingClass {
    Clean,
    Rushed,
    Dragged,
}

/// Level of a played note against the lesson's, within the level's factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DynamicsClass {
    AsWritten,
    TooSoft,
    TooLoud,
}

/// One lesson note's verdict. Times in seconds; `lesson_s` in the lesson, the others in the take.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoteVerdict {
    /// Index of the note in the lesson (sorted by onset, then pitch).
    pub index: usize,
    pub pitch: u8,
    pub name: String,
    pub lesson_s: f64,
    /// Bar (from 1) and beat (from 1, fractional) in the lesson.
    pub bar: usize,
    pub beat: f64,
    pub verdict: Verdict,
    /// The pitch played: the lesson's when correct, another when wrong, none when missed.
    pub played_pitch: Option<u8>,
    /// When the note was expected in the take, on the player's own tempo curve.
    pub expected_s: f64,
    pub played_s: Option<f64>,
    /// Played minus expected onset, in ms of the take (negative = early).
    pub deviation_ms: Option<f64>,
    pub timing: Option<TimingClass>,
    /// Played duration over the lesson's at the player's tempo.
    pub duration_ratio: Option<f64>,
    /// Played velocity over the lesson's (for audio relative to the take's median level).
    pub velocity_ratio: Option<f64>,
    pub dynamics: Option<DynamicsClass>,
}

/// A note played that no lesson note explains.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtraNote {
    pub pitch: u8,
    pub name: String,
    pub played_s: f64,
    pub duration_s: f64,
    pub velocity: f64,
    /// Where in the lesson it falls, on the tempo curve.
    pub lesson_s: f64,
    pub bar: usize,
}

/// The tempo at one matched onset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TempoPoint {
    pub lesson_s: f64,
    pub take_s: f64,
    /// Played tempo over the lesson's (1.2 = 20% faster).
    pub ratio: f64,
    /// Played tempo in quarter notes per minute.
    pub bpm: f64,
}

/// One bar's counts (a heat map's cell).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BarSummary {
    /// From 1.
    pub bar: usize,
    pub start_s: f64,
    pub end_s: f64,
    pub notes: usize,
    pub correct: usize,
    pub wrong_pitch: usize,
    pub missed: usize,
    pub extra: usize,
    /// Mean |deviation| of the notes played in the bar, in ms; none when none was.
    pub mean_abs_deviation_ms: Option<f64>,
}

/// Counts over the take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub lesson_notes: usize,
    pub correct: usize,
    pub wrong_pitch: usize,
    pub missed: usize,
    pub extra: usize,
    pub rushed: usize,
    pub dragged: usize,
}

/// Scores from 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    /// Correct notes over lesson notes plus extra notes.
    pub notes: f64,
    /// Mean timing credit of the notes played: full within the tolerance, none at three times it.
    pub timing: f64,
    /// Mean dynamics credit: full within the level's factor, none at its cube.
    pub dynamics: f64,
}

/// A take assessed against a lesson.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub take: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lesson: Option<String>,
    /// What the take was read through: `"midi"` (key presses), `"pitch_track"` (pYIN, a
    /// monophonic recording) or `"transcription"` (Basic Pitch, a polyphonic recording).
    pub take_kind: &'static str,
    pub level: Level,
    pub tolerances: Tolerances,
    /// Played tempo over the lesson's, over the whole take.
    pub tempo_ratio: f64,
    pub counts: Counts,
    pub scores: Scores,
    pub notes: Vec<NoteVerdict>,
    pub extra_notes: Vec<ExtraNote>,
    pub tempo_curve: Vec<TempoPoint>,
    pub bars: Vec<BarSummary>,
}

pub(super) struct Context<'a> {
    pub lesson: &'a Lesson,
    pub take: &'a [PerformedNote],
    pub tol: Tolerances,
    pub level: Level,
    pub acoustic: bool,
    pub kind: &'static str,
    pub map: &'a TimeMap,
}

pub(super) fn note_name(p: u8) -> String {
    const NAMES: [&str; 12] = [
        "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
    ];
    format!("{}{}", NAMES[usize::from(p % 12)], i32::from(p) / 12 - 1)
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

/// Credit 1 within `tol`, falling linearly to 0 at `3 tol`.
fn credit(x: f64, tol: f64) -> f64 {
    (1.0 - (x - tol).max(0.0) / (2.0 * tol)).clamp(0.0, 1.0)
}

pub(super) fn build(
    cx: &Context<'_>,
    expected: &[(f64, f64)],
    matches: &[Option<(usize, bool)>],
    rescued: &[Option<f64>],
    extras: &[usize],
) -> Assessment {
    let lesson = cx.lesson;
    let tol = cx.tol;
    // Audio velocities are relative to the take: scale its median to the lesson's.
    let vel_scale = if cx.acoustic {
        let l =
            median(lesson.notes.iter().map(|n| f64::from(n.velocity)).collect()).unwrap_or(64.0);
        l / 64.0
    } else {
        1.0
    };
    let mut notes = Vec::with_capacity(lesson.notes.len());
    let mut counts = Counts {
        lesson_notes: lesson.notes.len(),
        correct: 0,
        wrong_pitch: 0,
        missed: 0,
        extra: extras.len(),
        rushed: 0,
        dragged: 0,
    };
    let (mut timing_sum, mut timing_n, mut dyn_sum, mut dyn_n) = (0.0, 0usize, 0.0, 0usize);
    for (i, n) in lesson.notes.iter().enumerate() {
        let (e, slope) = expected[i];
        let (bar, beat) = lesson.bar_beat(n.onset_s);
        let mut v = NoteVerdict {
            index: i,
            pitch: n.pitch,
            name: note_name(n.pitch),
            lesson_s: n.onset_s,
            bar: bar + 1,
            beat: beat + 1.0,
            verdict: Verdict::Missed,
            played_pitch: None,
            expected_s: e,
            played_s: None,
            deviation_ms: None,
            timing: None,
            duration_ratio: None,
            velocity_ratio: None,
            dynamics: None,
        };
        let played = match (matches[i], rescued[i]) {
            (Some((b, wrong)), _) => {
                let p = &cx.take[b];
                v.verdict = if wrong {
                    Verdict::WrongPitch
                } else {
                    Verdict::Correct
                };
                v.played_pitch = Some(p.pitch);
                if n.duration_s > 0.0 {
                    v.duration_ratio = Some(p.duration_s / (n.duration_s * slope));
                }
                if n.velocity > 0.0 {
                    let r = f64::from(p.velocity) * vel_scale / f64::from(n.velocity);
                    v.velocity_ratio = Some(r);
                    let band = tol.dynamics_ratio.ln();
                    v.dynamics = Some(if r.ln() > band {
                        DynamicsClass::TooLoud
                    } else if r.ln() < -band {
                        DynamicsClass::TooSoft
                    } else {
                        DynamicsClass::AsWritten
                    });
                    dyn_sum += credit(r.ln().abs(), band);
                    dyn_n += 1;
                }
                Some(p.onset_s)
            }
            (None, Some(t)) => {
                v.verdict = Verdict::Correct;
                v.played_pitch = Some(n.pitch);
                Some(t)
            }
            (None, None) => None,
        };
        if let Some(t) = played {
            let d = (t - e) * 1000.0;
            v.played_s = Some(t);
            v.deviation_ms = Some(d);
            let class = if d < -tol.timing_ms {
                counts.rushed += 1;
                TimingClass::Rushed
            } else if d > tol.timing_ms {
                counts.dragged += 1;
                TimingClass::Dragged
            } else {
                TimingClass::Clean
            };
            v.timing = Some(class);
            timing_sum += credit(d.abs(), tol.timing_ms);
            timing_n += 1;
        }
        match v.verdict {
            Verdict::Correct => counts.correct += 1,
            Verdict::WrongPitch => counts.wrong_pitch += 1,
            Verdict::Missed => counts.missed += 1,
        }
        notes.push(v);
    }
    let extra_notes: Vec<ExtraNote> = extras
        .iter()
        .map(|&b| {
            let p = &cx.take[b];
            let l = cx.map.lesson_time(p.onset_s);
            ExtraNote {
                pitch: p.pitch,
                name: note_name(p.pitch),
                played_s: p.onset_s,
                duration_s: p.duration_s,
                velocity: f64::from(p.velocity) * vel_scale,
                lesson_s: l,
                bar: lesson.bar_beat(l).0 + 1,
            }
        })
        .collect();
    let tempo_curve = cx
        .map
        .anchors
        .iter()
        .map(|a| {
            let (take_s, slope) = cx.map.eval(a.lesson);
            TempoPoint {
                lesson_s: a.lesson,
                take_s,
                ratio: 1.0 / slope,
                bpm: lesson.bpm_at(a.lesson) / slope,
            }
        })
        .collect();
    let last_bar = notes
        .iter()
        .map(|n| n.bar)
        .chain(extra_notes.iter().map(|x| x.bar))
        .max()
        .unwrap_or(1);
    let mut bars: Vec<BarSummary> = (1..=last_bar)
        .map(|b| {
            let (start_s, end_s) = lesson.bar_span(b - 1);
            BarSummary {
                bar: b,
                start_s,
                end_s,
                notes: 0,
                correct: 0,
                wrong_pitch: 0,
                missed: 0,
                extra: 0,
                mean_abs_deviation_ms: None,
            }
        })
        .collect();
    let mut dev = vec![(0.0, 0usize); last_bar];
    for n in &notes {
        let b = &mut bars[n.bar - 1];
        b.notes += 1;
        match n.verdict {
            Verdict::Correct => b.correct += 1,
            Verdict::WrongPitch => b.wrong_pitch += 1,
            Verdict::Missed => b.missed += 1,
        }
        if let Some(d) = n.deviation_ms {
            dev[n.bar - 1].0 += d.abs();
            dev[n.bar - 1].1 += 1;
        }
    }
    for x in &extra_notes {
        bars[x.bar - 1].extra += 1;
    }
    for (b, (s, k)) in bars.iter_mut().zip(dev) {
        b.mean_abs_deviation_ms = (k > 0).then(|| s / k as f64);
    }
    let pct = |s: f64, n: usize| if n > 0 { 100.0 * s / n as f64 } else { 0.0 };
    Assessment {
        take: None,
        lesson: None,
        take_kind: cx.kind,
        level: cx.level,
        tolerances: tol,
        tempo_ratio: 1.0 / cx.map.slope,
        scores: Scores {
            notes: pct(counts.correct as f64, counts.lesson_notes + counts.extra),
            timing: pct(timing_sum, timing_n),
            dynamics: pct(dyn_sum, dyn_n),
        },
        counts,
        notes,
        extra_notes,
        tempo_curve,
        bars,
    }
}

impl Assessment {
    /// The assessment as one JSON document.
    pub fn to_json(&self) -> crate::Result<String> {
        serde_json::to_string(self)
            .map_err(|e| crate::Error::Internal(format!("assessment to JSON: {e}")))
    }

    /// A few lines for a person: counts, scores, tempo, and the notes to work on.
    pub fn summary(&self) -> String {
        let c = &self.counts;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} against {} ({}, {}):",
            self.take.as_deref().unwrap_or("<take>"),
            self.lesson.as_deref().unwrap_or("<lesson>"),
            self.take_kind,
            self.level.name()
        );
        let _ = writeln!(
            s,
            "  {} lesson notes: {} correct, {} wrong pitch, {} missed; {} extra",
            c.lesson_notes, c.correct, c.wrong_pitch, c.missed, c.extra
        );
        let _ = writeln!(
            s,
            "  scores: notes {:.0}, timing {:.0}, dynamics {:.0}; tempo {:.0}% of the lesson's; {} rushed, {} dragged (tolerance {} ms)",
            self.scores.notes,
            self.scores.timing,
            self.scores.dynamics,
            100.0 * self.tempo_ratio,
            c.rushed,
            c.dragged,
            self.tolerances.timing_ms
        );
        let mut shown = 0;
        for n in &self.notes {
            if n.verdict == Verdict::Correct && n.timing == Some(TimingClass::Clean) {
                continue;
            }
            if shown == 12 {
                let _ = writeln!(s, "  ...");
                break;
            }
            shown += 1;
            let what = match (n.verdict, n.played_pitch, n.timing) {
                (Verdict::Missed, _, _) => "missed".to_string(),
                (Verdict::WrongPitch, Some(p), _) => format!("played {}", note_name(p)),
                (_, _, Some(t)) => format!(
                    "{} {:+.0} ms",
                    if t == TimingClass::Rushed {
                        "rushed"
                    } else {
                        "dragged"
                    },
                    n.deviation_ms.unwrap_or(0.0)
                ),
                _ => String::new(),
            };
            let _ = writeln!(s, "  bar {} beat {:.1} {}: {}", n.bar, n.beat, n.name, what);
        }
        for x in self.extra_notes.iter().take(6) {
            let _ = writeln!(s, "  bar {} extra {} at {:.2} s", x.bar, x.name, x.played_s);
        }
        s
    }
}
