//! Note onsets: an onset detection function (spectral flux on a log-magnitude, log-frequency
//! spectrogram with SuperFlux vibrato suppression, or the rise of log energy), adaptive peak
//! picking, and optional backtracking to the preceding energy minimum. One streaming core,
//! [`OnsetTracker`], does all of it frame by frame with a fixed look-ahead; the offline
//! [`detect_onsets`] runs the same core over the whole signal, so offline and streaming results
//! are identical, and identical whatever the chunk sizes.
//!
//! Conventions: frame `k` is centred on sample `k * hop`; the signal is extended before its
//! start with its first sample (edge padding, so a DC offset or a signal already sounding at
//! 0 s does not look like a sound starting from silence) and after its end with zeros. An
//! onset's time is the centre of the frame where the detection function peaks; with
//! `backtrack` it moves back to the end of the quiet stretch before the rise in short-block
//! energy (2 ms blocks), which is what a segmentation wants.

use std::collections::VecDeque;
use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use crate::{AudioBuffer, Error, Result};

/// One detected onset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Onset {
    /// Time from the start of the signal, in seconds.
    pub time_s: f64,
    /// The detection function at the peak: mean rise per band in dB (spectral flux) or rise
    /// of frame energy in dB (energy). Comparable between onsets of one signal.
    pub strength: f32,
}

/// The detection function behind the onsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnsetMethod {
    /// Positive rise of log magnitude per log-frequency band, against the previous frame
    /// maximum-filtered across frequency (SuperFlux, Boeck and Widmer 2013): robust to vibrato
    /// and to soft onsets under louder sustained notes. The default.
    #[default]
    SpectralFlux,
    /// Positive rise of frame energy in dB: cheap, good for percussive or isolated notes, blind
    /// to a pitch change at a constant level.
    Energy,
}

impl OnsetMethod {
    /// `"spectral_flux"` or `"energy"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::SpectralFlux => "spectral_flux",
            Self::Energy => "energy",
        }
    }
}

impl std::str::FromStr for OnsetMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "spectral_flux" => Ok(Self::SpectralFlux),
            "energy" => Ok(Self::Energy),
            other => Err(Error::InvalidArgument(format!(
                "method must be 'spectral_flux' or 'energy', not {other:?}"
            ))),
        }
    }
}

/// Detected onsets as columns, with how they were found: what a caller reports.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Onsets {
    pub method: OnsetMethod,
    pub backtrack: bool,
    /// Onset times in seconds.
    pub times_s: Vec<f64>,
    /// Detection-function value at each onset (see [`Onset::strength`]).
    pub strengths: Vec<f32>,
}

impl Onsets {
    /// Columns of `onsets`, found with `params`.
    pub fn new(onsets: &[Onset], params: &OnsetParams) -> Self {
        Self {
            method: params.method,
            backtrack: params.backtrack,
            times_s: onsets.iter().map(|o| o.time_s).collect(),
            strengths: onsets.iter().map(|o| o.strength).collect(),
        }
    }

    /// Number of onsets.
    pub fn len(&self) -> usize {
        self.times_s.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.times_s.is_empty()
    }
}

