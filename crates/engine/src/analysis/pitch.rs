//! Fundamental-frequency tracking: the parameters, the per-frame YIN analysis shared by YIN,
//! pYIN and the streaming analyser, and the offline entry points [`analyze_pitch`] /
//! [`analyze_pitch_mono`].
//!
//! The YIN difference function (de Cheveigne and Kawahara 2002) is computed through an FFT
//! cross-correlation of the frame with its first half, as librosa does, then normalised by its
//! cumulative mean. Unlike librosa, the analysed span is centred on the frame's time stamp, so a
//! frame describes the sound around its time rather than the sound just after it; this matters
//! at note boundaries and for the streaming analyser's latency.

use std::sync::Arc;

use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::pitch_params::Resolved;
pub use super::pitch_params::{default_frame_length, default_hop_length, PitchMethod, PitchParams};
use super::pyin::{self, is_trough, Emission, PyinTables};
use crate::{AudioBuffer, Error, Result};

/// A pitch track: one entry per frame. Frame `i` is centred on sample `i * hop_length`
/// (librosa's `center=True`), so `times_s[i] = i * hop_length / sample_rate`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PitchTrack {
    /// The tracker that made it.
    pub method: PitchMethod,
    pub times_s: Vec<f64>,
    /// f0 in Hz; NaN where the frame is unvoiced.
    pub f0_hz: Vec<f32>,
    pub voiced: Vec<bool>,
    /// Probability that the frame is voiced (pYIN: the mass of its f0 candidates; YIN: one
    /// minus the depth of the chosen dip).
    pub voiced_prob: Vec<f32>,
    pub sample_rate: u32,
    pub hop_length: usize,
    pub frame_length: usize,
}

impl PitchTrack {
    /// A track made elsewhere (another tracker's output, a reference annotation), for note
    /// segmentation or drawing: frames at `times_s` (increasing), `f0_hz` (NaN or <= 0 where
    /// unvoiced), voicing (default: where f0 is positive) and its probability (default 1 where
    /// voiced, 0 elsewhere). `hop_length` and `frame_length` describe the grid in samples at
    /// `sample_rate`.
    pub fn from_parts(
        times_s: Vec<f64>,
        f0_hz: Vec<f32>,
        voiced: Option<Vec<bool>>,
        voiced_prob: Option<Vec<f32>>,
        sample_rate: u32,
        hop_length: usize,
        frame_length: usize,
    ) -> Result<Self> {
        let n = times_s.len();
        let bad = |m: String| Err(Error::InvalidArgument(format!("pitch track: {m}")));
        if f0_hz.len() != n {
            return bad(format!("{} f0 values for {n} times", f0_hz.len()));
        }
        if sample_rate == 0 || hop_length == 0 {
            return bad("sample_rate and hop_length must be at least 1".into());
        }
        if times_s.iter().any(|t| !t.is_finite()) || times_s.windows(2).any(|w| w[1] <= w[0]) {
            return bad("times must be finite and increasing".into());
        }
        let voiced = voiced.unwrap_or_else(|| f0_hz.iter().map(|f| *f > 0.0).collect());
        if voiced.len() != n {
            return bad(format!("{} voicing flags for {n} times", voiced.len()));
        }
        let voiced_prob = voiced_prob
            .unwrap_or_else(|| voiced.iter().map(|&v| if v { 1.0 } else { 0.0 }).collect());
        if voiced_prob.len() != n {
            return bad(format!(
                "{} voicing probabilities for {n} times",
                voiced_prob.len()
            ));
        }
        let f0_hz = f0_hz
            .iter()
            .zip(&voiced)
            .map(|(&f, &v)| {
                if v && f.is_finite() && f > 0.0 {
                    f
                } else {
                    f32::NAN
                }
            })
            .collect::<Vec<_>>();
        let voiced = f0_hz.iter().map(|f| f.is_finite()).collect();
        Ok(Self {
            method: PitchMethod::External,
            times_s,
            f0_hz,
            voiced,
            voiced_prob,
            sample_rate,
            hop_length,
            frame_length,
        })
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.times_s.len()
    }

