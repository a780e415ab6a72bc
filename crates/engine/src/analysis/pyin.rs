//! pYIN (Mauch and Dixon 2014): turning one frame's normalised difference function into f0
//! candidates with probabilities, and the HMM over pitch and voicing that picks a track, decoded
//! either over the whole signal (offline) or with a fixed lag (streaming).
//!
//! Candidates: a Beta(2, 18) prior over 100 thresholds (mean 0.1, as librosa); for each
//! threshold the dips below it are weighted by a Boltzmann prior on their order (the first dip
//! is the likeliest), so a frame's candidates carry the prior mass of the thresholds that would
//! pick them. Each candidate is then checked on a short window around the frame's time (its
//! periodicity, see `pitch::periodicity`) with the same threshold prior applied to that
//! window's aperiodicity, which gives the long frame's pitch a short window's time resolution
//! for the voicing decision.
//!
//! HMM: voiced states are pitch bins of 10 cents, with a triangular transition allowing at most
//! 35.92 octaves per second (librosa's default); one unvoiced state; a voicing switch costs
//! probability 0.01 and re-entering voicing spreads that over all pitch bins. Only bins holding
//! a candidate can be voiced in a frame (the others have zero emission), so Viterbi runs over a
//! handful of states per frame instead of the dense 2 x 601 of librosa.

use super::pitch_params::Resolved;

const N_THRESHOLDS: usize = 100;
const BETA_A: u32 = 2;
const BETA_B: u32 = 18;
const BOLTZMANN: f64 = 2.0;
/// Mass given to the deepest dip when no dip is below a threshold (librosa's `no_trough_prob`).
const NO_TROUGH_PROB: f64 = 0.01;
const BINS_PER_SEMITONE: f64 = 10.0;
const SWITCH_PROB: f64 = 0.01;
/// Share of a candidate's mass given to a shorter candidate whose period divides its own
/// (k >= 2, within 3 % of k): tuned on the development set (`make bench-accuracy`).
const SUBHARMONIC_SHARE: f32 = 0.3;
const MAX_OCTAVES_PER_S: f64 = 35.92;
/// Short-window periodicity at which a frame is as likely voiced as not: 0.4, a
/// harmonics-to-noise ratio of -1.8 dB, a little below Praat's voicing threshold of 0.45 on the
/// same measure. Measured against 0.5 (`make bench-accuracy`, dev set and conformance sets): RPA
/// rises on every set (FDA male 0.617 -> 0.636, bass 0.880 -> 0.893, dev set 0.896 -> 0.901) for
/// more false alarms (FDA male 0.028 -> 0.045, vocadito OA 0.919 -> 0.902).
const VOICING_CENTRE: f32 = 0.4;
/// Only the first dips below a threshold matter: the Boltzmann weight of the 13th is e^-24.
const MAX_ORDER: usize = 12;
/// Candidates kept per frame (the likeliest).
const MAX_CANDIDATES: usize = 12;

/// One f0 candidate of a frame.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Candidate {
    /// Period in samples (sub-sample).
    pub period: f64,
    pub f0_hz: f32,
    /// Probability after the short-window check.
    pub prob: f32,
    /// Short-window periodicity in 0..=1.
    pub periodicity: f32,
    /// Pitch bin (10 cents from fmin).
    pub bin: u32,
    /// Probability from the long frame alone.
    pub raw_prob: f32,
}

/// A frame's emission: its candidates and the total voiced probability.
#[derive(Debug, Clone, Default)]
pub struct Emission {
    pub candidates: Vec<Candidate>,
    pub voiced_prob: f32,
}

impl Emission {
    pub(crate) fn clear(&mut self) {
        self.candidates.clear();
        self.voiced_prob = 0.0;
    }
}

/// Per-analyser buffers for [`candidates`], reused frame after frame.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    troughs: Vec<(usize, f32)>,
    probs: Vec<f64>,
}