/// Parameters of onset detection. The defaults suit music at any sample rate.
#[derive(Debug, Clone, PartialEq)]
pub struct OnsetParams {
    pub method: OnsetMethod,
    /// Move each onset back to the start of its energy rise (see the module docs).
    pub backtrack: bool,
    /// Analysis window (default 0.04644 s: 2048 samples at 44.1 kHz), rounded to the nearest
    /// FFT length made of factors 2, 3 and 5. Range 0.005..=0.2.
    pub frame_s: f64,
    /// Step between frames (default 0.005 s). Range 0.001..=0.05.
    pub hop_s: f64,
    /// Frames between the two spectra compared (default 1). Range 1..=8.
    pub lag_frames: usize,
    /// Width of the maximum filter across frequency bands applied to the earlier spectrum
    /// (SuperFlux vibrato suppression; 1 turns it off). Default 3, range 1..=15 and odd.
    pub max_filter_bands: usize,
    /// Bands per octave of the log-frequency filterbank (default 24); 0 keeps linear FFT bins.
    /// Range 0..=96.
    pub bands_per_octave: u32,
    /// Magnitudes are compressed as log(1 + gamma * |X|), |X| = 1 for a full-scale sine: the
    /// default 1e5 puts the knee at -100 dBFS, so the flux is nearly level-independent.
    pub log_gamma: f32,
    /// Band magnitudes more than this far below the recent loudest band (a running maximum
    /// falling 20 dB/s) are compressed like the knee above, so the faint spectral valleys of
    /// clean recordings, which vibrato and note ends stir up, cannot add flux. Default 60 dB,
    /// range 20..=200.
    pub dynamic_range_db: f32,
    /// A peak must exceed `mean_factor` times the mean of the detection function over the last
    /// `mean_window_s`, plus `delta`. `delta` in the detection function's unit (dB); `None`
    /// picks the method's default: 0.1 dB mean rise per band (spectral flux), 2 dB (energy).
    pub delta: Option<f32>,
    /// Default 1.5 (the threshold is 1.5 x the recent mean + delta). Range 0..=10.
    pub mean_factor: f32,
    /// Default 0.1 s. Range 0..=2.
    pub mean_window_s: f64,
    /// A band's rise counts only beyond this many dB (default 0.5): smaller rises are the
    /// frame-to-frame wobble of noise, so noise adds little to the detection function while
    /// the delta can stay low enough for soft notes in dense polyphony. Range 0..=20.
    pub band_threshold_db: f32,
    /// A peak must be the maximum over this much before it (default 0.03 s, range 0..=0.5) ...
    pub pre_max_s: f64,
    /// ... and this much after it (default 0.02 s, range 0..=0.04): the look-ahead that sets
    /// the streaming latency.
    pub post_max_s: f64,
    /// Minimum time between onsets (default 0.03 s, range 0..=1).
    pub min_interval_s: f64,
}

impl Default for OnsetParams {
    fn default() -> Self {
        OnsetParams {
            method: OnsetMethod::SpectralFlux,
            backtrack: false,
            frame_s: 0.04644,
            hop_s: 0.005,
            lag_frames: 1,
            max_filter_bands: 3,
            bands_per_octave: 24,
            log_gamma: 1e5,
            dynamic_range_db: 60.0,
            delta: None,
            mean_factor: 1.5,
            mean_window_s: 0.1,
            band_threshold_db: 0.5,
            pre_max_s: 0.03,
            post_max_s: 0.02,
            min_interval_s: 0.03,
        }
    }
}

/// Lowest and highest filterbank frequencies.
const FMIN_HZ: f64 = 30.0;
const FMAX_HZ: f64 = 17_000.0;
/// How fast the reference for `dynamic_range_db` forgets a loud passage.
const REF_DECAY_DB_PER_S: f64 = 20.0;
/// Block length of the energy envelope used for backtracking.
const BACKTRACK_BLOCK_S: f64 = 0.002;
/// How far above the quiet floor the rise must be before it counts as the onset, in dB.
const BACKTRACK_RISE_DB: f32 = 6.0;

fn check_range<T: PartialOrd + std::fmt::Display>(name: &str, v: T, lo: T, hi: T) -> Result<()> {
    if v >= lo && v <= hi {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "onsets: {name} = {v} is outside {lo}..={hi}"
        )))
    }
}

/// A triangular band of the filterbank: weights over consecutive FFT bins.
#[derive(Debug, Clone)]
struct Band {
    start: usize,
    weights: Vec<f32>,
}

/// The filterbank's bands below 0.475 x the sample rate, and how many bands the full 30 Hz to
/// 17 kHz range has at this bin spacing: the flux is normalised by that full count, so a
/// band-limited signal (a low sample rate) is judged as the same signal at 44.1 kHz would be.
fn filterbank(n_fft: usize, sample_rate: u32, bands_per_octave: u32) -> (Vec<Band>, usize) {
    let bins = n_fft / 2 + 1;
    let sr = f64::from(sample_rate);
    let top = ((0.475 * n_fft as f64).floor() as usize).min(bins - 1);
    if bands_per_octave == 0 {
        let bands: Vec<Band> = (1..=top)
            .map(|b| Band {
                start: b,
                weights: vec![1.0],
            })
            .collect();
        let full = ((FMAX_HZ * n_fft as f64 / sr).round() as usize).max(bands.len());
        return (bands, full);
    }
    let octaves = (FMAX_HZ / FMIN_HZ).log2();
    let steps = (octaves * f64::from(bands_per_octave)).floor() as usize;
    // Centre frequencies snapped to bins and de-duplicated, so low bands never get narrower
    // than one bin (madmom's unique_filters).
    let mut centres: Vec<usize> = Vec::new();
    for i in 0..=steps {
        let f = FMIN_HZ * 2f64.powf(i as f64 / f64::from(bands_per_octave));
        let b = (f * n_fft as f64 / sr).round() as usize;
        if b >= 1 && centres.last() != Some(&b) {
            centres.push(b);
        }
    }
    let full = centres.len().saturating_sub(2);
    let mut bands = Vec::new();
    for w in centres.windows(3) {
        let (l, c, r) = (w[0], w[1], w[2]);
        if r > top {
            break;
        }
        let mut weights = Vec::with_capacity(r - l + 1);
        for b in l..=r {
            let v = if b <= c {
                (b - l) as f32 / (c - l) as f32
            } else {
                (r - b) as f32 / (r - c) as f32
            };
            weights.push(v);
        }
        let sum: f32 = weights.iter().sum();
        for v in &mut weights {
            *v /= sum;
        }
        bands.push(Band { start: l, weights });
    }
    (bands, full.max(1))
}

