//! Assessment of a take against its lesson: which notes were right, wrong, missed or extra, and
//! how the timing and dynamics compare, note by note, bar by bar, with scores. See
//! docs/assess.md for the method, the tolerances and the JSON.
//!
//! The take is read only through [`NoteEvidence`] (`evidence`): key presses for a MIDI take,
//! the pYIN pitch track for a monophonic recording. `lesson` holds the lesson's notes and bar
//! grid, `align` the alignment and the time map, `report` the verdicts, bars and scores.
//!
//! Score-informed: once aligned, each lesson note is looked for near its expected time and pitch;
//! a take note no lesson note explains is reported as extra only when the evidence is strong and
//! (for audio) it is not a harmonic of a note being played.

mod align;
mod evidence;
mod lesson;
mod report;

use crate::error::{Error, Result};
pub use crate::level::{Level, Tolerances};

pub use evidence::{
    velocity_from_level, ActivationEvidence, MidiEvidence, NoteEvidence, PerformedNote,
    PitchTrackEvidence,
};
pub use lesson::{Lesson, LessonNote};
pub use report::{
    Assessment, BarSummary, Counts, DynamicsClass, ExtraNote, NoteVerdict, Scores, TempoPoint,
    TimingClass, Verdict,
};

use align::{common, group_onsets, needleman_wunsch, Anchor, Group, TimeMap};

/// Options of an assessment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AssessOptions {
    pub level: Level,
    /// The tempo the take was played at, in quarter notes per minute (a metronome setting), when
    /// known; `None` estimates it from the take. Either way the take may drift from it.
    pub tempo: Option<f64>,
    /// Read a recording through the polyphonic transcription even when the lesson is
    /// monophonic (by default a monophonic lesson's recording is read through the pYIN pitch
    /// track, which suits any instrument or voice).
    pub polyphonic: bool,
}

impl AssessOptions {
    fn check(&self) -> Result<()> {
        if let Some(t) = self.tempo {
            if !(t.is_finite() && (10.0..=1000.0).contains(&t)) {
                return Err(Error::InvalidArgument(format!(
                    "tempo must be within 10..=1000 BPM, not {t}"
                )));
            }
        }
        Ok(())
    }
}

/// The most notes a lesson or a take may have.
pub const MAX_NOTES: usize = 100_000;

/// Lesson notes closer than this in onset form one chord.
const LESSON_CHORD_S: f64 = 0.035;
/// Take notes following each other within this form one chord, up to `TAKE_SPREAD_S` in all.
const TAKE_STEP_S: f64 = 0.04;
const TAKE_SPREAD_S: f64 = 0.09;

/// A matched note: lesson note index, take note index.
#[derive(Debug, Clone, Copy)]
struct Match {
    take: usize,
    wrong: bool,
}