    /// True when the track has no frames.
    pub fn is_empty(&self) -> bool {
        self.times_s.is_empty()
    }
}

/// The smallest FFT size at least `n` whose only factors are 2, 3 and 5.
fn fast_size(n: usize) -> usize {
    let mut m = n.max(2);
    loop {
        let mut k = m;
        for p in [2, 3, 5] {
            while k.is_multiple_of(p) {
                k /= p;
            }
        }
        if k == 1 {
            return m;
        }
        m += 1;
    }
}

/// What the YIN analysis of one frame found.
#[derive(Debug, Clone, Default)]
pub(crate) struct FrameObs {
    /// YIN: the chosen f0 (NaN if the frame is silent) and whether its dip is below threshold.
    pub yin_f0: f32,
    pub yin_voiced: bool,
    pub yin_prob: f32,
    /// pYIN: the f0 candidates with their probabilities and short-window periodicity.
    pub emission: Emission,
    /// Mean square of the samples around the frame centre (one hop), for note levels.
    pub power: f32,
}

/// Runs YIN on frames: FFT plans and scratch, reused frame after frame. One per thread.
pub(crate) struct FrameAnalyzer {
    cfg: Resolved,
    fft_len: usize,
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    buf: Vec<f32>,
    spec_x: Vec<realfft::num_complex::Complex<f32>>,
    spec_w: Vec<realfft::num_complex::Complex<f32>>,
    scratch_f: Vec<realfft::num_complex::Complex<f32>>,
    scratch_i: Vec<realfft::num_complex::Complex<f32>>,
    seg: Vec<f32>,
    acf: Vec<f32>,
    cmnd: Vec<f32>,
    tables: Arc<PyinTables>,
    scratch: pyin::Scratch,
}

impl FrameAnalyzer {
    pub(crate) fn new(cfg: &Resolved, tables: Arc<PyinTables>) -> Self {
        let fft_len = fast_size(cfg.span());
        let mut planner = RealFftPlanner::<f32>::new();
        let forward = planner.plan_fft_forward(fft_len);
        let inverse = planner.plan_fft_inverse(fft_len);
        Self {
            buf: forward.make_input_vec(),
            spec_x: forward.make_output_vec(),
            spec_w: forward.make_output_vec(),
            scratch_f: forward.make_scratch_vec(),
            scratch_i: inverse.make_scratch_vec(),
            seg: vec![0.0; cfg.span()],
            acf: vec![0.0; fft_len],
            cmnd: vec![0.0; cfg.max_period + 2],
            cfg: cfg.clone(),
            fft_len,
            forward,
            inverse,
            tables,
            scratch: pyin::Scratch::default(),
        }
    }