/// The FFT length nearest `target` whose only prime factors are 2, 3 and 5 (fast), and even.
fn smooth_length(target: f64) -> usize {
    let t = target.round().max(16.0) as usize;
    let smooth = |mut n: usize| {
        for p in [2, 3, 5] {
            while n.is_multiple_of(p) {
                n /= p;
            }
        }
        n == 1
    };
    (0..t)
        .flat_map(|d| [t + d, t.saturating_sub(d)])
        .find(|&n| n >= 16 && n % 2 == 0 && smooth(n))
        .unwrap_or(16)
}

/// Everything fixed by the parameters and the sample rate.
#[derive(Clone)]
struct Config {
    sample_rate: u32,
    method: OnsetMethod,
    backtrack: bool,
    n_fft: usize,
    hop: usize,
    lag: usize,
    max_filter: usize,
    gamma: f32,
    range: f32,
    ref_decay: f32,
    delta: f32,
    mean_factor: f32,
    mean_frames: usize,
    band_threshold_db: f32,
    pre_max: usize,
    post_max: usize,
    min_interval: usize,
    block: usize,
    bands: Vec<Band>,
    /// Bands of the full-range filterbank (the flux's denominator).
    full_bands: usize,
    /// FFT bins below the top of the highest band.
    bins_used: usize,
    window: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
}

impl Config {
    fn new(sample_rate: u32, p: &OnsetParams) -> Result<Self> {
        check_range("sample_rate", sample_rate, 1000, 768_000)?;
        check_range("frame_s", p.frame_s, 0.005, 0.2)?;
        check_range("hop_s", p.hop_s, 0.001, 0.05)?;
        check_range("lag_frames", p.lag_frames, 1, 8)?;
        check_range("max_filter_bands", p.max_filter_bands, 1, 15)?;
        if p.max_filter_bands.is_multiple_of(2) {
            return Err(Error::InvalidArgument(format!(
                "onsets: max_filter_bands = {} must be odd (1..=15)",
                p.max_filter_bands
            )));
        }
        check_range("bands_per_octave", p.bands_per_octave, 0, 96)?;
        check_range("log_gamma", p.log_gamma, 1e-3, 1e9)?;
        check_range("dynamic_range_db", p.dynamic_range_db, 20.0, 200.0)?;
        check_range("mean_factor", p.mean_factor, 0.0, 10.0)?;
        check_range("mean_window_s", p.mean_window_s, 0.0, 2.0)?;
        check_range("band_threshold_db", p.band_threshold_db, 0.0, 20.0)?;
        check_range("pre_max_s", p.pre_max_s, 0.0, 0.5)?;
        check_range("post_max_s", p.post_max_s, 0.0, 0.04)?;
        check_range("min_interval_s", p.min_interval_s, 0.0, 1.0)?;
        let delta = match (p.delta, p.method) {
            (Some(d), _) => {
                check_range("delta", d, 0.0, 100.0)?;
                d
            }
            (None, OnsetMethod::SpectralFlux) => 0.1,
            (None, OnsetMethod::Energy) => 2.0,
        };
        let sr = f64::from(sample_rate);
        // The same duration at every rate, so bins are the same width in Hz and the
        // filterbank the same bands.
        let n_fft = smooth_length(p.frame_s * sr);
        let hop = ((p.hop_s * sr).round() as usize).max(1);
        let fps = sr / hop as f64;
        let frames = |s: f64| (s * fps).round() as usize;
        let window: Vec<f32> = (0..n_fft)
            .map(|i| {
                let x = std::f64::consts::PI * 2.0 * i as f64 / n_fft as f64;
                (0.5 - 0.5 * x.cos()) as f32
            })
            .collect();
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n_fft);
        let (bands, full_bands) = filterbank(n_fft, sample_rate, p.bands_per_octave);
        Ok(Config {
            sample_rate,
            method: p.method,
            backtrack: p.backtrack,
            n_fft,
            hop,
            lag: p.lag_frames,
            max_filter: p.max_filter_bands,
            gamma: p.log_gamma,
            range: 10f32.powf(-p.dynamic_range_db / 20.0),
            ref_decay: 10f64.powf(-REF_DECAY_DB_PER_S / 20.0 / fps) as f32,
            delta,
            mean_factor: p.mean_factor,
            mean_frames: frames(p.mean_window_s),
            band_threshold_db: p.band_threshold_db,
            pre_max: frames(p.pre_max_s),
            post_max: frames(p.post_max_s),
            min_interval: frames(p.min_interval_s),
            block: ((BACKTRACK_BLOCK_S * sr).round() as usize).max(1),
            bins_used: bands.last().map_or(0, |b| b.start + b.weights.len()),
            full_bands,
            bands,
            window,
            fft,
        })
    }

    fn frames_per_second(&self) -> f64 {
        f64::from(self.sample_rate) / self.hop as f64
    }

    /// Samples kept for backtracking behind the start of the newest frame's window.
    fn history(&self) -> usize {
        if self.backtrack {
            self.n_fft / 2 + self.post_max * self.hop + self.block
        } else {
            0
        }
    }
}

