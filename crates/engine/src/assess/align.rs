//! Alignment of a take to a lesson: notes grouped by onset (chords, spread chords), a global
//! alignment of the two group sequences by dynamic programming (Needleman-Wunsch with pitch-set
//! similarity, a time cost against the current tempo estimate, and gaps for skipped passages,
//! repeats and extra notes), and the time map it yields: lesson time to take time, piecewise
//! (a new piece after each jump: a skip, a repeat, a long pause), each piece a robust local
//! quadratic fit through the matched onsets, so a different tempo and a drifting one both fit.

use crate::error::{Error, Result};

/// Notes whose onsets follow each other within `step` seconds, and lie within `span` of the
/// first, form one group (a chord, or a chord played slightly spread). `onsets` must be sorted.
pub(super) fn group_onsets(onsets: &[f64], step: f64, span: f64) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut first = f64::NEG_INFINITY;
    let mut last = f64::NEG_INFINITY;
    for (i, &t) in onsets.iter().enumerate() {
        match groups.last_mut() {
            Some(g) if t - last <= step && t - first <= span => g.push(i),
            _ => {
                groups.push(vec![i]);
                first = t;
            }
        }
        last = t;
    }
    groups
}

/// One group for the alignment: its onset and its pitches, sorted.
#[derive(Debug, Clone)]
pub(super) struct Group {
    pub onset: f64,
    pub pitches: Vec<u8>,
}

/// How many pitches two sorted lists share (as multisets).
pub(super) fn common(a: &[u8], b: &[u8]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// The most cells the alignment's table may have (lesson groups times take groups).
pub(super) const MAX_CELLS: usize = 16_000_000;

const GAP: f32 = -0.6;

/// Aligns lesson groups to take groups; `expect(lesson_onset)` gives the take time the current
/// tempo estimate expects, and `weight` how much a time mismatch costs (a mismatch of `scale_s`
/// or more costs `weight`). Returns the aligned pairs in order.
pub(super) fn needleman_wunsch(
    lesson: &[Group],
    take: &[Group],
    expect: &dyn Fn(usize) -> f64,
    weight: f32,
    scale_s: f64,
) -> Result<Vec<(usize, usize)>> {
    let (n, m) = (lesson.len(), take.len());
    if n.saturating_mul(m) > MAX_CELLS {
        return Err(Error::InvalidArgument(format!(
            "the take ({m} note groups) and the lesson ({n}) are too long to align together \
             (at most {MAX_CELLS} pairs)"
        )));
    }
    let w = m + 1;
    let mut score = vec![0f32; (n + 1) * w];
    // 0 = diagonal, 1 = up (lesson group skipped), 2 = left (take group extra).
    let mut from = vec![0u8; (n + 1) * w];
    for i in 1..=n {
        score[i * w] = GAP * i as f32;
        from[i * w] = 1;
    }
    for j in 1..=m {
        score[j] = GAP * j as f32;
        from[j] = 2;
    }
    for i in 1..=n {
        let l = &lesson[i - 1];
        let e = expect(i - 1);
        for j in 1..=m {
            let t = &take[j - 1];
            let c = common(&l.pitches, &t.pitches) as f32;
            let sim = 2.0 * c / (l.pitches.len() + t.pitches.len()) as f32;
            let dt = ((t.onset - e).abs() / scale_s).min(1.0) as f32;
            let s = 2.0 * sim - 0.5 - weight * dt;
            let diag = score[(i - 1) * w + j - 1] + s;
            let up = score[(i - 1) * w + j] + GAP;
            let left = score[i * w + j - 1] + GAP;
            let (best, dir) = if diag >= up && diag >= left {
                (diag, 0)
            } else if up >= left {
                (up, 1)
            } else {
                (left, 2)
            };
            score[i * w + j] = best;
            from[i * w + j] = dir;
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        match from[i * w + j] {
            0 if i > 0 && j > 0 => {
                pairs.push((i - 1, j - 1));
                i -= 1;
                j -= 1;
            }
            1 if i > 0 => i -= 1,
            _ if j > 0 => j -= 1,
            _ => i -= 1,
        }
    }
    pairs.reverse();
    Ok(pairs)
}

/// A matched onset: lesson time, take time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Anchor {
    pub lesson: f64,
    pub take: f64,
}

/// Lesson time to take time: pieces of anchors, each fitted locally.
#[derive(Debug, Clone)]
pub(super) struct TimeMap {
    /// Take seconds per lesson second over the whole take (the inverse of the tempo ratio).
    pub slope: f64,
    /// The anchors in lesson order, with their piece and robustness weight.
    pub anchors: Vec<Anchor>,
    pub piece: Vec<usize>,
    weight: Vec<f64>,
    /// Anchors used around a point by the local fit: few where the onsets lie on a smooth
    /// curve (a drift is followed closely), more where they scatter (the scatter averages out).
    neighbours: usize,
    /// Index range of each piece's anchors.
    pub pieces: Vec<std::ops::Range<usize>>,
}

/// Two consecutive anchors further apart than this from the global tempo start a new piece.
const JUMP_S: f64 = 0.4;
/// Anchors used around a point by the local fit, on smooth and on scattered onsets.
const NEIGHBOURS: usize = 24;
const NEIGHBOURS_SCATTERED: usize = 64;
/// Onsets scattered more than this (robust standard deviation about the fit) count as scattered.
const SCATTERED_S: f64 = 0.005;

/// Siegel's repeated-median line `take = c0 + c1 * lesson` through `pts`; with fewer than three
/// points, a line of slope `slope` through their median.
fn repeated_median(pts: &[Anchor], slope: f64) -> Option<(f64, f64)> {
    let c1 = if pts.len() >= 3 {
        median(
            pts.iter()
                .filter_map(|a| {
                    median(
                        pts.iter()
                            .filter(|b| (b.lesson - a.lesson).abs() > 1e-6)
                            .map(|b| (b.take - a.take) / (b.lesson - a.lesson))
                            .collect(),
                    )
                })
                .collect(),
        )?
    } else {
        slope
    };
    let c0 = median(pts.iter().map(|a| a.take - c1 * a.lesson).collect())?;
    Some((c0, c1))
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let k = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[k]
    } else {
        0.5 * (v[k - 1] + v[k])
    })
}