    /// The cumulative-mean-normalised difference function of the centred segment (`self.seg`,
    /// whose first half has energy `energy`) into `self.cmnd`, for lags up to the longest
    /// period.
    fn normalised_difference(&mut self, energy: f64) -> Result<()> {
        let cfg = &self.cfg;
        let w = cfg.frame_length / 2;
        let span = cfg.span();
        // acf[tau] = sum_{j < w} x[j] x[j + tau], by FFT cross-correlation of the segment with
        // its first w samples.
        let seg = &self.seg;
        self.buf[..span].copy_from_slice(seg);
        self.buf[span..].fill(0.0);
        self.forward
            .process_with_scratch(&mut self.buf, &mut self.spec_x, &mut self.scratch_f)
            .map_err(|e| Error::Internal(format!("pitch FFT failed: {e}")))?;
        self.buf[..w].copy_from_slice(&seg[..w]);
        self.buf[w..].fill(0.0);
        self.forward
            .process_with_scratch(&mut self.buf, &mut self.spec_w, &mut self.scratch_f)
            .map_err(|e| Error::Internal(format!("pitch FFT failed: {e}")))?;
        for (x, y) in self.spec_x.iter_mut().zip(&self.spec_w) {
            *x *= y.conj();
        }
        if let Some(last) = self.spec_x.last_mut() {
            last.im = 0.0;
        }
        self.spec_x[0].im = 0.0;
        self.inverse
            .process_with_scratch(&mut self.spec_x, &mut self.acf, &mut self.scratch_i)
            .map_err(|e| Error::Internal(format!("pitch FFT failed: {e}")))?;
        let scale = 1.0 / self.fft_len as f32;

        // d(tau) = E(0) + E(tau) - 2 acf(tau), with E(tau) the energy of x[tau .. tau + w].
        let maxp = cfg.max_period + 1;
        let e0 = energy;
        let mut e_tau = energy;
        let mut cum = 0.0f64;
        self.cmnd[0] = 1.0;
        // Two passes: the running sums are serial, the divisions then vectorise.
        for tau in 1..=maxp {
            let out_s = f64::from(seg[tau - 1]);
            let in_s = f64::from(seg[tau + w - 1]);
            e_tau += in_s * in_s - out_s * out_s;
            let d = (e0 + e_tau.max(0.0) - 2.0 * f64::from(self.acf[tau] * scale)).max(0.0);
            cum += d;
            self.cmnd[tau] = d as f32;
            self.acf[tau] = cum as f32;
        }
        for tau in 1..=maxp {
            let c = self.acf[tau];
            self.cmnd[tau] = if c > 0.0 {
                self.cmnd[tau] * tau as f32 / c
            } else {
                1.0
            };
        }
        Ok(())
    }

    /// Analyses one frame. `frame` holds `frame_length` samples with the frame's time stamp at
    /// index `frame_length / 2`. `want_pyin` adds the pYIN candidates.
    pub(crate) fn analyze(
        &mut self,
        frame: &[f32],
        want_pyin: bool,
        out: &mut FrameObs,
    ) -> Result<()> {
        let cfg = &self.cfg;
        let n = cfg.frame_length;
        let w = n / 2;
        let span = cfg.span();
        let centre = n / 2;
        let start = centre - span / 2;
        let seg = &mut self.seg;
        seg.copy_from_slice(&frame[start..start + span]);
        // Pitch is a property of the AC part: removing the segment's mean keeps DC offsets and
        // rumble from reading as a perfectly periodic signal.
        let mean = sum(seg) / span as f64;
        for x in seg.iter_mut() {
            *x -= mean as f32;
        }
        let half_hop = (cfg.hop_length / 2).max(1);
        let lo = centre.saturating_sub(half_hop);
        let hi = (centre + half_hop).min(n);
        out.power = (sum_squares(&frame[lo..hi]) / (hi - lo) as f64) as f32;
        out.emission.clear();
        out.yin_f0 = f32::NAN;
        out.yin_voiced = false;
        out.yin_prob = 0.0;

        let energy = sum_squares(&seg[..w]);
        // Below about -140 dBFS there is nothing to analyse (and the normalised difference
        // would be 0/0).
        if energy <= 1e-14 * w as f64 {
            return Ok(());
        }

        self.normalised_difference(energy)?;
        let cfg = &self.cfg;
        let (minp, maxp) = (cfg.min_period, cfg.max_period);
        let cm = &self.cmnd;
        // YIN: the first dip below threshold, else the deepest one.
        let mut best = minp;
        let mut found = false;
        for tau in minp..=maxp {
            if cm[tau] < cm[best] {
                best = tau;
            }
            if cm[tau] < cfg.yin_threshold && is_trough(cm, tau, minp) {
                best = tau;
                found = true;
                break;
            }
        }
        let period = parabolic(cm, best, minp, maxp);
        out.yin_f0 = (f64::from(cfg.sample_rate) / period) as f32;
        // Noise fills in the dips of a quiet note: without a dip below threshold, the deepest
        // dip still counts when its period repeats around the frame's time (more than half the
        // local power periodic, the same evidence pYIN uses).
        out.yin_voiced = found
            || (!want_pyin
                && periodicity(frame, centre, period, f64::from(cfg.sample_rate)) >= 0.5);
        out.yin_prob = (1.0 - cm[best]).clamp(0.0, 1.0);

        if want_pyin {
            pyin::candidates(
                cm,
                minp,
                maxp,
                &self.tables,
                |tau| parabolic(cm, tau, minp, maxp),
                &mut out.emission,
                &mut self.scratch,
            );
            let sr = f64::from(cfg.sample_rate);
            // Candidates come likeliest first; the short-window check matters only for those
            // carrying real mass (it is averaged weighted by that mass).
            let top = out.emission.candidates.first().map_or(0.0, |c| c.raw_prob);
            for (i, c) in out.emission.candidates.iter_mut().enumerate() {
                c.periodicity = if i < 4 && c.raw_prob >= 0.02 * top {
                    periodicity(frame, centre, c.period, sr)
                } else {
                    f32::NAN
                };
                c.f0_hz = (sr / c.period) as f32;
            }
            pyin::finish_emission(&mut out.emission, &self.tables);
        }
        Ok(())
    }
}

