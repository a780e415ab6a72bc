//! Dynamics: a feed-forward [`Compressor`] with a soft knee, a look-ahead [`Limiter`] whose
//! ceiling holds for the true (4x oversampled) peak, a plain [`Gain`], and [`LoudnessNormalize`]
//! to an integrated loudness target (ITU-R BS.1770-4 through `ebur128`). Level detection is
//! linked across channels (the loudest channel sets one gain for all), so the stereo image does
//! not move. Every effect computes one gain per frame into a reused buffer, then multiplies the
//! channels by it in a second, vectorisable pass.

use std::collections::VecDeque;

use super::{check_finite, check_param, check_rate, check_shape, Effect};
use crate::gain::{self, db_to_amp};
use crate::{AudioBuffer, Error, Result};

/// Compressor settings. Defaults are pedalboard's (a ratio of 1 leaves the signal unchanged).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompressorParams {
    /// Level above which gain is reduced, in dBFS (-100 to 0; default 0).
    pub threshold_db: f32,
    /// Input dB over the threshold per output dB, 1 to 100 (default 1).
    pub ratio: f32,
    /// Time to react to a rise in level, 0 to 1000 ms (default 1).
    pub attack_ms: f32,
    /// Time to recover after the level falls, 0 to 5000 ms (default 100).
    pub release_ms: f32,
    /// Width of the soft knee around the threshold, 0 to 48 dB (default 0, a hard knee).
    pub knee_db: f32,
    /// Gain added after compression, -60 to 60 dB (default 0).
    pub makeup_gain_db: f32,
}

impl Default for CompressorParams {
    fn default() -> Self {
        CompressorParams {
            threshold_db: 0.0,
            ratio: 1.0,
            attack_ms: 1.0,
            release_ms: 100.0,
            knee_db: 0.0,
            makeup_gain_db: 0.0,
        }
    }
}

impl CompressorParams {
    fn validate(&self) -> Result<()> {
        check_param("compressor", "threshold_db", self.threshold_db, -100.0, 0.0)?;
        check_param("compressor", "ratio", self.ratio, 1.0, 100.0)?;
        check_param("compressor", "attack_ms", self.attack_ms, 0.0, 1000.0)?;
        check_param("compressor", "release_ms", self.release_ms, 0.0, 5000.0)?;
        check_param("compressor", "knee_db", self.knee_db, 0.0, 48.0)?;
        check_param(
            "compressor",
            "makeup_gain_db",
            self.makeup_gain_db,
            -60.0,
            60.0,
        )
    }
}

/// One-pole smoothing coefficient for a time constant of `ms` at `sample_rate`.
fn one_pole(ms: f32, sample_rate: u32) -> f64 {
    let samples = f64::from(ms) * 1e-3 * f64::from(sample_rate);
    if samples <= 0.0 {
        0.0
    } else {
        (-1.0 / samples).exp()
    }
}

/// 2^x to about 2e-7 relative error (1e-6 dB), several times cheaper than `f32::exp2`: the
/// nearest integer goes into the exponent bits and a degree-6 Taylor polynomial covers the
/// remaining fraction in [-0.5, 0.5].
fn fast_exp2(x: f32) -> f32 {
    let x = x.clamp(-126.0, 126.0);
    // Round to nearest by the 1.5 * 2^23 trick: plain float arithmetic, so loops vectorise.
    const MAGIC: f32 = 12_582_912.0;
    let i = (x + MAGIC) - MAGIC;
    let f = (x - i) * std::f32::consts::LN_2;
    let p = 1.0
        + f * (1.0
            + f * (0.5
                + f * (1.0 / 6.0 + f * (1.0 / 24.0 + f * (1.0 / 120.0 + f * (1.0 / 720.0))))));
    // i is within -126..=126, so the biased exponent is a normal float's.
    let scale = f32::from_bits((((i as i32) + 127) as u32) << 23);
    p * scale
}