/// Streaming onset detection: feed mono samples in chunks of any size, get each onset once its
/// look-ahead has arrived. Memory is constant and the onsets do not depend on the chunking.
/// Non-finite samples are treated as silence (the offline functions refuse them instead).
/// FFT buffers for [`band_sums`], one set per thread.
struct FrameScratch {
    fft_in: Vec<f32>,
    fft_out: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    mags: Vec<f32>,
}

impl FrameScratch {
    fn new(cfg: &Config) -> Self {
        FrameScratch {
            fft_in: vec![0.0; cfg.n_fft],
            fft_out: cfg.fft.make_output_vec(),
            scratch: cfg.fft.make_scratch_vec(),
            mags: vec![0.0; cfg.n_fft / 2 + 1],
        }
    }
}

/// The filterbank band magnitudes of one windowed frame (`frame.len() == n_fft`), written to
/// `out`. A pure function of the frame, so frames can be computed on any thread in any order.
fn band_sums(cfg: &Config, frame: &[f32], b: &mut FrameScratch, out: &mut Vec<f32>) {
    for ((d, w), x) in b.fft_in.iter_mut().zip(&cfg.window).zip(frame) {
        *d = x * w;
    }
    // Cannot fail: the buffers come from the same plan.
    let _ = cfg
        .fft
        .process_with_scratch(&mut b.fft_in, &mut b.fft_out, &mut b.scratch);
    // A full-scale sine has magnitude 1 at its bin.
    let scale = 2.0 / (cfg.n_fft as f32 * 0.5);
    for (m, c) in b.mags[..cfg.bins_used].iter_mut().zip(&b.fft_out) {
        *m = (c.re * c.re + c.im * c.im).sqrt() * scale;
    }
    out.clear();
    for band in &cfg.bands {
        let s: f32 = band
            .weights
            .iter()
            .zip(&b.mags[band.start..])
            .map(|(w, m)| w * m)
            .sum();
        out.push(s);
    }
}

pub struct OnsetTracker {
    cfg: Config,
    params: OnsetParams,
    /// Padded samples from `buf_start` on (padded index = sample index + n_fft / 2).
    buf: Vec<f32>,
    buf_start: u64,
    /// Padded samples received so far (including the start padding once it is known).
    received: u64,
    started: bool,
    next_frame: u64,
    bufs: FrameScratch,
    /// Offline only: band sums of the first frames, computed in parallel beforehand (frame
    /// `k` at `k * bands.len()`), bit-identical to computing them here.
    precomputed: Vec<f32>,
    /// Spectra (maximum-filtered) or energies of the last `lag` frames, oldest first.
    previous: VecDeque<Vec<f32>>,
    current: Vec<f32>,
    /// Detection function of recent frames; `odf_start` is the frame index of its front.
    odf: VecDeque<f32>,
    odf_start: u64,
    last_onset: Option<u64>,
    /// Running maximum of band magnitudes (see `dynamic_range_db`).
    reference: f32,
    /// Set while `flush` computes frames that reach into the padding after the end.
    ending: bool,
    /// Collects the whole detection function when run offline.
    record: Option<Vec<f32>>,
}