/// Assesses a take (its evidence) against a lesson.
pub fn assess(
    take: &dyn NoteEvidence,
    lesson: &Lesson,
    opts: &AssessOptions,
) -> Result<Assessment> {
    opts.check()?;
    let tol = opts.level.tolerances();
    let window = tol.match_window_ms / 1000.0;
    let ln = &lesson.notes;
    let tn = take.notes();
    for (what, n) in [("lesson", ln.len()), ("take", tn.len())] {
        if n > MAX_NOTES {
            return Err(Error::InvalidArgument(format!(
                "the {what} has {n} notes, above the limit of {MAX_NOTES}"
            )));
        }
    }
    let lesson_onsets: Vec<f64> = ln.iter().map(|n| n.onset_s).collect();
    let take_onsets: Vec<f64> = tn.iter().map(|n| n.onset_s).collect();
    let lg_idx = group_onsets(&lesson_onsets, LESSON_CHORD_S, LESSON_CHORD_S);
    let tg_idx = group_onsets(&take_onsets, TAKE_STEP_S, TAKE_SPREAD_S);
    let to_groups =
        |idx: &[Vec<usize>], onset: &dyn Fn(usize) -> f64, pitch: &dyn Fn(usize) -> u8| {
            idx.iter()
                .map(|g| {
                    let mut pitches: Vec<u8> = g.iter().map(|&i| pitch(i)).collect();
                    pitches.sort_unstable();
                    Group {
                        onset: onset(g[0]),
                        pitches,
                    }
                })
                .collect::<Vec<Group>>()
        };
    let lg = to_groups(&lg_idx, &|i| ln[i].onset_s, &|i| ln[i].pitch);
    let tg = to_groups(&tg_idx, &|i| tn[i].onset_s, &|i| tn[i].pitch);

    // The tempo prior: the metronome when given, else the ratio of the median gaps between
    // chords, which a skipped or repeated passage does not move (the ratio of the two spans
    // does); the spans when there are too few chords for a median.
    let first_l = lesson_onsets.first().copied().unwrap_or(0.0);
    let last_l = lesson_onsets.last().copied().unwrap_or(0.0);
    let median_gap = |g: &[Group]| {
        let mut d: Vec<f64> = g.windows(2).map(|w| w[1].onset - w[0].onset).collect();
        d.sort_by(f64::total_cmp);
        (d.len() >= 4).then(|| d[d.len() / 2]).filter(|&m| m > 0.0)
    };
    let prior = match opts.tempo {
        Some(bpm) => Some(lesson.bpm_at(first_l) / bpm),
        None => match (median_gap(&lg), median_gap(&tg)) {
            (Some(l), Some(t)) => Some((t / l).clamp(0.3, 4.0)),
            _ => match (take_onsets.first(), take_onsets.last()) {
                (Some(a), Some(b)) if last_l - first_l > 0.5 && b - a > 0.1 => {
                    Some(((b - a) / (last_l - first_l)).clamp(0.3, 4.0))
                }
                _ => None,
            },
        },
    };
    let first_t = take_onsets.first().copied().unwrap_or(0.0);

    let anchors_of = |pairs: &[(usize, usize)]| -> Vec<Anchor> {
        pairs
            .iter()
            .filter_map(|&(i, j)| {
                let (lgi, tgj) = (&lg_idx[i], &tg_idx[j]);
                // The chord's first key, whichever it is (a wrong one was struck on time too).
                let shared = common(&lg[i].pitches, &tg[j].pitches) > 0;
                let take_t = tgj
                    .iter()
                    .map(|&b| tn[b].onset_s)
                    .fold(f64::INFINITY, f64::min);
                let lesson_t = lgi
                    .iter()
                    .map(|&a| ln[a].onset_s)
                    .fold(f64::INFINITY, f64::min);
                shared.then_some(Anchor {
                    lesson: lesson_t,
                    take: take_t,
                })
            })
            .collect()
    };
    // Pass 1: pitch first, the prior tempo as a weak tie-break; pass 2 against its time map.
    let p0 = prior.unwrap_or(1.0);
    let pairs1 = needleman_wunsch(
        &lg,
        &tg,
        &|i| first_t + p0 * (lg[i].onset - first_l),
        0.4,
        3.0,
    )?;
    let map1 = TimeMap::fit(anchors_of(&pairs1), prior);
    let pairs = needleman_wunsch(&lg, &tg, &|i| map1.eval(lg[i].onset).0, 1.5, 0.5)?;
    let map = TimeMap::fit(anchors_of(&pairs), prior.or(Some(map1.slope)));

    // Each lesson group's take interval: its own pair's group, or between its neighbours'.
    let mut paired: Vec<Option<usize>> = vec![None; lg.len()];
    for &(i, j) in &pairs {
        if common(&lg[i].pitches, &tg[j].pitches) > 0 {
            paired[i] = Some(j);
        }
    }
    let take_span = |j: usize| {
        let g = &tg_idx[j];
        let lo = g
            .iter()
            .map(|&b| tn[b].onset_s)
            .fold(f64::INFINITY, f64::min);
        let hi = g
            .iter()
            .map(|&b| tn[b].onset_s)
            .fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    };
    let mut interval = vec![(f64::NEG_INFINITY, f64::INFINITY); lg.len()];
    let mut last = f64::NEG_INFINITY;
    for i in 0..lg.len() {
        if let Some(j) = paired[i] {
            interval[i] = take_span(j);
            last = interval[i].1;
        } else {
            interval[i].0 = last;
        }
    }
    let mut next = f64::INFINITY;
    for i in (0..lg.len()).rev() {
        if let Some(j) = paired[i] {
            next = take_span(j).0;
        } else {
            interval[i].1 = next;
        }
    }
    let mut group_of = vec![0usize; ln.len()];
    for (g, idx) in lg_idx.iter().enumerate() {
        for &i in idx {
            group_of[i] = g;
        }
    }
    // Expected take time and local slope of each lesson note.
    let expected: Vec<(f64, f64)> = ln.iter().map(|n| map.eval(n.onset_s)).collect();
    let allowed = |a: usize, b: usize| {
        let (lo, hi) = interval[group_of[a]];
        let t = tn[b].onset_s;
        t >= lo - window && t <= hi + window && (t - expected[a].0).abs() <= window
    };

    let mut lesson_match: Vec<Option<Match>> = vec![None; ln.len()];
    let mut take_used = vec![false; tn.len()];
    // Candidates, best first; each lesson note and take note taken once.
    let mut take_pairs = |cands: &mut Vec<(f64, usize, usize)>,
                          wrong: bool,
                          lesson_match: &mut Vec<Option<Match>>| {
        cands.sort_by(|x, y| x.0.total_cmp(&y.0));
        for &(_, a, b) in cands.iter() {
            if lesson_match[a].is_none() && !take_used[b] {
                lesson_match[a] = Some(Match { take: b, wrong });
                take_used[b] = true;
            }
        }
    };
    // 1. Same pitch, within aligned pairs. 2. Same pitch, anywhere allowed.
    let mut cands = Vec::new();
    for &(i, j) in &pairs {
        for &a in &lg_idx[i] {
            for &b in &tg_idx[j] {
                let dt = (tn[b].onset_s - expected[a].0).abs();
                if tn[b].pitch == ln[a].pitch && dt <= window {
                    cands.push((dt, a, b));
                }
            }
        }
    }
    take_pairs(&mut cands, false, &mut lesson_match);
    let nearby = |a: usize| {
        let e = expected[a].0;
        let lo = take_onsets.partition_point(|&t| t < e - window);
        let hi = take_onsets.partition_point(|&t| t <= e + window);
        lo..hi
    };
    let mut cands = Vec::new();
    for a in 0..ln.len() {
        if lesson_match[a].is_some() {
            continue;
        }
        for b in nearby(a) {
            if tn[b].pitch == ln[a].pitch && allowed(a, b) {
                cands.push(((tn[b].onset_s - expected[a].0).abs(), a, b));
            }
        }
    }
    take_pairs(&mut cands, false, &mut lesson_match);
    // 3. Another pitch (within an octave), within aligned pairs, then anywhere allowed but
    //    closer in time.
    let wrong_cost = |a: usize, b: usize| {
        (tn[b].onset_s - expected[a].0).abs() / window
            + f64::from(tn[b].pitch.abs_diff(ln[a].pitch)) / 24.0
    };
    let mut cands = Vec::new();
    for &(i, j) in &pairs {
        for &a in &lg_idx[i] {
            for &b in &tg_idx[j] {
                let dt = (tn[b].onset_s - expected[a].0).abs();
                if tn[b].pitch.abs_diff(ln[a].pitch) <= 12 && dt <= window {
                    cands.push((wrong_cost(a, b), a, b));
                }
            }
        }
    }
    take_pairs(&mut cands, true, &mut lesson_match);
    let mut cands = Vec::new();
    let tight = (2.0 * tol.timing_ms / 1000.0).min(window);
    for a in 0..ln.len() {
        if lesson_match[a].is_some() {
            continue;
        }
        for b in nearby(a) {
            if tn[b].pitch.abs_diff(ln[a].pitch) <= 12
                && allowed(a, b)
                && (tn[b].onset_s - expected[a].0).abs() <= tight
            {
                cands.push((wrong_cost(a, b), a, b));
            }
        }
    }
    take_pairs(&mut cands, true, &mut lesson_match);

    // 4. Acoustic evidence for a note the note list lacks (a re-struck note the segmenter
    //    merged): an onset of the pitch near its expected time.
    let mut rescued: Vec<Option<f64>> = vec![None; ln.len()];
    if take.acoustic() {
        for a in 0..ln.len() {
            if lesson_match[a].is_some() {
                continue;
            }
            let (lo, hi) = interval[group_of[a]];
            if let Some((t, _)) =
                take.onset_support(ln[a].pitch, expected[a].0, tol.timing_ms / 1000.0)
            {
                if t >= lo - window && t <= hi + window {
                    rescued[a] = Some(t);
                }
            }
        }
    }

    // Extra: take notes no lesson note took, with strong evidence, not a harmonic.
    let mut extras = Vec::new();
    for (b, n) in tn.iter().enumerate() {
        if take_used[b] {
            continue;
        }
        if take.acoustic() {
            let harmonic = tn.iter().any(|o| {
                [12u8, 19, 24]
                    .iter()
                    .any(|&h| o.pitch.checked_add(h) == Some(n.pitch))
                    && o.onset_s - 0.05 <= n.onset_s
                    && n.onset_s <= o.onset_s + o.duration_s
            });
            let strong = n.duration_s >= 0.08
                && take.support(n.pitch, n.onset_s, n.onset_s + n.duration_s) >= 0.5;
            // A lesson note of that pitch still held then explains it: a re-trigger of a
            // sounding note (the model hears one where another key is struck).
            let held = ln.iter().enumerate().any(|(a, l)| {
                let (start, slope) = expected[a];
                l.pitch == n.pitch
                    && start < n.onset_s
                    && n.onset_s <= start + l.duration_s * slope + window
            });
            if harmonic || held || !strong {
                continue;
            }
        }
        extras.push(b);
    }

    let context = report::Context {
        lesson,
        take: tn,
        tol,
        level: opts.level,
        acoustic: take.acoustic(),
        kind: take.kind(),
        map: &map,
    };
    let matches: Vec<Option<(usize, bool)>> = lesson_match
        .iter()
        .map(|m| m.map(|m| (m.take, m.wrong)))
        .collect();
    Ok(report::build(
        &context, &expected, &matches, &rescued, &extras,
    ))
}