/// log2(x) for positive normal x to about 1e-7 absolute error: the exponent bits plus
/// 2 atanh((m - 1) / (m + 1)) / ln 2 for the mantissa m in [sqrt(1/2), sqrt(2)).
fn fast_log2(x: f32) -> f32 {
    let bits = x.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 127;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    if m > std::f32::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let ln = 2.0 * t * (1.0 + t2 * (1.0 / 3.0 + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0))));
    e as f32 + ln * std::f32::consts::LOG2_E
}

/// Per-frame peak across channels into `peak` (resized to the frame count).
fn linked_peak(channels: &[Vec<f32>], peak: &mut Vec<f32>) {
    let frames = channels.first().map_or(0, Vec::len);
    peak.clear();
    peak.resize(frames, 0.0);
    for c in channels {
        for (p, x) in peak.iter_mut().zip(c) {
            *p = p.max(x.abs());
        }
    }
}

fn apply_gains(channels: &mut [Vec<f32>], gains: &[f32]) {
    for c in channels {
        for (x, g) in c.iter_mut().zip(gains) {
            *x *= g;
        }
    }
}

/// A feed-forward compressor: a static soft-knee curve in dB (Giannoulis, Massberg and Reiss,
/// 2012), its gain reduction smoothed with separate attack and release one-pole filters.
#[derive(Debug, Clone)]
pub struct Compressor {
    params: CompressorParams,
    sample_rate: u32,
    attack: f64,
    release: f64,
    /// Smoothed gain reduction in dB (<= 0).
    env_db: f64,
    scratch: Vec<f32>,
}

impl Compressor {
    pub fn new(params: CompressorParams) -> Result<Self> {
        params.validate()?;
        Ok(Compressor {
            params,
            sample_rate: 0,
            attack: 0.0,
            release: 0.0,
            env_db: 0.0,
            scratch: Vec::new(),
        })
    }

    pub fn params(&self) -> &CompressorParams {
        &self.params
    }

    /// Gain reduction in dB (<= 0) of the static curve for an input level in dB.
    fn curve(&self, level_db: f64) -> f64 {
        let t = f64::from(self.params.threshold_db);
        let r = f64::from(self.params.ratio);
        let w = f64::from(self.params.knee_db);
        let over = level_db - t;
        if 2.0 * over <= -w {
            0.0
        } else if w > 0.0 && 2.0 * over.abs() <= w {
            (1.0 / r - 1.0) * (over + w / 2.0).powi(2) / (2.0 * w)
        } else {
            (1.0 / r - 1.0) * over
        }
    }
}

impl Effect for Compressor {
    fn name(&self) -> &'static str {
        "compressor"
    }

    fn process(&mut self, channels: &mut [Vec<f32>], sample_rate: u32) -> Result<()> {
        check_shape(channels, "compressor")?;
        check_finite(channels, "compressor")?;
        check_rate("compressor", sample_rate)?;
        if sample_rate != self.sample_rate {
            self.sample_rate = sample_rate;
            self.attack = one_pole(self.params.attack_ms, sample_rate);
            self.release = one_pole(self.params.release_ms, sample_rate);
            self.env_db = 0.0;
        }
        let mut gains = std::mem::take(&mut self.scratch);
        linked_peak(channels, &mut gains);
        // Below the knee the curve is flat: no logarithm needed.
        let knee_start =
            db_to_amp(f64::from(self.params.threshold_db) - f64::from(self.params.knee_db) / 2.0)
                as f32;
        let makeup_db = f64::from(self.params.makeup_gain_db);
        let (attack, release) = (self.attack, self.release);
        let mut env = self.env_db;
        // dB = 20 log10(x) = DB_PER_LOG2 * log2(x); f32 log2/exp2 are far cheaper than f64
        // log10/powf and exact enough for a gain (errors far below 0.001 dB).
        const DB_PER_LOG2: f32 = 6.020_6;
        for g in gains.iter_mut() {
            let target = if *g > knee_start {
                self.curve(f64::from(DB_PER_LOG2 * fast_log2(*g)))
            } else {
                0.0
            };
            let coef = if target < env { attack } else { release };
            env = target + coef * (env - target);
            // Recovered to within a millionth of a dB: exactly unity from here on.
            if env > -1e-6 {
                env = 0.0;
            }
            *g = (env + makeup_db) as f32;
        }
        // The exponentials do not feed back, so they run in a separate, vectorisable pass.
        for g in gains.iter_mut() {
            *g = fast_exp2(*g / DB_PER_LOG2);
        }
        self.env_db = env;
        apply_gains(channels, &gains);
        self.scratch = gains;
        Ok(())
    }

    fn reset(&mut self) {
        self.env_db = 0.0;
    }

    fn in_place_whole_buffer(&self) -> bool {
        true
    }
}