impl std::fmt::Debug for OnsetTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnsetTracker")
            .field("sample_rate", &self.cfg.sample_rate)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl OnsetTracker {
    /// A tracker for mono audio at `sample_rate`; refuses parameters out of range.
    pub fn new(sample_rate: u32, params: OnsetParams) -> Result<Self> {
        let cfg = Config::new(sample_rate, &params)?;
        Ok(Self::fresh(cfg, params))
    }

    fn fresh(cfg: Config, params: OnsetParams) -> Self {
        OnsetTracker {
            bufs: FrameScratch::new(&cfg),
            precomputed: Vec::new(),
            cfg,
            params,
            buf: Vec::new(),
            buf_start: 0,
            received: 0,
            started: false,
            next_frame: 0,
            previous: VecDeque::new(),
            current: Vec::new(),
            odf: VecDeque::new(),
            odf_start: 0,
            last_onset: None,
            reference: 0.0,
            ending: false,
            record: None,
        }
    }

    /// Time from a sample entering [`process`](Self::process) to the latest onset it can
    /// produce being returned: half a window plus the peak-picking look-ahead.
    pub fn latency_s(&self) -> f64 {
        (self.cfg.n_fft / 2 + self.cfg.post_max * self.cfg.hop) as f64
            / f64::from(self.cfg.sample_rate)
    }

    /// Detection-function frames per second.
    pub fn frames_per_second(&self) -> f64 {
        self.cfg.frames_per_second()
    }

    /// The parameters this tracker was made with.
    pub fn params(&self) -> &OnsetParams {
        &self.params
    }

    /// Feeds the next samples; returns the onsets that became certain.
    pub fn process(&mut self, mono: &[f32]) -> Vec<Onset> {
        let mut out = Vec::new();
        if mono.is_empty() {
            return out;
        }
        if !self.started {
            self.started = true;
            let first = if mono[0].is_finite() { mono[0] } else { 0.0 };
            let pad = self.cfg.n_fft / 2;
            self.buf.resize(pad, first);
            self.received = pad as u64;
        }
        let mut rest = mono;
        // Feed in pieces no longer than a hop so the buffer never outgrows its bound.
        while !rest.is_empty() {
            let take = rest.len().min(self.cfg.hop);
            self.buf.extend(
                rest[..take]
                    .iter()
                    .map(|&x| if x.is_finite() { x } else { 0.0 }),
            );
            self.received += take as u64;
            rest = &rest[take..];
            self.run_frames(&mut out);
        }
        out
    }

    /// Ends the stream: pads with silence, returns the remaining onsets and resets the tracker
    /// so it can start a new stream.
    pub fn flush(&mut self) -> Vec<Onset> {
        let mut out = Vec::new();
        if self.started {
            let signal_end = self.received - (self.cfg.n_fft / 2) as u64;
            // The last frame is the one centred at or before the last sample.
            let last_frame = signal_end.saturating_sub(1) / self.cfg.hop as u64;
            let need = last_frame * self.cfg.hop as u64 + self.cfg.n_fft as u64;
            self.ending = true;
            while self.received < need {
                let take = (need - self.received).min(self.cfg.hop as u64) as usize;
                self.buf.extend(std::iter::repeat_n(0.0, take));
                self.received += take as u64;
                self.run_frames(&mut out);
            }
            // Peak picking of the last frames without their look-ahead.
            let total = self.odf_start + self.odf.len() as u64;
            let first_pending = total.saturating_sub(self.cfg.post_max as u64);
            for j in first_pending..total {
                self.pick(j, total, &mut out);
            }
        }
        let record = self.record.take();
        *self = Self::fresh(self.cfg.clone(), self.params.clone());
        self.record = record;
        out
    }

    fn run_frames(&mut self, out: &mut Vec<Onset>) {
        let n = self.cfg.n_fft as u64;
        let hop = self.cfg.hop as u64;
        while self.next_frame * hop + n <= self.received {
            let k = self.next_frame;
            let mut value = self.frame_value(k);
            // The end of a recording cut mid-note is not an onset: frames reaching past the
            // end do not count.
            if self.ending {
                value = 0.0;
            }
            if let Some(r) = &mut self.record {
                r.push(value);
            }
            self.odf.push_back(value);
            self.next_frame += 1;
            let total = self.next_frame;
            if total > self.cfg.post_max as u64 {
                self.pick(total - 1 - self.cfg.post_max as u64, total, out);
            }
            // Keep what the peak picker and the backtracking still need.
            let keep = (self.cfg.pre_max.max(self.cfg.mean_frames) + self.cfg.post_max + 1) as u64;
            while self.odf.len() as u64 > keep {
                self.odf.pop_front();
                self.odf_start += 1;
            }
            // Drop samples no longer needed, in batches so the copying stays cheap.
            let keep_from = (self.next_frame * hop).saturating_sub(self.cfg.history() as u64);
            let stale = (keep_from.saturating_sub(self.buf_start) as usize).min(self.buf.len());
            if stale >= self.cfg.n_fft {
                self.buf.drain(..stale);
                self.buf_start += stale as u64;
            }
        }
    }

    /// The detection function of frame `k`, whose samples are in the buffer.
    fn frame_value(&mut self, k: u64) -> f32 {
        let start = (k * self.cfg.hop as u64 - self.buf_start) as usize;
        let frame = &self.buf[start..start + self.cfg.n_fft];
        let cfg = &self.cfg;
        match cfg.method {
            OnsetMethod::Energy => {
                self.current.clear();
                let energy: f64 = frame
                    .iter()
                    .zip(&cfg.window)
                    .map(|(&x, &w)| {
                        let y = f64::from(x * w);
                        y * y
                    })
                    .sum::<f64>()
                    / (cfg.n_fft as f64 * 0.375);
                self.current.push((10.0 * (energy + 1e-12).log10()) as f32);
            }
            OnsetMethod::SpectralFlux => {
                let nb = cfg.bands.len();
                let at = k as usize * nb;
                if let Some(pre) = self.precomputed.get(at..at + nb) {
                    self.current.clear();
                    self.current.extend_from_slice(pre);
                } else {
                    band_sums(cfg, frame, &mut self.bufs, &mut self.current);
                }
                let loudest = self.current.iter().fold(0.0f32, |m, &x| m.max(x));
                self.reference = loudest.max(self.reference * cfg.ref_decay);
                let gamma = cfg.gamma.min(1.0 / (self.reference * cfg.range).max(1e-30));
                let db_per_ln = 20.0 / std::f32::consts::LN_10;
                for s in &mut self.current {
                    // ln(1 + x) rather than ln_1p: eight times faster here, and the precision
                    // ln_1p keeps for tiny x does not matter at a knee 60 dB down.
                    *s = db_per_ln * (1.0 + gamma * *s).ln();
                }
            }
        }
        let value = match self.previous.front() {
            Some(prev) if self.previous.len() == cfg.lag => match cfg.method {
                OnsetMethod::Energy => (self.current[0] - prev[0]).max(0.0),
                OnsetMethod::SpectralFlux => {
                    let sum: f32 = self
                        .current
                        .iter()
                        .zip(prev)
                        .map(|(c, p)| (c - p - cfg.band_threshold_db).max(0.0))
                        .sum();
                    sum / cfg.full_bands as f32
                }
            },
            _ => 0.0,
        };
        // Store this frame, maximum-filtered across bands, for the frame `lag` later.
        let mut stored = if self.previous.len() == cfg.lag {
            self.previous.pop_front().unwrap_or_default()
        } else {
            Vec::new()
        };
        stored.clear();
        let half = cfg.max_filter / 2;
        let len = self.current.len();
        for i in 0..len {
            let lo = i.saturating_sub(half);
            let hi = (i + half + 1).min(len);
            stored.push(
                self.current[lo..hi]
                    .iter()
                    .fold(f32::NEG_INFINITY, |a, &b| a.max(b)),
            );
        }
        self.previous.push_back(stored);
        value
    }

    /// Decides whether frame `j` is an onset; frames up to `total - 1` are known.
    fn pick(&mut self, j: u64, total: u64, out: &mut Vec<Onset>) {
        let cfg = &self.cfg;
        let at = |f: u64| self.odf[(f - self.odf_start) as usize];
        let v = at(j);
        if v <= 0.0 {
            return;
        }
        let lo = j.saturating_sub(cfg.pre_max as u64).max(self.odf_start);
        let hi = (j + cfg.post_max as u64 + 1).min(total);
        // Strictly greater than earlier frames and not smaller than later ones: a plateau gives
        // its first frame.
        if (lo..j).any(|f| at(f) >= v) || (j + 1..hi).any(|f| at(f) > v) {
            return;
        }
        let alo = j.saturating_sub(cfg.mean_frames as u64).max(self.odf_start);
        let count = (j + 1 - alo) as f32;
        let mean = (alo..=j).map(at).sum::<f32>() / count;
        if v < cfg.mean_factor * mean + cfg.delta {
            return;
        }
        if let Some(last) = self.last_onset {
            if j - last < cfg.min_interval as u64 {
                return;
            }
        }
        self.last_onset = Some(j);
        let mut time_s = (j * cfg.hop as u64) as f64 / f64::from(cfg.sample_rate);
        if cfg.backtrack {
            time_s = self.backtrack(j).unwrap_or(time_s);
        }
        out.push(Onset {
            time_s,
            strength: v,
        });
    }

    /// The end of the quiet stretch before the biggest energy rise inside frame `j`'s window.
    fn backtrack(&self, j: u64) -> Option<f64> {
        let cfg = &self.cfg;
        let b = cfg.block as u64;
        let centre = j * cfg.hop as u64 + (cfg.n_fft / 2) as u64; // padded index
        let from = centre
            .saturating_sub((cfg.n_fft / 2) as u64)
            .max(self.buf_start);
        let to = (centre + (cfg.n_fft / 2) as u64).min(self.buf_start + self.buf.len() as u64);
        let blocks = ((to.saturating_sub(from)) / b) as usize;
        if blocks < 2 {
            return None;
        }
        let levels: Vec<f32> = (0..blocks)
            .map(|k| {
                let s = (from - self.buf_start) as usize + k * cfg.block;
                let e: f32 = (s..s + cfg.block)
                    .map(|i| self.buf[i] * self.buf[i])
                    .sum::<f32>()
                    / cfg.block as f32;
                10.0 * (e + 1e-12).log10()
            })
            .collect();
        // The biggest rise above the running minimum, then the last block before it that is
        // still near that minimum.
        let mut floor = f32::INFINITY;
        let mut floor_at = 0;
        let (mut best, mut best_at, mut best_floor, mut best_floor_at) = (0.0f32, 0, 0.0, 0);
        for (k, &l) in levels.iter().enumerate() {
            if l < floor {
                floor = l;
                floor_at = k;
            }
            if l - floor > best {
                best = l - floor;
                best_at = k;
                best_floor = floor;
                best_floor_at = floor_at;
            }
        }
        if best < BACKTRACK_RISE_DB {
            return None;
        }
        let mut k = best_floor_at;
        while k + 1 < best_at && levels[k + 1] < best_floor + BACKTRACK_RISE_DB {
            k += 1;
        }
        // The onset is where block k (the last quiet one) ends.
        let padded = from + (k as u64 + 1) * b;
        let sample = padded as f64 - (cfg.n_fft / 2) as f64;
        Some(sample.max(0.0) / f64::from(cfg.sample_rate))
    }
}