/// Tables shared by every frame of one configuration.
#[derive(Debug)]
pub(crate) struct PyinTables {
    /// Prior mass of each threshold (i + 1) / 100.
    beta_probs: [f64; N_THRESHOLDS],
    /// Survival of the threshold prior: P(threshold > x) sampled at x = i / 1000.
    /// boltzmann[n][k]: weight of the k-th of n dips below a threshold.
    boltzmann: Vec<[f64; MAX_ORDER]>,
    /// Thresholds from this index on carry no prior mass worth counting (< 1e-12 in all).
    k_max: usize,
    fmin_hz: f64,
    n_bins: u32,
}

/// Regularised incomplete beta function for integer parameters (a binomial tail).
fn beta_cdf(x: f64, a: u32, b: u32) -> f64 {
    let n = a + b - 1;
    let mut total = 0.0;
    let mut binom = 1.0f64; // C(n, j), built up as j grows
    for j in 0..=n {
        if j >= a {
            total += binom * x.powi(j as i32) * (1.0 - x).powi((n - j) as i32);
        }
        binom = binom * f64::from(n - j) / f64::from(j + 1);
    }
    total.clamp(0.0, 1.0)
}

impl PyinTables {
    pub(crate) fn new(cfg: &Resolved) -> Self {
        let mut beta_probs = [0.0; N_THRESHOLDS];
        let mut prev = 0.0;
        for (i, p) in beta_probs.iter_mut().enumerate() {
            let c = beta_cdf((i + 1) as f64 / N_THRESHOLDS as f64, BETA_A, BETA_B);
            *p = c - prev;
            prev = c;
        }
        let lam = BOLTZMANN;
        let boltzmann = (0..=MAX_ORDER + 64)
            .map(|n| {
                let mut row = [0.0; MAX_ORDER];
                if n > 0 {
                    let norm = (1.0 - (-lam).exp()) / (1.0 - (-lam * n as f64).exp());
                    for (k, r) in row.iter_mut().enumerate().take(n.min(MAX_ORDER)) {
                        *r = norm * (-lam * k as f64).exp();
                    }
                }
                row
            })
            .collect();
        let mut k_max = N_THRESHOLDS;
        while k_max > 1 && beta_probs[k_max - 1..].iter().sum::<f64>() < 1e-12 {
            k_max -= 1;
        }
        let n_bins =
            (12.0 * BINS_PER_SEMITONE * (cfg.fmax_hz / cfg.fmin_hz).log2()).floor() as u32 + 1;
        Self {
            beta_probs,
            boltzmann,
            k_max,
            fmin_hz: cfg.fmin_hz,
            n_bins,
        }
    }

    fn bin(&self, f0_hz: f64) -> u32 {
        let b = (12.0 * BINS_PER_SEMITONE * (f0_hz / self.fmin_hz).log2()).round();
        b.clamp(0.0, f64::from(self.n_bins - 1)) as u32
    }
}