/// Limiter settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimiterParams {
    /// Highest true peak let through, in dBFS (-60 to 0; default -1).
    pub ceiling_db: f32,
    /// Time to recover after a peak, 1 to 5000 ms (default 100).
    pub release_ms: f32,
    /// How far ahead the limiter looks, 0.1 to 50 ms (default 2); the gain fades in over this
    /// time, and it is (with the true-peak detector's 8 samples) the limiter's latency.
    pub lookahead_ms: f32,
}

impl Default for LimiterParams {
    fn default() -> Self {
        LimiterParams {
            ceiling_db: -1.0,
            release_ms: 100.0,
            lookahead_ms: 2.0,
        }
    }
}

impl LimiterParams {
    fn validate(&self) -> Result<()> {
        check_param("limiter", "ceiling_db", self.ceiling_db, -60.0, 0.0)?;
        check_param("limiter", "release_ms", self.release_ms, 1.0, 5000.0)?;
        check_param("limiter", "lookahead_ms", self.lookahead_ms, 0.1, 50.0)
    }
}

/// Half the length of the true-peak interpolator (taps per phase = 2 * `TP_HALF`).
const TP_HALF: usize = 8;
const TP_TAPS: usize = 2 * TP_HALF;
/// Frames of true-peak interpolation computed at once (fits in L1 with the samples).
const TP_BLOCK: usize = 256;

/// The three fractional phases (1/4, 1/2, 3/4) of a 4x windowed-sinc interpolator. Tap `k` of
/// phase `p` multiplies the sample `k - TP_HALF + 1` frames from the interval's start.
fn true_peak_filter() -> [[f32; TP_TAPS]; 3] {
    fn bessel_i0(x: f64) -> f64 {
        let (mut sum, mut term) = (1.0, 1.0);
        for k in 1..40 {
            term *= (x / 2.0) / f64::from(k);
            sum += term * term;
        }
        sum
    }
    let beta = 7.0;
    let mut h = [[0.0f32; TP_TAPS]; 3];
    for (p, phase) in h.iter_mut().enumerate() {
        let frac = (p as f64 + 1.0) / 4.0;
        for (k, tap) in phase.iter_mut().enumerate() {
            // Distance from the interpolated point to this tap's sample.
            let t = frac - (k as f64 - TP_HALF as f64 + 1.0);
            let sinc = if t == 0.0 {
                1.0
            } else {
                (std::f64::consts::PI * t).sin() / (std::f64::consts::PI * t)
            };
            let r = t / TP_HALF as f64;
            let w = if r.abs() >= 1.0 {
                0.0
            } else {
                bessel_i0(beta * (1.0 - r * r).sqrt()) / bessel_i0(beta)
            };
            *tap = (sinc * w) as f32;
        }
    }
    h
}

/// A look-ahead peak limiter whose ceiling holds for the true peak: each frame's level is the
/// largest of its samples and the 4x-interpolated values on both sides of it. The gain needed at
/// each frame is spread over the look-ahead with a sliding minimum followed by a moving average
/// of the same length, which guarantees the gain at a peak is at most what the peak needs, then
/// recovers with a one-pole release. The output is delayed by [`Effect::latency_frames`].
#[derive(Debug, Clone)]
pub struct Limiter {
    params: LimiterParams,
    filter: [[f32; TP_TAPS]; 3],
    /// Bound on the interpolated magnitude relative to the loudest sample under the filter.
    filter_gain: f32,
    state: Option<LimiterState>,
    scratch: Vec<f32>,
}