/// The lag of the parabola's vertex through `tau - 1, tau, tau + 1` (sub-sample period).
pub(crate) fn parabolic(cm: &[f32], tau: usize, minp: usize, maxp: usize) -> f64 {
    if tau <= minp.max(1) || tau >= maxp {
        return tau as f64;
    }
    let (a, b, c) = (
        f64::from(cm[tau - 1]),
        f64::from(cm[tau]),
        f64::from(cm[tau + 1]),
    );
    let den = a - 2.0 * b + c;
    if den.abs() < 1e-12 {
        return tau as f64;
    }
    tau as f64 + (0.5 * (a - c) / den).clamp(-1.0, 1.0)
}

/// Short-window periodicity at `period` around `centre`: 2 sum x[n] x[n+T] / sum (x[n]^2 +
/// x[n+T]^2) over about two periods (at least 20 ms) centred on the frame's time. It is the
/// fraction of the local power that repeats with that period (1 for a clean tone, 0 for noise),
/// measured on a span much shorter than the frame, so voicing can end where the sound does.
pub(crate) fn periodicity(frame: &[f32], centre: usize, period: f64, sr: f64) -> f32 {
    let t0 = period.floor() as usize;
    let frac = (period - t0 as f64) as f32;
    let len = ((2.0 * period).max(0.020 * sr)) as usize;
    let first = centre as i64 - ((len as f64 + period) / 2.0) as i64;
    let first = first.max(0) as usize;
    let last = (first + len).min(frame.len().saturating_sub(t0 + 2));
    if last <= first {
        return 0.0;
    }
    let xs = &frame[first..last];
    let ya = &frame[first + t0..last + t0];
    let yb = &frame[first + t0 + 1..last + t0 + 1];
    // Eight independent lanes so the loop vectorises; f32 is ample for a ratio of sums over a
    // few thousand samples.
    let (mut sx, mut sy, mut sxy, mut sxx, mut syy) = (
        [0.0f32; 8],
        [0.0f32; 8],
        [0.0f32; 8],
        [0.0f32; 8],
        [0.0f32; 8],
    );
    let (a, b) = (1.0 - frac, frac);
    let n8 = xs.len() / 8 * 8;
    for ((xc, ac), bc) in xs[..n8]
        .chunks_exact(8)
        .zip(ya[..n8].chunks_exact(8))
        .zip(yb[..n8].chunks_exact(8))
    {
        for l in 0..8 {
            let x = xc[l];
            let y = ac[l] * a + bc[l] * b;
            sx[l] += x;
            sy[l] += y;
            sxy[l] += x * y;
            sxx[l] += x * x;
            syy[l] += y * y;
        }
    }
    let total = |v: [f32; 8]| v.iter().map(|&x| f64::from(x)).sum::<f64>();
    let (mut sx, mut sy, mut sxy, mut sxx, mut syy) =
        (total(sx), total(sy), total(sxy), total(sxx), total(syy));
    for i in n8..xs.len() {
        let x = f64::from(xs[i]);
        let y = f64::from(ya[i] * a + yb[i] * b);
        sx += x;
        sy += y;
        sxy += x * y;
        sxx += x * x;
        syy += y * y;
    }
    // Around each window's own mean, so an offset does not read as periodic.
    let m = xs.len() as f64;
    let xy = sxy - sx * sy / m;
    let e = (sxx - sx * sx / m) + (syy - sy * sy / m);
    if e <= 1e-20 {
        0.0
    } else {
        ((2.0 * xy / e) as f32).clamp(0.0, 1.0)
    }
}