/// Fills `out` with the frame's candidates (periods and long-frame probabilities). `cm` is the
/// cumulative-mean-normalised difference, searched over `minp..=maxp`.
pub(crate) fn candidates(
    cm: &[f32],
    minp: usize,
    maxp: usize,
    t: &PyinTables,
    refine: impl Fn(usize) -> f64,
    out: &mut Emission,
    scratch: &mut Scratch,
) {
    out.clear();
    // Dips in lag order, and how many lie below each threshold.
    let troughs = &mut scratch.troughs;
    troughs.clear();
    let mut below = [0usize; N_THRESHOLDS];
    for tau in minp..=maxp {
        if is_trough(cm, tau, minp) {
            troughs.push((tau, cm[tau]));
            // First threshold index k with h < (k + 1) / 100.
            let k = ((cm[tau] * N_THRESHOLDS as f32).floor().max(0.0)) as usize;
            if k < N_THRESHOLDS {
                below[k] += 1;
            }
        }
    }
    if troughs.is_empty() {
        return;
    }
    for k in 1..N_THRESHOLDS {
        below[k] += below[k - 1];
    }
    let probs = &mut scratch.probs;
    probs.clear();
    probs.resize(troughs.len(), 0.0);
    let mut order = [0usize; N_THRESHOLDS];
    for (i, &(_, h)) in troughs.iter().enumerate() {
        let k0 = ((h * N_THRESHOLDS as f32).floor().max(0.0)) as usize;
        for k in k0..t.k_max {
            let pos = order[k];
            if pos >= MAX_ORDER {
                continue;
            }
            order[k] += 1;
            let n = below[k].min(t.boltzmann.len() - 1);
            probs[i] += t.beta_probs[k] * t.boltzmann[n][pos];
        }
    }
    // Thresholds below every dip still vote, weakly, for the deepest one.
    let (gi, &(_, gh)) = troughs
        .iter()
        .enumerate()
        .min_by(|a, b| a.1 .1.total_cmp(&b.1 .1))
        .unwrap_or((0, &troughs[0]));
    let k0 = ((gh * N_THRESHOLDS as f32).floor().max(0.0) as usize).min(N_THRESHOLDS);
    probs[gi] += NO_TROUGH_PROB * t.beta_probs[..k0].iter().sum::<f64>();

    for (i, &(tau, _)) in troughs.iter().enumerate() {
        if probs[i] > 1e-9 {
            let period = refine(tau);
            out.candidates.push(Candidate {
                period,
                raw_prob: probs[i] as f32,
                ..Default::default()
            });
        }
    }
    out.candidates.sort_by(|a, b| {
        b.raw_prob
            .total_cmp(&a.raw_prob)
            .then(a.period.total_cmp(&b.period))
    });
    out.candidates.truncate(MAX_CANDIDATES);
}

/// Probability that a frame is voiced given its short-window periodicity `rho` (the fraction of
/// local power that repeats): a logistic centred on `VOICING_CENTRE`.
fn periodic_evidence(rho: f32) -> f32 {
    1.0 / (1.0 + (-(rho - VOICING_CENTRE) / 0.1).exp())
}

/// Applies the short-window check, assigns bins, merges candidates sharing a bin and sums the
/// voiced probability. Needs `f0_hz` and `periodicity` filled in.
pub(crate) fn finish_emission(e: &mut Emission, t: &PyinTables) {
    let vp_long: f32 = e.candidates.iter().map(|c| c.raw_prob).sum();
    if vp_long <= 0.0 {
        e.clear();
        return;
    }
    // The long frame says which candidate (its share of the mass); voicing is the larger of its
    // mass and the short-window evidence, so a note's first and last frames, half of whose long
    // frame is silence, still count as voiced when the sound at their centre is periodic.
    // Mass-weighted over the candidates whose periodicity was measured (the likeliest).
    let (num, den) = e
        .candidates
        .iter()
        .filter(|c| c.periodicity.is_finite())
        .fold((0.0f32, 0.0f32), |(n, d), c| {
            (n + c.raw_prob * c.periodicity, d + c.raw_prob)
        });
    let rho = if den > 0.0 { num / den } else { 0.0 };
    let vp = vp_long.max(periodic_evidence(rho)).min(1.0);
    subharmonic_transfer(&mut e.candidates);
    for c in e.candidates.iter_mut() {
        c.bin = t.bin(f64::from(c.f0_hz));
        c.prob = c.raw_prob / vp_long * vp;
    }
    e.candidates
        .sort_by(|a, b| a.bin.cmp(&b.bin).then(b.prob.total_cmp(&a.prob)));
    let mut merged: Vec<Candidate> = Vec::with_capacity(e.candidates.len());
    for c in e.candidates.drain(..) {
        match merged.last_mut() {
            Some(m) if m.bin == c.bin => {
                m.prob += c.prob;
                m.raw_prob += c.raw_prob;
            }
            _ => merged.push(c),
        }
    }
    merged.retain(|c| c.prob > 1e-7);
    e.voiced_prob = merged.iter().map(|c| c.prob).sum::<f32>().clamp(0.0, 1.0);
    e.candidates = merged;
}