#[derive(Debug, Clone)]
struct LimiterState {
    sample_rate: u32,
    channels: usize,
    lookahead: usize,
    ceiling: f32,
    release: f32,
    /// The last `history` input frames of each channel.
    hist: Vec<Vec<f32>>,
    /// Frames processed so far.
    n: u64,
    prev_tp: f32,
    /// Required gains of the last `lookahead` frames, by frame number modulo `lookahead`.
    required: Vec<f32>,
    /// Sliding-minimum candidates (frame, required gain).
    window: VecDeque<(u64, f32)>,
    /// Sliding minima of the last `lookahead` frames, by frame number modulo `lookahead`.
    minima: Vec<f32>,
    sum: f64,
    level: f32,
    /// `n` modulo the look-ahead.
    slot: usize,
}

impl Limiter {
    pub fn new(params: LimiterParams) -> Result<Self> {
        params.validate()?;
        let filter = true_peak_filter();
        let filter_gain = filter
            .iter()
            .map(|p| p.iter().map(|x| x.abs()).sum::<f32>())
            .fold(1.0f32, f32::max);
        Ok(Limiter {
            params,
            filter,
            filter_gain,
            state: None,
            scratch: Vec::new(),
        })
    }

    pub fn params(&self) -> &LimiterParams {
        &self.params
    }

    fn lookahead_frames(&self, sample_rate: u32) -> usize {
        ((f64::from(self.params.lookahead_ms) * 1e-3 * f64::from(sample_rate)).round() as usize)
            .max(1)
    }

    fn history(lookahead: usize) -> usize {
        2 * TP_HALF + lookahead
    }

    fn new_state(&self, sample_rate: u32, channels: usize) -> LimiterState {
        let lookahead = self.lookahead_frames(sample_rate);
        LimiterState {
            sample_rate,
            channels,
            lookahead,
            ceiling: db_to_amp(f64::from(self.params.ceiling_db)) as f32,
            release: one_pole(self.params.release_ms, sample_rate) as f32,
            hist: vec![vec![0.0; Self::history(lookahead)]; channels],
            n: 0,
            prev_tp: 0.0,
            required: vec![1.0; lookahead],
            window: VecDeque::with_capacity(lookahead + 1),
            minima: vec![1.0; lookahead],
            // The average starts over a window full of unity gain (no reduction before the start).
            sum: lookahead as f64,
            level: 1.0,
            slot: 0,
        }
    }
}

/// The true peak of each interval of the chunk (chunk frame `t` at history index
/// `hist_len + t`), block by block so the polyphase filters vectorise. Where no sample under the
/// filter exceeds `loud_level` (the ceiling over the filter's gain) the interpolated values
/// cannot exceed the ceiling, so the sample peaks stand.
fn true_peaks(
    hist: &[Vec<f32>],
    peaks: &[f32],
    filter: &[[f32; TP_TAPS]; 3],
    hist_len: usize,
    frames: usize,
    loud_level: f32,
) -> Vec<f32> {
    let mut tps: Vec<f32> = peaks[hist_len - TP_HALF..hist_len - TP_HALF + frames].to_vec();
    let mut acc = [0.0f32; TP_BLOCK];
    let mut start = 0;
    while start < frames {
        let len = TP_BLOCK.min(frames - start);
        let first = hist_len + start + 1 - TP_TAPS;
        let loud = peaks[first..hist_len + start + len]
            .iter()
            .any(|&p| p > loud_level);
        if loud {
            for ch in hist {
                for phase in filter {
                    let acc = &mut acc[..len];
                    acc.fill(0.0);
                    for (k, &h) in phase.iter().enumerate() {
                        let x = &ch[first + k..first + k + len];
                        for (a, &v) in acc.iter_mut().zip(x) {
                            *a += h * v;
                        }
                    }
                    for (tp, a) in tps[start..start + len].iter_mut().zip(acc.iter()) {
                        *tp = tp.max(a.abs());
                    }
                }
            }
        }
        start += len;
    }
    tps
}

