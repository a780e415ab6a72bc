//! Note creation for piano. A piano note always starts with a hammer strike, so every note
//! starts at a peak of the onset activation; none is grown from sustained energy alone (the
//! package's "melodia trick", a source of false notes). Then:
//! - a peak on a key that is already sounding must come with a clear rise of the onset or a dip
//!   of the note activation before it, else it is a re-trigger of the same note and is dropped;
//! - a note an octave, a twelfth, two octaves (and the next harmonics) above a stronger note
//!   struck at the same time, with a much weaker onset, is that note's harmonic and is dropped;
//! - a note lasts while its note activation stays over the frame threshold (sustain pedal
//!   included), and ends at the next strike of the same key.

use super::reference::velocity;
use super::{Activations, TranscribedNote, KEYS, MIDI_OFFSET};

/// Smallest onset peak that starts a note.
const ONSET_THRESHOLD: f32 = 0.5;
/// Smallest note activation that keeps a note on.
const FRAME_THRESHOLD: f32 = 0.3;
/// Frames under the frame threshold that end a note.
const OFF_FRAMES: usize = 4;
/// A note needs at least this many frames.
const MIN_FRAMES: usize = 3;
/// Semitones from a fundamental to its 2nd to 6th harmonics.
const HARMONICS: [usize; 5] = [12, 19, 24, 28, 31];
/// Frames by which a harmonic's onset may differ from its fundamental's.
const HARMONIC_FRAMES: usize = 2;
/// A note whose onset is below this fraction of a lower note's is that note's harmonic...
const GHOST_ONSET_RATIO: f32 = 0.8;
/// ... when its note activation is also below this fraction of the lower note's.
const GHOST_FRAME_RATIO: f32 = 1.0;
/// Within a sounding note, a new strike needs the note activation to have dipped under this
/// fraction of its level since the last strike, or an onset peak this strong.
const RESTRIKE_DIP: f32 = 0.85;
const RESTRIKE_ONSET: f32 = 0.8;
/// Closest two strikes of one key, in frames.
const MIN_GAP_FRAMES: usize = 4;

struct Cand {
    start: usize,
    end: usize,
    key: usize,
    onset: f32,
    level: f32,
}

pub(super) fn notes(acts: &Activations) -> Vec<TranscribedNote> {
    let n = acts.len();
    let on = &acts.onsets;
    let fr = &acts.frames;
    let mut cands: Vec<Cand> = Vec::new();
    for key in 0..KEYS {
        let mut last_start: Option<usize> = None;
        let mut peak_since = 0.0f32;
        let mut dip_since = f32::INFINITY;
        // A note may start at frame 0 (audio that starts with a strike).
        for t in 0..n.saturating_sub(1) {
            let v = on[t][key];
            let before = if t == 0 { 0.0 } else { on[t - 1][key] };
            let is_peak = v >= ONSET_THRESHOLD && v > before && v >= on[t + 1][key];
            if !is_peak {
                peak_since = peak_since.max(fr[t][key]);
                dip_since = dip_since.min(fr[t][key]);
                continue;
            }
            if let Some(s) = last_start {
                let sounding = fr[t.saturating_sub(1)][key] >= FRAME_THRESHOLD;
                let dipped = dip_since < RESTRIKE_DIP * peak_since;
                if t - s < MIN_GAP_FRAMES || (sounding && !dipped && v < RESTRIKE_ONSET) {
                    continue;
                }
            }
            last_start = Some(t);
            peak_since = fr[t][key];
            dip_since = f32::INFINITY;
            cands.push(Cand {
                start: t,
                end: t,
                key,
                onset: v,
                level: 0.0,
            });
        }
    }
    // Ends: the note activation under the threshold for OFF_FRAMES frames, or the key's next
    // strike.
    cands.sort_by_key(|c| (c.key, c.start));
    for i in 0..cands.len() {
        let limit = match cands.get(i + 1) {
            Some(next) if next.key == cands[i].key => next.start,
            _ => n,
        };
        let c = &cands[i];
        let mut end = c.start + 1;
        let mut low = 0;
        let mut t = c.start + 1;
        while t < limit && low < OFF_FRAMES {
            if fr[t][c.key] < FRAME_THRESHOLD {
                low += 1;
            } else {
                low = 0;
                end = t + 1;
            }
            t += 1;
        }
        let end = end.min(limit).max(c.start + 1);
        let level = fr[c.start..end]
            .iter()
            .map(|r| r[c.key])
            .fold(0.0f32, f32::max);
        let c = &mut cands[i];
        c.end = end;
        c.level = level;
    }
    // Candidates are sorted by key, then start.
    let mut by_key: Vec<Vec<&Cand>> = (0..KEYS).map(|_| Vec::new()).collect();
    for c in &cands {
        by_key[c.key].push(c);
    }
    let keep: Vec<bool> = cands
        .iter()
        .map(|c| {
            c.end - c.start >= MIN_FRAMES && c.level >= FRAME_THRESHOLD && !is_ghost(c, &by_key)
        })
        .collect();
    cands
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(c, _)| {
            let mean =
                fr[c.start..c.end].iter().map(|r| r[c.key]).sum::<f32>() / (c.end - c.start) as f32;
            TranscribedNote {
                start_s: acts.frame_time(c.start),
                end_s: acts.frame_time(c.end),
                pitch: c.key as u8 + MIDI_OFFSET,
                velocity: velocity(mean),
                pitch_bends: Vec::new(),
            }
        })
        .collect()
}

/// True when `c` sits a harmonic interval above a note struck at the same time with a clearly
/// stronger onset and at least as strong a note activation.
fn is_ghost(c: &Cand, by_key: &[Vec<&Cand>]) -> bool {
    HARMONICS.iter().any(|&h| {
        let Some(low_key) = c.key.checked_sub(h) else {
            return false;
        };
        // The lower key's strikes, in time order: those within HARMONIC_FRAMES of this one.
        let strikes = &by_key[low_key];
        let first = strikes.partition_point(|l| l.start + HARMONIC_FRAMES < c.start);
        strikes[first..]
            .iter()
            .take_while(|l| l.start <= c.start + HARMONIC_FRAMES)
            .any(|l| {
                l.start.abs_diff(c.start) <= HARMONIC_FRAMES
                    && c.onset < GHOST_ONSET_RATIO * l.onset
                    && c.level < GHOST_FRAME_RATIO * l.level
            })
    })
}