/// A candidate whose period is an integer multiple of a shorter candidate's is the same
/// periodicity seen k times over (a sub-harmonic): give part of its mass to the shorter one.
/// The total mass, and so the voicing probability, is unchanged.
fn subharmonic_transfer(cands: &mut [Candidate]) {
    for j in 0..cands.len() {
        let shorter = (0..cands.len()).find(|&i| {
            let r = cands[j].period / cands[i].period;
            let k = r.round();
            i != j && k >= 2.0 && (r - k).abs() <= 0.03 * k
        });
        if let Some(i) = shorter {
            let moved = cands[j].raw_prob * SUBHARMONIC_SHARE;
            cands[j].raw_prob -= moved;
            cands[i].raw_prob += moved;
        }
    }
}

/// The pitch/voicing HMM for one configuration.
#[derive(Debug, Clone)]
pub(crate) struct Hmm {
    /// log transition weight by bin distance 0..=half_width.
    log_trans: Vec<f64>,
    half_width: u32,
    log_stay_voicing: f64,
    log_switch: f64,
    log_enter_bin: f64,
}

/// Viterbi scores and back-pointers of one frame: index `k < K` is candidate `k`, `K` is the
/// unvoiced state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Column {
    bins: Vec<u32>,
    score: Vec<f64>,
    back: Vec<u32>,
}

impl Column {
    fn unvoiced(&self) -> usize {
        self.bins.len()
    }
    fn best(&self) -> usize {
        let mut b = 0;
        for (i, &s) in self.score.iter().enumerate() {
            if s > self.score[b] {
                b = i;
            }
        }
        b
    }
}

impl Hmm {
    pub(crate) fn new(cfg: &Resolved) -> Self {
        let hop_s = cfg.hop_length as f64 / f64::from(cfg.sample_rate);
        let semis = (MAX_OCTAVES_PER_S * 12.0 * hop_s).round().max(1.0);
        let half_width = (semis * BINS_PER_SEMITONE / 2.0).round().max(1.0) as u32;
        let h = f64::from(half_width);
        // Relative to staying on the same bin: the unvoiced state has no pitch to move, so an
        // absolute (normalised) triangle would charge voiced frames a toll unvoiced ones do not
        // pay, and the decision would no longer weigh the voiced probability against its
        // complement.
        let log_trans = (0..=half_width)
            .map(|d| ((h + 1.0 - f64::from(d)) / (h + 1.0)).ln())
            .collect();
        Self {
            log_trans,
            half_width,
            log_stay_voicing: (1.0 - SWITCH_PROB).ln(),
            log_switch: SWITCH_PROB.ln(),
            log_enter_bin: SWITCH_PROB.ln(),
        }
    }

    /// The first column (uniform start: voiced bins and unvoiced equally likely a priori).
    fn step(&self, prev: Option<&Column>, e: &Emission, col: &mut Column) {
        let k = e.candidates.len();
        col.bins.clear();
        col.score.clear();
        col.back.clear();
        let log_u = f64::from((1.0 - e.voiced_prob).max(1e-9)).ln();
        for c in &e.candidates {
            col.bins.push(c.bin);
        }
        match prev {
            None => {
                for c in &e.candidates {
                    col.score.push(f64::from(c.prob.max(1e-30)).ln());
                    col.back.push(0);
                }
                col.score.push(log_u);
                col.back.push(0);
            }
            Some(p) => {
                let pu = p.unvoiced();
                for c in &e.candidates {
                    let mut best = p.score[pu] + self.log_enter_bin;
                    let mut arg = pu;
                    for (i, &b) in p.bins.iter().enumerate() {
                        let d = b.abs_diff(c.bin);
                        if d <= self.half_width {
                            let s = p.score[i] + self.log_stay_voicing + self.log_trans[d as usize];
                            if s > best {
                                best = s;
                                arg = i;
                            }
                        }
                    }
                    col.score.push(best + f64::from(c.prob.max(1e-30)).ln());
                    col.back.push(arg as u32);
                }
                let mut best = p.score[pu] + self.log_stay_voicing;
                let mut arg = pu;
                for i in 0..p.bins.len() {
                    let s = p.score[i] + self.log_switch;
                    if s > best {
                        best = s;
                        arg = i;
                    }
                }
                col.score.push(best + log_u);
                col.back.push(arg as u32);
            }
        }
        // Keep scores near zero so long signals lose no precision.
        let top = col.score.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for s in col.score.iter_mut() {
            *s -= top;
        }
        debug_assert_eq!(col.score.len(), k + 1);
    }