impl LimiterState {
    /// The gain of each frame of the chunk whose interval peaks are `tps`: the gain each needs,
    /// its look-ahead minimum, averaged over the look-ahead, released smoothly. Sequential.
    fn gains(&mut self, tps: &[f32]) -> Vec<f32> {
        let ceiling = self.ceiling;
        let mut gains = vec![0.0f32; tps.len()];
        let l = self.lookahead;
        let full = l as f64;
        let inv_l = 1.0 / full;
        for (t, gain_out) in gains.iter_mut().enumerate() {
            let n = self.n + t as u64;
            let tp = tps[t];
            // Frame m needs the ceiling for the intervals on both sides of it.
            let level = tp.max(self.prev_tp);
            self.prev_tp = tp;
            let required = if level > ceiling {
                ceiling / level
            } else {
                1.0
            };
            // slot = n mod l, kept as a counter (a division per frame costs more than the rest).
            let slot = self.slot;
            let next = if slot + 1 == l { 0 } else { slot + 1 };
            self.slot = next;
            // Steady state at unity (every stored requirement and minimum is 1, the gain is 1):
            // a frame needing no reduction changes nothing but the window's newest entry.
            if required == 1.0
                && self.level == 1.0
                && self.sum == full
                && self.window.front().is_none_or(|&(_, r)| r == 1.0)
            {
                self.window.clear();
                self.window.push_back((n, 1.0));
                self.required[slot] = 1.0;
                self.minima[slot] = 1.0;
                *gain_out = 1.0;
                continue;
            }
            // Sliding minimum over frames (m - l, m].
            while self.window.back().is_some_and(|&(_, r)| r >= required) {
                self.window.pop_back();
            }
            self.window.push_back((n, required));
            while self.window.front().is_some_and(|&(k, _)| k + l as u64 <= n) {
                self.window.pop_front();
            }
            let min_ahead = self.window.front().map_or(1.0, |&(_, r)| r);
            // The minimum of (m - l, m] is the look-ahead minimum of frame k = m - l + 1; the
            // average of the last l such minima is the gain of frame k.
            let leaving = self.minima[slot];
            self.minima[slot] = min_ahead;
            self.sum += f64::from(min_ahead) - f64::from(leaving);
            // `required` of frame k was stored l - 1 frames ago, in the slot after this one.
            self.required[slot] = required;
            let k_required = self.required[next];
            let avg = (self.sum * inv_l) as f32;
            let target = avg.min(k_required);
            self.level = target.min(1.0 - (1.0 - self.level) * self.release);
            *gain_out = self.level;
        }
        gains
    }
}

impl Effect for Limiter {
    fn name(&self) -> &'static str {
        "limiter"
    }

    fn process(&mut self, channels: &mut [Vec<f32>], sample_rate: u32) -> Result<()> {
        let frames = check_shape(channels, "limiter")?;
        check_finite(channels, "limiter")?;
        check_rate("limiter", sample_rate)?;
        if channels.is_empty() {
            return Ok(());
        }
        let fresh = match &self.state {
            Some(s) => s.sample_rate != sample_rate || s.channels != channels.len(),
            None => true,
        };
        if fresh {
            self.state = Some(self.new_state(sample_rate, channels.len()));
        }
        let Some(st) = self.state.as_mut() else {
            return Ok(());
        };
        let hist_len = st.hist.first().map_or(0, Vec::len);
        let l = st.lookahead;
        // Extend each channel's history by the chunk: frame `t` of the chunk is at `hist_len + t`.
        for (h, c) in st.hist.iter_mut().zip(channels.iter()) {
            h.extend_from_slice(c);
        }
        let mut peaks = std::mem::take(&mut self.scratch);
        linked_peak(&st.hist, &mut peaks);
        let ceiling = st.ceiling;
        // Pass 1, vectorisable: the true peak of each interval [m, m + 1), m = n - TP_HALF
        // (chunk frame t, history index e = hist_len + t, samples e - 15 ..= e). Pass 2,
        // sequential: the gains.
        let tps = true_peaks(
            &st.hist,
            &peaks,
            &self.filter,
            hist_len,
            frames,
            ceiling / self.filter_gain,
        );
        let gains = st.gains(&tps);
        // Frame k = n - TP_HALF - l + 1 sits at history index e - TP_HALF - l + 1.
        let delay = TP_HALF + l - 1;
        for (h, c) in st.hist.iter().zip(channels.iter_mut()) {
            let src = &h[hist_len - delay..hist_len - delay + frames];
            for ((y, x), g) in c.iter_mut().zip(src).zip(&gains) {
                *y = (x * g).clamp(-ceiling, ceiling);
            }
        }
        for h in &mut st.hist {
            h.drain(..frames);
        }
        st.n += frames as u64;
        self.scratch = peaks;
        Ok(())
    }

    fn reset(&mut self) {
        self.state = None;
    }

    fn latency_frames(&self, sample_rate: u32) -> usize {
        TP_HALF + self.lookahead_frames(sample_rate) - 1
    }
}