impl TimeMap {
    /// The map through `anchors` (in lesson order, both times increasing within a piece).
    /// `prior_slope` is used when the anchors cannot tell the tempo.
    pub fn fit(mut anchors: Vec<Anchor>, prior_slope: Option<f64>) -> Self {
        anchors.sort_by(|a, b| a.lesson.total_cmp(&b.lesson));
        let slope = Self::global_slope(&anchors).or(prior_slope).unwrap_or(1.0);
        // Drop lone anchors that jump away from both neighbours that agree with each other.
        let jump = |a: &Anchor, b: &Anchor| (b.take - a.take) - slope * (b.lesson - a.lesson);
        let mut keep = vec![true; anchors.len()];
        for i in 1..anchors.len().saturating_sub(1) {
            let (p, c, nx) = (&anchors[i - 1], &anchors[i], &anchors[i + 1]);
            if jump(p, c).abs() > JUMP_S
                && jump(c, nx).abs() > JUMP_S
                && jump(p, nx).abs() <= JUMP_S
            {
                keep[i] = false;
            }
        }
        let anchors: Vec<Anchor> = anchors
            .into_iter()
            .zip(keep)
            .filter_map(|(a, k)| k.then_some(a))
            .collect();
        let mut pieces = Vec::new();
        let mut start = 0;
        for i in 1..anchors.len() {
            let (a, b) = (&anchors[i - 1], &anchors[i]);
            if jump(a, b).abs() > JUMP_S || b.take <= a.take {
                pieces.push(start..i);
                start = i;
            }
        }
        if !anchors.is_empty() {
            pieces.push(start..anchors.len());
        }
        let mut piece = vec![0; anchors.len()];
        for (k, r) in pieces.iter().enumerate() {
            for p in &mut piece[r.clone()] {
                *p = k;
            }
        }
        let mut map = TimeMap {
            slope,
            weight: vec![1.0; anchors.len()],
            neighbours: NEIGHBOURS,
            anchors,
            piece,
            pieces,
        };
        // Robustness: anchors far from the local fit (a note played well off time, a wrong
        // match) get less weight, twice over.
        // The first round judges each anchor by its neighbours alone: the repeated-median line
        // (Siegel's) through up to five on either side in its piece, which stands while nearly
        // half of them are off, so that a few notes played well off time in a short piece
        // cannot bend the first fit towards themselves.
        for round in 0..4 {
            let resid: Vec<f64> = (0..map.anchors.len())
                .map(|i| {
                    let a = map.anchors[i];
                    if round > 0 {
                        return a.take - map.eval_in(map.piece[i], a.lesson).0;
                    }
                    let r = &map.pieces[map.piece[i]];
                    let lo = i.saturating_sub(5).max(r.start);
                    let hi = (i + 6).min(r.end);
                    let near: Vec<Anchor> = (lo..hi)
                        .filter(|&k| k != i)
                        .map(|k| map.anchors[k])
                        .collect();
                    repeated_median(&near, map.slope)
                        .map_or(0.0, |(c0, c1)| a.take - (c0 + c1 * a.lesson))
                })
                .collect();
            let mad = median(resid.iter().map(|r| r.abs()).collect()).unwrap_or(0.0);
            if round == 1 && 1.4826 * mad > SCATTERED_S {
                map.neighbours = NEIGHBOURS_SCATTERED;
            }
            let scale = (6.0 * mad).max(0.015);
            map.weight = resid
                .iter()
                .map(|r| {
                    let u = r / scale;
                    if u.abs() < 1.0 {
                        (1.0 - u * u).powi(2)
                    } else {
                        0.0
                    }
                })
                .collect();
        }
        map
    }

