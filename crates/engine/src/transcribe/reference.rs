//! The `basic-pitch` package's note creation (0.4.0, `note_creation.py`), step for step:
//! onsets inferred from rises of the note activations, onset peaks over a threshold followed
//! until the note activation stays low for `energy_tolerance` frames, then the "melodia trick"
//! (notes grown from the strongest activation left, without an onset), pitch bends from the
//! contour, times from the package's frame-time formula.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::{Activations, TranscribedNote, CONTOUR_BINS, KEYS, MIDI_OFFSET};

/// The package's note-creation settings; the defaults are the package's.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceParams {
    /// Smallest onset peak that starts a note.
    pub onset_threshold: f32,
    /// Smallest note activation that keeps a note on.
    pub frame_threshold: f32,
    /// A note must be longer than this many frames (127.7 ms rounded to frames: 11).
    pub min_note_frames: usize,
    /// Add onsets where the note activation rises fast.
    pub infer_onsets: bool,
    /// Also make notes from strong activations without an onset.
    pub melodia_trick: bool,
    /// Frames below the frame threshold that end a note.
    pub energy_tolerance: usize,
}

impl Default for ReferenceParams {
    fn default() -> Self {
        Self {
            onset_threshold: 0.5,
            frame_threshold: 0.3,
            min_note_frames: (127.70_f64 / 1000.0 * (22_050.0 / 256.0)).round() as usize,
            infer_onsets: true,
            melodia_trick: true,
            energy_tolerance: 11,
        }
    }
}

/// A note in frames: start, end (exclusive), key, amplitude.
type FrameNote = (usize, usize, usize, f32);

/// The package's notes, with its pitch bends and times.
pub(super) fn notes(acts: &Activations, p: &ReferenceParams) -> Vec<TranscribedNote> {
    frame_notes(acts, p)
        .into_iter()
        .map(|(s, e, key, amp)| TranscribedNote {
            start_s: Activations::package_frame_time(s),
            end_s: Activations::package_frame_time(e),
            pitch: key as u8 + MIDI_OFFSET,
            velocity: velocity(amp),
            pitch_bends: pitch_bends(acts, s, e, key),
        })
        .collect()
}

/// `round(127 * amplitude)`, at least 1.
pub(super) fn velocity(amplitude: f32) -> u8 {
    (127.0 * f64::from(amplitude)).round().clamp(1.0, 127.0) as u8
}

/// `get_infered_onsets`: per frame and key, the larger of the onset activation and the rise of
/// the note activation over one and two frames (the smaller of the two rises), rescaled so that
/// the largest rise equals the largest onset activation.
pub(super) fn inferred_onsets(acts: &Activations) -> Vec<[f64; KEYS]> {
    let n = acts.len();
    let fr = &acts.frames;
    let at = |t: isize, k: usize| -> f64 {
        if t < 0 {
            0.0
        } else {
            f64::from(fr[t as usize][k])
        }
    };
    let mut diff = vec![[0.0f64; KEYS]; n];
    let mut max_diff = 0.0f64;
    for (t, row) in diff.iter_mut().enumerate().skip(2) {
        let ti = t as isize;
        for (k, d) in row.iter_mut().enumerate() {
            let d1 = at(ti, k) - at(ti - 1, k);
            let d2 = at(ti, k) - at(ti - 2, k);
            *d = d1.min(d2).max(0.0);
            max_diff = max_diff.max(*d);
        }
    }
    let max_onset = acts
        .onsets
        .iter()
        .flat_map(|r| r.iter())
        .fold(0.0f64, |m, &x| m.max(f64::from(x)));
    let scale = if max_diff > 0.0 {
        max_onset / max_diff
    } else {
        0.0
    };
    diff.iter_mut().zip(&acts.onsets).for_each(|(row, on)| {
        for (d, &o) in row.iter_mut().zip(on) {
            *d = f64::from(o).max(scale * *d);
        }
    });
    diff
}

/// The onset peaks (strict local maxima in time, never the first or last frame) at or over
/// `threshold`, latest first and, within a frame, highest key first: the package's order.
pub(super) fn onset_peaks(onsets: &[[f64; KEYS]], threshold: f64) -> Vec<(usize, usize)> {
    let n = onsets.len();
    let mut peaks = Vec::new();
    for t in (1..n.saturating_sub(1)).rev() {
        for k in (0..KEYS).rev() {
            let v = onsets[t][k];
            if v > onsets[t - 1][k] && v > onsets[t + 1][k] && v >= threshold {
                peaks.push((t, k));
            }
        }
    }
    peaks
}