/// Band sums of every frame that lies wholly within the signal (after the start padding the
/// tracker adds: the first sample repeated for half a window), computed on all cores. The
/// tracker then only runs the cheap sequential part (log compression, flux, peak picking).
fn precompute_bands(cfg: &Config, mono: &[f32]) -> Vec<f32> {
    if cfg.method != OnsetMethod::SpectralFlux || mono.is_empty() {
        return Vec::new();
    }
    let pad = cfg.n_fft / 2;
    let mut padded = Vec::with_capacity(pad + mono.len());
    padded.resize(pad, mono[0]);
    padded.extend_from_slice(mono);
    if padded.len() < cfg.n_fft {
        return Vec::new();
    }
    let frames = (padded.len() - cfg.n_fft) / cfg.hop + 1;
    let nb = cfg.bands.len();
    let mut out = vec![0.0f32; frames * nb];
    let threads = crate::threads::available().min(frames.div_ceil(256)).max(1);
    let per = frames.div_ceil(threads);
    let padded = &padded;
    std::thread::scope(|scope| {
        for (t, chunk) in out.chunks_mut(per * nb).enumerate() {
            scope.spawn(move || {
                let mut bufs = FrameScratch::new(cfg);
                let mut bands = Vec::with_capacity(nb);
                for (i, dst) in chunk.chunks_mut(nb).enumerate() {
                    let start = (t * per + i) * cfg.hop;
                    band_sums(
                        cfg,
                        &padded[start..start + cfg.n_fft],
                        &mut bufs,
                        &mut bands,
                    );
                    dst.copy_from_slice(&bands);
                }
            });
        }
    });
    out
}