    /// The median take-over-lesson slope between anchors a few apart.
    fn global_slope(anchors: &[Anchor]) -> Option<f64> {
        let gap = 4.min(anchors.len().saturating_sub(1)).max(1);
        let slopes: Vec<f64> = anchors
            .windows(gap + 1)
            .filter_map(|w| {
                let (a, b) = (&w[0], &w[gap]);
                let dl = b.lesson - a.lesson;
                let s = (b.take - a.take) / dl;
                (dl > 0.05 && s > 0.2 && s < 5.0).then_some(s)
            })
            .collect();
        median(slopes)
    }

    /// The piece that maps lesson time `t`: the piece of the anchor nearest before it, or the
    /// first piece.
    pub fn piece_at(&self, t: f64) -> Option<usize> {
        if self.anchors.is_empty() {
            return None;
        }
        let k = self.anchors.partition_point(|a| a.lesson <= t);
        Some(self.piece[k.saturating_sub(1)])
    }

    /// Take time and local slope (take seconds per lesson second) at lesson time `t` in `piece`.
    pub fn eval_in(&self, piece: usize, t: f64) -> (f64, f64) {
        let Some(r) = self.pieces.get(piece) else {
            return (t * self.slope, self.slope);
        };
        let idx: Vec<usize> = {
            // The NEIGHBOURS anchors of the piece nearest to t in lesson time.
            let a = &self.anchors[r.clone()];
            let k = a.partition_point(|x| x.lesson < t);
            let (mut lo, mut hi) = (k, k);
            while hi - lo < self.neighbours.min(a.len()) {
                let take_lo =
                    lo > 0 && (hi >= a.len() || (t - a[lo - 1].lesson) <= (a[hi].lesson - t));
                if take_lo {
                    lo -= 1;
                } else {
                    hi += 1;
                }
            }
            (lo..hi)
                .map(|i| r.start + i)
                .filter(|&i| self.weight[i] > 0.0)
                .collect()
        };
        if idx.is_empty() {
            let a = &self.anchors[r.start];
            return (a.take + self.slope * (t - a.lesson), self.slope);
        }
        let far = idx
            .iter()
            .map(|&i| (self.anchors[i].lesson - t).abs())
            .fold(0.0, f64::max)
            * 1.1
            + 1e-3;
        // Weighted least squares in x = lesson - t: y = c0 + c1 x (+ c2 x^2).
        let mut s = [0f64; 5];
        let mut sy = [0f64; 3];
        for &i in &idx {
            let a = &self.anchors[i];
            let x = a.lesson - t;
            let u = (x / far).abs();
            let w = self.weight[i] * (1.0 - u * u * u).powi(3);
            let y = a.take;
            let mut p = w;
            for v in &mut s {
                *v += p;
                p *= x;
            }
            sy[0] += w * y;
            sy[1] += w * y * x;
            sy[2] += w * y * x * x;
        }
        // A curve needs more anchors where they scatter than where they lie on it.
        let quadratic = idx.len() >= if self.neighbours == NEIGHBOURS { 5 } else { 8 };
        if quadratic {
            if let Some((c0, c1)) = solve3(&s, &sy) {
                if c1 > 0.0 {
                    return (c0, c1);
                }
            }
        }
        if idx.len() >= 3 {
            let det = s[0] * s[2] - s[1] * s[1];
            if det.abs() > 1e-12 * s[0].max(1.0) {
                let c1 = (s[0] * sy[1] - s[1] * sy[0]) / det;
                let c0 = (sy[0] - c1 * s[1]) / s[0];
                if c1 > 0.0 {
                    return (c0, c1);
                }
            }
        }
        // Too few anchors: the global slope through their weighted mean.
        if s[0] > 0.0 {
            let mean_x = s[1] / s[0];
            let mean_y = sy[0] / s[0];
            (mean_y - self.slope * mean_x, self.slope)
        } else {
            let a = &self.anchors[idx[0]];
            (a.take + self.slope * (t - a.lesson), self.slope)
        }
    }