/// Sum of squares in eight lanes (vectorises), accumulated in f64 at the end.
fn sum_squares(x: &[f32]) -> f64 {
    let mut acc = [0.0f32; 8];
    let n8 = x.len() / 8 * 8;
    for c in x[..n8].chunks_exact(8) {
        for l in 0..8 {
            acc[l] += c[l] * c[l];
        }
    }
    acc.iter().map(|&v| f64::from(v)).sum::<f64>()
        + x[n8..]
            .iter()
            .map(|&v| f64::from(v) * f64::from(v))
            .sum::<f64>()
}

/// Sum in eight lanes.
fn sum(x: &[f32]) -> f64 {
    let mut acc = [0.0f32; 8];
    let n8 = x.len() / 8 * 8;
    for c in x[..n8].chunks_exact(8) {
        for l in 0..8 {
            acc[l] += c[l];
        }
    }
    acc.iter().map(|&v| f64::from(v)).sum::<f64>()
        + x[n8..].iter().map(|&v| f64::from(v)).sum::<f64>()
}

/// Pitch of a (multichannel) buffer: channels are averaged first.
pub fn analyze_pitch(audio: &AudioBuffer, params: &PitchParams) -> Result<PitchTrack> {
    let mono = audio.to_mono();
    analyze_pitch_mono(&mono, audio.sample_rate(), params)
}

/// Pitch of a mono signal.
pub fn analyze_pitch_mono(
    mono: &[f32],
    sample_rate: u32,
    params: &PitchParams,
) -> Result<PitchTrack> {
    analyze_pitch_mono_progress(mono, sample_rate, params, &crate::Progress::default())
}

/// [`analyze_pitch_mono`] reporting the fraction of frames analysed (0..=1) as it goes.
pub fn analyze_pitch_mono_progress(
    mono: &[f32],
    sample_rate: u32,
    params: &PitchParams,
    progress: &crate::Progress,
) -> Result<PitchTrack> {
    let cfg = Resolved::new(sample_rate, params)?;
    if let Some(i) = mono.iter().position(|x| !x.is_finite()) {
        return Err(Error::InvalidArgument(format!(
            "pitch: input sample {i} is {} (NaN or infinite samples cannot be analysed)",
            mono[i]
        )));
    }
    let want_pyin = params.method == PitchMethod::Pyin;
    let obs = observe(mono, &cfg, want_pyin, progress)?;
    let n = obs.len();
    let mut track = PitchTrack {
        method: params.method,
        times_s: (0..n)
            .map(|i| (i * cfg.hop_length) as f64 / f64::from(sample_rate))
            .collect(),
        f0_hz: Vec::with_capacity(n),
        voiced: Vec::with_capacity(n),
        voiced_prob: Vec::with_capacity(n),
        sample_rate,
        hop_length: cfg.hop_length,
        frame_length: cfg.frame_length,
    };
    match params.method {
        PitchMethod::Yin => {
            for o in &obs {
                track.voiced.push(o.yin_voiced);
                track
                    .f0_hz
                    .push(if o.yin_voiced { o.yin_f0 } else { f32::NAN });
                track.voiced_prob.push(o.yin_prob);
            }
        }
        PitchMethod::Pyin | PitchMethod::External => {
            let hmm = pyin::Hmm::new(&cfg);
            let path = hmm.decode(obs.iter().map(|o| &o.emission));
            for (o, state) in obs.iter().zip(path) {
                let f0 = state.map_or(f32::NAN, |k| o.emission.candidates[k].f0_hz);
                track.voiced.push(state.is_some());
                track.f0_hz.push(f0);
                track.voiced_prob.push(o.emission.voiced_prob);
            }
        }
    }
    Ok(track)
}