/// A fixed gain.
#[derive(Debug, Clone)]
pub struct Gain {
    gain_db: f32,
    gain: f32,
}

impl Gain {
    /// `gain_db` from -120 to 60 dB.
    pub fn new(gain_db: f32) -> Result<Self> {
        check_param("gain", "gain_db", gain_db, -120.0, 60.0)?;
        Ok(Gain {
            gain_db,
            gain: db_to_amp(f64::from(gain_db)) as f32,
        })
    }

    pub fn gain_db(&self) -> f32 {
        self.gain_db
    }
}

impl Effect for Gain {
    fn name(&self) -> &'static str {
        "gain"
    }

    fn process(&mut self, channels: &mut [Vec<f32>], sample_rate: u32) -> Result<()> {
        check_shape(channels, "gain")?;
        check_finite(channels, "gain")?;
        check_rate("gain", sample_rate)?;
        for c in channels {
            for x in c.iter_mut() {
                *x *= self.gain;
            }
        }
        Ok(())
    }

    fn reset(&mut self) {}

    fn in_place_whole_buffer(&self) -> bool {
        true
    }
}

/// Scales a whole signal to an integrated loudness target (ITU-R BS.1770-4, gated, through
/// `ebur128`). A signal too quiet or short to measure (under 400 ms, or below the -70 LUFS gate)
/// is returned unchanged. Peaks are not limited: put a [`Limiter`] after it.
///
/// Loudness is a property of the whole signal, so this effect works on whole buffers only:
/// streaming ([`Effect::process`], Python's `reset=False`) returns an error rather than a gain
/// that would change as more audio arrives.
#[derive(Debug, Clone)]
pub struct LoudnessNormalize {
    target_lufs: f32,
}

impl LoudnessNormalize {
    /// `target_lufs` from -70 to 0.
    pub fn new(target_lufs: f32) -> Result<Self> {
        check_param("loudness_normalize", "target_lufs", target_lufs, -70.0, 0.0)?;
        Ok(LoudnessNormalize { target_lufs })
    }

    pub fn target_lufs(&self) -> f32 {
        self.target_lufs
    }
}