    /// Take time and slope at lesson time `t`, in the piece that covers it.
    pub fn eval(&self, t: f64) -> (f64, f64) {
        match self.piece_at(t) {
            Some(p) => self.eval_in(p, t),
            None => (t * self.slope, self.slope),
        }
    }

    /// The lesson time a take time falls on, from the anchors around it (for extra notes).
    pub fn lesson_time(&self, take_t: f64) -> f64 {
        let mut best: Option<(f64, f64)> = None;
        for a in &self.anchors {
            let d = (a.take - take_t).abs();
            if best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, a.lesson + (take_t - a.take) / self.slope));
            }
        }
        best.map_or(take_t / self.slope, |(_, l)| l)
    }
}

/// Solves the 3x3 normal equations of a quadratic fit (moments `s[0..5]`, `sy[0..3]`); returns
/// the constant and linear coefficients.
fn solve3(s: &[f64; 5], sy: &[f64; 3]) -> Option<(f64, f64)> {
    let m = [[s[0], s[1], s[2]], [s[1], s[2], s[3]], [s[2], s[3], s[4]]];
    let det = |m: &[[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(&m);
    let scale = s[0] * s[2] * s[4];
    if !d.is_finite() || d.abs() <= 1e-9 * scale.abs().max(1e-30) {
        return None;
    }
    let col = |k: usize| {
        let mut a = m;
        for r in 0..3 {
            a[r][k] = sy[r];
        }
        det(&a) / d
    };
    Some((col(0), col(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_spread_chords_and_splits_melodies() {
        let g = group_onsets(&[0.0, 0.02, 0.045, 0.3, 0.5, 0.51], 0.04, 0.08);
        assert_eq!(g, vec![vec![0, 1, 2], vec![3], vec![4, 5]]);
    }

    #[test]
    fn map_fits_tempo_drift_exactly_and_ignores_outliers() {
        // Take time = 1.25 t + 0.002 t^2 + 0.3, one anchor 90 ms late.
        let f = |t: f64| 1.25 * t + 0.002 * t * t + 0.3;
        let mut anchors: Vec<Anchor> = (0..80)
            .map(|i| {
                let t = i as f64 * 0.5;
                Anchor {
                    lesson: t,
                    take: f(t),
                }
            })
            .collect();
        anchors[40].take += 0.09;
        let map = TimeMap::fit(anchors, None);
        assert_eq!(map.pieces.len(), 1);
        for i in 0..80 {
            let t = i as f64 * 0.5 + 0.1;
            assert!((map.eval(t).0 - f(t)).abs() < 1e-4, "{t}");
        }
    }

    #[test]
    fn map_splits_at_a_skip() {
        let mut anchors: Vec<Anchor> = (0..20)
            .map(|i| Anchor {
                lesson: i as f64 * 0.5,
                take: i as f64 * 0.5,
            })
            .collect();
        // The lesson from 10 s to 14 s skipped: the take goes on at 10 s with the lesson's 14 s.
        anchors.extend((28..50).map(|i| Anchor {
            lesson: i as f64 * 0.5,
            take: i as f64 * 0.5 - 4.0,
        }));
        let map = TimeMap::fit(anchors, None);
        assert_eq!(map.pieces.len(), 2);
        assert!((map.eval(20.0).0 - 16.0).abs() < 1e-6);
        assert!((map.eval(5.0).0 - 5.0).abs() < 1e-6);
    }
}