/// Per-frame observations of a whole signal, computed on up to four threads (frames are
/// independent, so the result does not depend on the split).
pub(crate) fn observe(
    mono: &[f32],
    cfg: &Resolved,
    want_pyin: bool,
    progress: &crate::Progress,
) -> Result<Vec<FrameObs>> {
    let done = std::sync::atomic::AtomicUsize::new(0);
    let n_frames = cfg.frame_count(mono.len());
    let tables = Arc::new(PyinTables::new(cfg));
    let threads = crate::threads::available().min(4).min(n_frames / 64).max(1);
    let per = n_frames.div_ceil(threads);
    let run = |range: std::ops::Range<usize>| -> Result<Vec<FrameObs>> {
        let mut fa = FrameAnalyzer::new(cfg, tables.clone());
        let n = cfg.frame_length;
        let mut frame = vec![0.0f32; n];
        let mut out = Vec::with_capacity(range.len());
        for i in range {
            let start = (i * cfg.hop_length) as i64 - (n / 2) as i64;
            fill_frame(mono, start, &mut frame);
            let mut o = FrameObs::default();
            fa.analyze(&frame, want_pyin, &mut o)?;
            out.push(o);
            if out.len() % 256 == 0 {
                if let Some(f) = &progress.0 {
                    let d = done.fetch_add(256, std::sync::atomic::Ordering::Relaxed) + 256;
                    f(d as f64 / n_frames.max(1) as f64);
                }
            }
        }
        Ok(out)
    };
    if threads == 1 {
        return run(0..n_frames);
    }
    let parts: Vec<Result<Vec<FrameObs>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let range = (t * per).min(n_frames)..((t + 1) * per).min(n_frames);
                s.spawn(move || run(range))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::Internal("pitch worker panicked".into())))
            })
            .collect()
    });
    let mut all = Vec::with_capacity(n_frames);
    for p in parts {
        all.extend(p?);
    }
    Ok(all)
}

/// Copies `frame.len()` samples of `mono` starting at `start` (may be negative), zero outside.
pub(crate) fn fill_frame(mono: &[f32], start: i64, frame: &mut [f32]) {
    let len = mono.len() as i64;
    let n = frame.len() as i64;
    let a = start.clamp(0, len);
    let b = (start + n).clamp(0, len);
    frame.fill(0.0);
    if b > a {
        let off = (a - start) as usize;
        frame[off..off + (b - a) as usize].copy_from_slice(&mono[a as usize..b as usize]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_types_are_send_and_sync() {
        fn is<T: Send + Sync>() {}
        is::<PitchTrack>();
        is::<PitchParams>();
        is::<pyin::Candidate>();
    }

    #[test]
    fn fast_sizes_have_small_factors() {
        assert_eq!(fast_size(2729), 2880);
        assert_eq!(fast_size(1024), 1024);
        assert_eq!(default_frame_length(22050), 2048);
        assert_eq!(default_frame_length(44100), 4096);
        assert_eq!(default_frame_length(48000), 4352);
    }
}