fn run_offline(audio: &AudioBuffer, params: &OnsetParams) -> Result<(Vec<Onset>, Vec<f32>, f64)> {
    let mono = audio.to_mono();
    let mut tracker = OnsetTracker::new(audio.sample_rate(), params.clone())?;
    tracker.record = Some(Vec::new());
    tracker.precomputed = precompute_bands(&tracker.cfg, &mono);
    let mut onsets = tracker.process(&mono);
    onsets.extend(tracker.flush());
    let odf = tracker.record.take().unwrap_or_default();
    Ok((onsets, odf, tracker.frames_per_second()))
}

/// The onsets of `audio` (any channel count: the channels are averaged), in time order.
/// NaN or infinite samples are an error.
pub fn detect_onsets(audio: &AudioBuffer, params: &OnsetParams) -> Result<Vec<Onset>> {
    run_offline(audio, params).map(|(o, _, _)| o)
}

/// The onset detection function, one value per frame (frame `k` centred at `k / fps` s), and
/// its frame rate.
pub fn onset_strength(audio: &AudioBuffer, params: &OnsetParams) -> Result<(Vec<f32>, f64)> {
    run_offline(audio, params).map(|(_, odf, fps)| (odf, fps))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mono(samples: Vec<f32>, sr: u32) -> AudioBuffer {
        AudioBuffer::new(vec![samples], sr).unwrap()
    }

    #[test]
    fn filterbank_bands_are_normalised_and_increasing() {
        let (fb, full) = filterbank(2048, 44100, 24);
        assert!(fb.len() > 100 && fb.len() < 200, "{}", fb.len());
        assert_eq!(full, fb.len());
        // Same window duration at 16 kHz: the same bands, cut at 7.6 kHz.
        let (low, low_full) = filterbank(smooth_length(0.04644 * 16000.0), 16000, 24);
        assert!(low.len() < fb.len() && (low_full as i64 - full as i64).abs() <= 3);
        assert_eq!(smooth_length(2048.2), 2048);
        assert_eq!(smooth_length(2229.0), 2250);
        for w in fb.windows(2) {
            assert!(w[1].start > w[0].start);
        }
        for b in &fb {
            assert!((b.weights.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    fn silence_has_no_onsets_and_short_input_works() {
        let p = OnsetParams::default();
        assert!(detect_onsets(&mono(vec![0.0; 44100], 44100), &p)
            .unwrap()
            .is_empty());
        assert!(detect_onsets(&mono(vec![0.1; 10], 44100), &p)
            .unwrap()
            .is_empty());
        assert!(detect_onsets(&mono(vec![], 44100), &p).unwrap().is_empty());
    }

    #[test]
    fn bad_parameters_are_refused() {
        let bad = OnsetParams {
            hop_s: 0.0,
            ..Default::default()
        };
        let e = OnsetTracker::new(44100, bad).unwrap_err();
        assert!(e.to_string().contains("hop_s"), "{e}");
        let even = OnsetParams {
            max_filter_bands: 4,
            ..Default::default()
        };
        assert!(OnsetTracker::new(44100, even).is_err());
        assert!(OnsetTracker::new(0, OnsetParams::default()).is_err());
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<OnsetTracker>();
        check::<OnsetParams>();
        check::<Onset>();
        check::<crate::analysis::Dynamics>();
        check::<crate::analysis::Tempo>();
        check::<crate::analysis::TempoParams>();
    }

    #[test]
    fn latency_is_within_50_ms() {
        for sr in [8000, 22050, 44100, 48000, 96000] {
            let t = OnsetTracker::new(sr, OnsetParams::default()).unwrap();
            assert!(t.latency_s() <= 0.050, "{sr}: {}", t.latency_s());
        }
    }
}