impl Effect for LoudnessNormalize {
    fn name(&self) -> &'static str {
        "loudness_normalize"
    }

    fn process(&mut self, _channels: &mut [Vec<f32>], _sample_rate: u32) -> Result<()> {
        Err(Error::InvalidArgument(
            "loudness_normalize needs the whole signal to measure its loudness: process whole \
             buffers (Python: reset=True), not chunks"
                .into(),
        ))
    }

    fn reset(&mut self) {}

    fn process_buffer(&mut self, audio: &AudioBuffer) -> Result<AudioBuffer> {
        check_rate("loudness_normalize", audio.sample_rate())?;
        let mut out = audio.clone();
        if audio.channel_count() == 0 || audio.frames() == 0 {
            return Ok(out);
        }
        if let Some(lufs) = gain::integrated_loudness(audio)? {
            out.apply_gain(db_to_amp(f64::from(self.target_lufs) - lufs) as f32)?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, amp: f32, frames: usize, sr: u32) -> Vec<f32> {
        (0..frames)
            .map(|i| amp * (2.0 * std::f32::consts::PI * freq * i as f32 / sr as f32).sin())
            .collect()
    }

    #[test]
    fn compressor_reaches_static_curve() {
        let sr = 48_000;
        let p = CompressorParams {
            threshold_db: -20.0,
            ratio: 4.0,
            attack_ms: 1.0,
            release_ms: 50.0,
            ..Default::default()
        };
        let mut c = Compressor::new(p).unwrap();
        // A square wave at -8 dBFS: 12 dB over the threshold -> 3 dB over after compression.
        let amp = db_to_amp(-8.0) as f32;
        let mut x = vec![(0..sr)
            .map(|i| if (i / 50) % 2 == 0 { amp } else { -amp })
            .collect::<Vec<f32>>()];
        c.process(&mut x, sr as u32).unwrap();
        let out_db = 20.0 * f64::from(x[0][sr - 1].abs()).log10();
        assert!((out_db + 17.0).abs() < 0.01, "{out_db}");
    }

    #[test]
    fn fast_log2_is_accurate() {
        let mut x = 1e-6f32;
        while x < 100.0 {
            // Within 1e-6 or a couple of f32 steps of the result, whichever is larger.
            let err = (fast_log2(x) - x.log2()).abs();
            assert!(err < 1e-6f32.max(x.log2().abs() * 2.5e-7), "{x}: {err}");
            x *= 1.0137;
        }
    }

    #[test]
    fn fast_exp2_is_accurate() {
        let mut x = -40.0f32;
        while x < 10.0 {
            let rel = (fast_exp2(x) / x.exp2() - 1.0).abs();
            assert!(rel < 5e-7, "{x}: {rel}");
            x += 0.013;
        }
    }

    #[test]
    fn compressor_soft_knee_is_continuous() {
        let c = Compressor::new(CompressorParams {
            threshold_db: -20.0,
            ratio: 4.0,
            knee_db: 6.0,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.curve(-23.0), 0.0);
        assert!((c.curve(-17.0) - (-0.75 * 3.0)).abs() < 1e-9);
        assert!(c.curve(-20.0) < 0.0 && c.curve(-20.0) > -0.75 * 3.0);
    }

    #[test]
    fn limiter_holds_ceiling_with_latency() {
        let sr = 44_100u32;
        let mut lim = Limiter::new(LimiterParams::default()).unwrap();
        let mut x = vec![sine(997.0, 2.0, 44_100, sr), sine(3001.0, 0.5, 44_100, sr)];
        let input = x.clone();
        lim.process(&mut x, sr).unwrap();
        let ceiling = db_to_amp(-1.0) as f32;
        assert!(x.iter().flatten().all(|v| v.abs() <= ceiling));
        let lat = lim.latency_frames(sr);
        assert_eq!(lat, 8 + 88 - 1);
        // Delay: the output's first frames are silent, and quiet parts pass at unity.
        assert!(x[0][..lat].iter().all(|&v| v == 0.0));
        let mut quiet = vec![sine(440.0, 0.1, 4000, sr)];
        let q_in = quiet.clone();
        lim.reset();
        lim.process(&mut quiet, sr).unwrap();
        for i in lat..4000 {
            assert!((quiet[0][i] - q_in[0][i - lat]).abs() < 1e-7);
        }
        let _ = input;
    }

    #[test]
    fn gain_and_loudness() {
        let sr = 48_000u32;
        let mut g = Gain::new(-6.0).unwrap();
        let mut x = vec![vec![1.0f32; 4]];
        g.process(&mut x, sr).unwrap();
        assert!((x[0][0] - 0.501_187).abs() < 1e-5);
        let audio = AudioBuffer::new(
            vec![sine(1000.0, 0.1, 96_000, sr), sine(1000.0, 0.1, 96_000, sr)],
            sr,
        )
        .unwrap();
        let mut ln = LoudnessNormalize::new(-16.0).unwrap();
        let out = ln.process_buffer(&audio).unwrap();
        let l = gain::integrated_loudness(&out).unwrap().unwrap();
        assert!((l + 16.0).abs() < 0.01, "{l}");
        assert!(ln.process(&mut x, sr).is_err());
        assert!(Gain::new(f32::INFINITY)
            .unwrap_err()
            .to_string()
            .contains("gain_db"));
        assert!(LoudnessNormalize::new(5.0)
            .unwrap_err()
            .to_string()
            .contains("target_lufs"));
    }
}