/// `output_to_notes_polyphonic` in frames.
fn frame_notes(acts: &Activations, p: &ReferenceParams) -> Vec<FrameNote> {
    let n = acts.len();
    let onsets: Vec<[f64; KEYS]> = if p.infer_onsets {
        inferred_onsets(acts)
    } else {
        acts.onsets.iter().map(|r| r.map(f64::from)).collect()
    };
    let thr = p.frame_threshold;
    let mut remaining: Vec<[f32; KEYS]> = acts.frames.clone();
    let mut notes = Vec::new();
    let clear = |rem: &mut Vec<[f32; KEYS]>, t: usize, k: usize| {
        rem[t][k] = 0.0;
        if k + 1 < KEYS {
            rem[t][k + 1] = 0.0;
        }
        if k > 0 {
            rem[t][k - 1] = 0.0;
        }
    };
    for (start, k) in onset_peaks(&onsets, f64::from(p.onset_threshold)) {
        if start + 1 >= n {
            continue;
        }
        let mut i = start + 1;
        let mut low = 0;
        while i + 1 < n && low < p.energy_tolerance {
            if remaining[i][k] < thr {
                low += 1;
            } else {
                low = 0;
            }
            i += 1;
        }
        i -= low;
        if i - start <= p.min_note_frames {
            continue;
        }
        for t in start..i {
            clear(&mut remaining, t, k);
        }
        notes.push((start, i, k, mean(acts, start, i, k)));
    }
    if p.melodia_trick {
        // The strongest remaining activation first (ties: earliest frame, then lowest key, as
        // numpy's argmax). Values only ever drop to zero, so a heap entry whose value changed
        // is stale and skipped.
        let mut heap: BinaryHeap<Cand> = BinaryHeap::new();
        for (t, row) in remaining.iter().enumerate() {
            for (k, &v) in row.iter().enumerate() {
                if v > thr {
                    heap.push(Cand { v, t, k });
                }
            }
        }
        while let Some(Cand { v, t: mid, k }) = heap.pop() {
            if remaining[mid][k] != v || v <= thr {
                continue;
            }
            remaining[mid][k] = 0.0;
            let mut i = mid + 1;
            let mut low = 0;
            while i + 1 < n && low < p.energy_tolerance {
                if remaining[i][k] < thr {
                    low += 1;
                } else {
                    low = 0;
                }
                clear(&mut remaining, i, k);
                i += 1;
            }
            let end = i - 1 - low;
            let mut i = mid as isize - 1;
            let mut low = 0isize;
            while i > 0 && low < p.energy_tolerance as isize {
                let iu = i as usize;
                if remaining[iu][k] < thr {
                    low += 1;
                } else {
                    low = 0;
                }
                clear(&mut remaining, iu, k);
                i -= 1;
            }
            let start = (i + 1 + low).max(0) as usize;
            if end <= start || end - start <= p.min_note_frames {
                continue;
            }
            notes.push((start, end, k, mean(acts, start, end, k)));
        }
    }
    notes
}

fn mean(acts: &Activations, start: usize, end: usize, k: usize) -> f32 {
    let sum: f64 = acts.frames[start..end]
        .iter()
        .map(|r| f64::from(r[k]))
        .sum();
    (sum / (end - start).max(1) as f64) as f32
}

/// A melodia-trick candidate: ordered by value, then earliest frame, then lowest key.
#[derive(PartialEq)]
struct Cand {
    v: f32,
    t: usize,
    k: usize,
}

impl Eq for Cand {}

impl Ord for Cand {
    fn cmp(&self, o: &Self) -> Ordering {
        self.v
            .total_cmp(&o.v)
            .then(o.t.cmp(&self.t))
            .then(o.k.cmp(&self.k))
    }
}

impl PartialOrd for Cand {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// `get_pitch_bends`: per frame of the note, the contour's peak within 25 bins of the key's
/// bin, weighted by a Gaussian (std 5 bins), as an offset in thirds of a semitone.
fn pitch_bends(acts: &Activations, start: usize, end: usize, key: usize) -> Vec<i32> {
    const TOL: usize = 25;
    let centre = 3 * key;
    let lo = centre.saturating_sub(TOL);
    let hi = (centre + TOL + 1).min(CONTOUR_BINS);
    acts.contour[start..end]
        .iter()
        .map(|row| {
            let mut best = (f32::NEG_INFINITY, lo);
            for (b, &v) in row.iter().enumerate().take(hi).skip(lo) {
                let d = b as f32 - centre as f32;
                let w = (-0.5 * (d / 5.0) * (d / 5.0)).exp();
                let x = v * w;
                if x > best.0 {
                    best = (x, b);
                }
            }
            best.1 as i32 - centre as i32
        })
        .collect()
}