    /// Offline Viterbi: for each frame, `Some(candidate index)` if voiced, `None` if not.
    pub(crate) fn decode<'a>(
        &self,
        emissions: impl Iterator<Item = &'a Emission>,
    ) -> Vec<Option<usize>> {
        let mut cols: Vec<Column> = Vec::new();
        for e in emissions {
            let mut col = Column::default();
            self.step(cols.last(), e, &mut col);
            cols.push(col);
        }
        let mut path = vec![None; cols.len()];
        let Some(last) = cols.last() else {
            return path;
        };
        let mut s = last.best();
        for t in (0..cols.len()).rev() {
            let col = &cols[t];
            path[t] = (s < col.unvoiced()).then_some(s);
            s = col.back[s] as usize;
        }
        path
    }
}

/// Fixed-lag Viterbi: frame `t` is decided when frame `t + lag` arrives, by tracing back from
/// the best state then. Memory is `lag + 1` columns.
#[derive(Debug, Clone)]
pub(crate) struct FixedLag {
    hmm: Hmm,
    lag: usize,
    /// Ring of the last `lag + 1` columns; `count` columns pushed in total.
    ring: Vec<Column>,
    count: usize,
}

impl FixedLag {
    pub(crate) fn new(hmm: Hmm, lag: usize) -> Self {
        Self {
            hmm,
            lag,
            ring: vec![Column::default(); lag + 1],
            count: 0,
        }
    }

    pub(crate) fn hmm(&self) -> &Hmm {
        &self.hmm
    }

    /// Adds a frame; returns the decision for frame `count - 1 - lag` once there is one, as
    /// `(frame index, Some(candidate) or None)`.
    pub(crate) fn push(&mut self, e: &Emission) -> Option<(usize, Option<usize>)> {
        let n = self.ring.len();
        let idx = self.count % n;
        let mut col = std::mem::take(&mut self.ring[idx]);
        let prev = (self.count > 0).then(|| &self.ring[(self.count - 1) % n]);
        self.hmm.step(prev, e, &mut col);
        self.ring[idx] = col;
        self.count += 1;
        if self.count <= self.lag {
            return None;
        }
        let target = self.count - 1 - self.lag;
        Some((target, self.trace(target)))
    }

    fn trace(&self, target: usize) -> Option<usize> {
        let n = self.ring.len();
        let last = self.count - 1;
        let mut s = self.ring[last % n].best();
        let mut t = last;
        while t > target {
            s = self.ring[t % n].back[s] as usize;
            t -= 1;
        }
        let col = &self.ring[t % n];
        (s < col.unvoiced()).then_some(s)
    }

    /// Decisions for the frames not yet decided, in order.
    pub(crate) fn flush(&mut self) -> Vec<(usize, Option<usize>)> {
        let first = self.count.saturating_sub(self.lag);
        (first..self.count).map(|t| (t, self.trace(t))).collect()
    }
}

/// True when `cm[tau]` is a local minimum (the first searched lag counts when it is below its
/// right neighbour).
pub(crate) fn is_trough(cm: &[f32], tau: usize, minp: usize) -> bool {
    let right = cm.get(tau + 1).copied().unwrap_or(f32::INFINITY);
    if tau == minp {
        cm[tau] < right
    } else {
        cm[tau] < cm[tau - 1] && cm[tau] <= right
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_prior_sums_to_one_and_has_mean_point_one() {
        let cfg = Resolved::new(22050, &crate::analysis::PitchParams::default()).unwrap();
        let t = PyinTables::new(&cfg);
        let total: f64 = t.beta_probs.iter().sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        let mean: f64 = t
            .beta_probs
            .iter()
            .enumerate()
            .map(|(i, p)| p * (i as f64 + 0.5) / 100.0)
            .sum();
        assert!((mean - 0.1).abs() < 0.005, "{mean}");
        assert!((beta_cdf(0.5, 1, 1) - 0.5).abs() < 1e-12);
    }
}
