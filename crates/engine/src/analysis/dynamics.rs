//! Levels and loudness of a performance: the RMS envelope, sample and true peak, momentary
//! (400 ms), short-term (3 s) and integrated loudness and loudness range (ITU-R BS.1770-4 /
//! EBU R128 through the `ebur128` crate, whose true peak is a 4x polyphase FIR interpolation
//! below 96 kHz), the crest factor, and the level of a span of samples (a note's level).
//!
//! Silence conventions: scalar levels of digital silence are `-inf` (`f64::NEG_INFINITY`);
//! integrated loudness is `-inf` when no 400 ms block passes the -70 LUFS gate; the envelopes
//! (RMS, momentary, short-term) are floored at [`FLOOR_DB`] so they stay finite and plottable;
//! the crest factor of silence is undefined and reported as NaN.

use crate::{AudioBuffer, Error, Result};

/// The lowest value the envelopes report, in dB (dBFS or LUFS).
pub const FLOOR_DB: f32 = -120.0;

/// Step of the momentary and short-term loudness series (the BS.1770 gating step).
const LOUDNESS_STEP_S: f64 = 0.1;

/// Parameters of [`analyze_dynamics`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DynamicsParams {
    /// RMS window in samples; `None` is 2048 at 44.1 kHz scaled with the sample rate.
    /// Range 16..=1_048_576.
    pub frame_length: Option<usize>,
    /// RMS step in samples; `None` is 512 at 44.1 kHz scaled with the sample rate.
    /// Range 1..=frame_length.
    pub hop_length: Option<usize>,
}

/// Levels and loudness of a signal.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Dynamics {
    /// Centre of each RMS frame (frame `k` is centred on sample `k * hop`), seconds.
    pub times_s: Vec<f64>,
    /// RMS level of each frame in dBFS (power averaged over channels; a full-scale sine is
    /// -3.01 dBFS), floored at [`FLOOR_DB`].
    pub rms_db: Vec<f32>,
    /// Largest absolute sample over all channels, dBFS.
    pub sample_peak_db: f64,
    /// Largest 4x-oversampled peak over all channels, dBTP.
    pub true_peak_db: f64,
    /// Gated integrated loudness (BS.1770-4), LUFS.
    pub integrated_lufs: f64,
    /// End time of each momentary / short-term window, every 0.1 s, seconds.
    pub loudness_times_s: Vec<f64>,
    /// Loudness of the 400 ms ending at each `loudness_times_s`, LUFS (floored).
    pub momentary_lufs: Vec<f32>,
    /// Loudness of the 3 s ending at each `loudness_times_s`, LUFS (floored).
    pub short_term_lufs: Vec<f32>,
    /// Largest momentary and short-term loudness, measured every 10 ms, LUFS (`-inf` for
    /// silence).
    pub max_momentary_lufs: f64,
    pub max_short_term_lufs: f64,
    /// Loudness range (EBU Tech 3342), LU; 0 for signals too short or quiet to measure.
    pub loudness_range_lu: f64,
    /// RMS of the whole signal (all channels), dBFS.
    pub rms_total_db: f64,
    /// Sample peak over whole-signal RMS, dB (3.01 dB for a sine).
    pub crest_factor_db: f64,
}

fn amp_db(x: f64) -> f64 {
    if x > 0.0 {
        20.0 * x.log10()
    } else {
        f64::NEG_INFINITY
    }
}

fn floored(db: f64) -> f32 {
    if db.is_nan() {
        FLOOR_DB
    } else {
        (db as f32).max(FLOOR_DB)
    }
}

/// Levels and loudness of `audio` (any channel count and rate). NaN or infinite samples are an
/// error. Loudness weights channels as `ebur128` does by default (L, R, C at 1; a fourth
/// channel is ignored as LFE; surrounds at 1.41).
pub fn analyze_dynamics(audio: &AudioBuffer, params: &DynamicsParams) -> Result<Dynamics> {
    let frames = audio.frames();
    let sr = audio.sample_rate();
    if !(1000..=768_000).contains(&sr) {
        return Err(Error::InvalidArgument(format!(
            "dynamics: sample_rate = {sr} is outside 1000..=768000"
        )));
    }
    let scale = f64::from(sr) / 44100.0;
    let frame_length = params
        .frame_length
        .unwrap_or(((2048.0 * scale).round() as usize).max(16));
    if !(16..=1_048_576).contains(&frame_length) {
        return Err(Error::InvalidArgument(format!(
            "dynamics: frame_length = {frame_length} is outside 16..=1048576"
        )));
    }
    let hop = params
        .hop_length
        .unwrap_or(((512.0 * scale).round() as usize).max(1));
    if hop == 0 || hop > frame_length {
        return Err(Error::InvalidArgument(format!(
            "dynamics: hop_length = {hop} is outside 1..={frame_length} (the frame length)"
        )));
    }
    let channels = audio.channels().len().max(1) as f64;

    // Power summed over channels, as a prefix sum kept only at hop boundaries (8 bytes per hop,
    // so hours of audio stay cheap); a frame edge between boundaries adds the partial block.
    let power_at = |i: usize| -> f64 {
        audio
            .channels()
            .iter()
            .map(|c| f64::from(c[i]) * f64::from(c[i]))
            .sum()
    };
    let mut block_prefix = Vec::with_capacity(frames / hop + 2);
    block_prefix.push(0.0f64);
    let mut acc = 0.0f64;
    let mut peak = 0.0f32;
    for start in (0..frames).step_by(hop) {
        for i in start..(start + hop).min(frames) {
            acc += power_at(i);
        }
        block_prefix.push(acc);
    }
    for c in audio.channels() {
        peak = c.iter().fold(peak, |m, x| m.max(x.abs()));
    }
    let prefix = |p: usize| -> f64 {
        let b = p / hop;
        block_prefix[b] + (b * hop..p).map(power_at).sum::<f64>()
    };
    let n_frames = if frames == 0 { 0 } else { 1 + frames / hop };
    let half = frame_length / 2;
    let mut times_s = Vec::with_capacity(n_frames);
    let mut rms_db = Vec::with_capacity(n_frames);
    for k in 0..n_frames {
        let centre = k * hop;
        // Zero padding outside the signal, as librosa's centred frames.
        let lo = centre.saturating_sub(half);
        let hi = (centre + frame_length - half).min(frames);
        let power = (prefix(hi) - prefix(lo)) / (frame_length as f64 * channels);
        times_s.push(centre as f64 / f64::from(sr));
        rms_db.push(floored(10.0 * power.max(0.0).log10()));
    }
    let rms_total = if frames > 0 {
        (acc / (frames as f64 * channels)).sqrt()
    } else {
        0.0
    };
    let sample_peak_db = amp_db(f64::from(peak));
    let rms_total_db = amp_db(rms_total);
    let crest_factor_db = if peak > 0.0 {
        sample_peak_db - rms_total_db
    } else {
        f64::NAN
    };

    let loudness = loudness(audio, sample_peak_db)?;
    Ok(Dynamics {
        times_s,
        rms_db,
        sample_peak_db,
        true_peak_db: loudness.true_peak_db,
        integrated_lufs: loudness.integrated_lufs,
        loudness_times_s: loudness.times_s,
        momentary_lufs: loudness.momentary_lufs,
        short_term_lufs: loudness.short_term_lufs,
        max_momentary_lufs: loudness.max_momentary_lufs,
        max_short_term_lufs: loudness.max_short_term_lufs,
        loudness_range_lu: loudness.range_lu,
        rms_total_db,
        crest_factor_db,
    })
}

/// The loudness part of [`Dynamics`].
struct Loudness {
    times_s: Vec<f64>,
    momentary_lufs: Vec<f32>,
    short_term_lufs: Vec<f32>,
    integrated_lufs: f64,
    range_lu: f64,
    true_peak_db: f64,
    max_momentary_lufs: f64,
    max_short_term_lufs: f64,
}

/// Momentary and short-term loudness every [`LOUDNESS_STEP_S`], integrated loudness, loudness
/// range and true peak (BS.1770-4 through `ebur128`). Without channels there is nothing to
/// measure: silence, and the true peak is the sample peak.
fn loudness(audio: &AudioBuffer, sample_peak_db: f64) -> Result<Loudness> {
    let err = |e: ebur128::Error| Error::InvalidArgument(format!("loudness measurement: {e:?}"));
    let mut l = Loudness {
        times_s: Vec::new(),
        momentary_lufs: Vec::new(),
        short_term_lufs: Vec::new(),
        integrated_lufs: f64::NEG_INFINITY,
        range_lu: 0.0,
        true_peak_db: sample_peak_db,
        max_momentary_lufs: f64::NEG_INFINITY,
        max_short_term_lufs: f64::NEG_INFINITY,
    };
    if audio.channels().is_empty() {
        return Ok(l);
    }
    let (sr, frames) = (audio.sample_rate(), audio.frames());
    let mut meter = ebur128::EbuR128::new(
        audio.channels().len() as u32,
        sr,
        ebur128::Mode::I | ebur128::Mode::LRA | ebur128::Mode::TRUE_PEAK,
    )
    .map_err(err)?;
    // The maxima are taken every 10 ms (EBU Tech 3341 asks for momentary maxima that a 100 ms
    // grid can miss by 0.2 LU); the series keeps the 100 ms grid.
    let step = ((LOUDNESS_STEP_S * f64::from(sr)).round() as usize).max(1);
    let fine = (step / 10).max(1);
    let mut pos = 0;
    let mut next_report = step;
    while pos < frames {
        let end = (pos + fine).min(frames).min(next_report);
        let planes: Vec<&[f32]> = audio.channels().iter().map(|c| &c[pos..end]).collect();
        meter.add_frames_planar_f32(&planes).map_err(err)?;
        pos = end;
        let m = meter.loudness_momentary().map_err(err)?;
        let s = meter.loudness_shortterm().map_err(err)?;
        l.max_momentary_lufs = l.max_momentary_lufs.max(m);
        l.max_short_term_lufs = l.max_short_term_lufs.max(s);
        if end == next_report || end == frames {
            l.times_s.push(end as f64 / f64::from(sr));
            l.momentary_lufs.push(floored(m));
            l.short_term_lufs.push(floored(s));
            next_report += step;
        }
    }
    let g = meter.loudness_global().map_err(err)?;
    l.integrated_lufs = if g.is_finite() && g > -200.0 {
        g
    } else {
        f64::NEG_INFINITY
    };
    let lra = meter.loudness_range().map_err(err)?;
    l.range_lu = if lra.is_finite() { lra } else { 0.0 };
    let mut tp = 0.0f64;
    for c in 0..audio.channels().len() as u32 {
        tp = tp.max(meter.true_peak(c).map_err(err)?);
    }
    l.true_peak_db = amp_db(tp);
    Ok(l)
}

/// RMS level of `mono[start_s..end_s]` in dBFS (the level of one note). The span is clipped to
/// the signal; an empty span or digital silence gives `-inf`, and non-finite samples are
/// skipped.
pub fn level_db(mono: &[f32], sample_rate: u32, start_s: f64, end_s: f64) -> f32 {
    let sr = f64::from(sample_rate);
    let to_index = |t: f64| {
        if t.is_nan() || t <= 0.0 {
            0
        } else {
            ((t * sr).round() as usize).min(mono.len())
        }
    };
    let (a, b) = (to_index(start_s), to_index(end_s));
    if b <= a {
        return f32::NEG_INFINITY;
    }
    let (sum, n) = mono[a..b]
        .iter()
        .filter(|x| x.is_finite())
        .fold((0.0f64, 0usize), |(s, n), &x| {
            (s + f64::from(x) * f64::from(x), n + 1)
        });
    if n == 0 || sum <= 0.0 {
        return f32::NEG_INFINITY;
    }
    (10.0 * (sum / n as f64).log10()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, amp: f32, seconds: f64, sr: u32) -> Vec<f32> {
        (0..(seconds * f64::from(sr)) as usize)
            .map(|i| {
                amp * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(sr)).sin() as f32
            })
            .collect()
    }

    #[test]
    fn full_scale_sine_levels() {
        let x = sine(997.0, 1.0, 3.0, 48000);
        let d = analyze_dynamics(
            &AudioBuffer::new(vec![x.clone()], 48000).unwrap(),
            &DynamicsParams::default(),
        )
        .unwrap();
        assert!((d.rms_total_db + 3.0103).abs() < 0.01, "{}", d.rms_total_db);
        assert!(
            (d.crest_factor_db - 3.0103).abs() < 0.01,
            "{}",
            d.crest_factor_db
        );
        assert!(d.sample_peak_db.abs() < 0.01);
        assert!(
            d.true_peak_db > -0.01 && d.true_peak_db < 0.1,
            "{}",
            d.true_peak_db
        );
        // Frames away from the edges see a full window of sine.
        let mid = d.rms_db.len() / 2;
        assert!((d.rms_db[mid] + 3.0103).abs() < 0.05, "{}", d.rms_db[mid]);
        // BS.1770: a 0 dBFS 997 Hz sine in one channel of a stereo pair reads -3.01 LUFS, so
        // mono (one front channel) reads the same.
        assert!(
            (d.integrated_lufs + 3.01).abs() < 0.05,
            "{}",
            d.integrated_lufs
        );
        assert!(d.loudness_range_lu.abs() < 0.5);
        assert_eq!(d.momentary_lufs.len(), 30);
        assert!((level_db(&x, 48000, 1.0, 2.0) + 3.0103).abs() < 0.01);
    }

    #[test]
    fn loudness_maxima_are_taken_between_the_grid_points() {
        // A 400 ms burst from 0.55 s: every 400 ms momentary window on the 100 ms grid holds 350
        // ms of it (0.58 dB less); the 10 ms measurement finds the window that holds it all.
        let sr = 48_000;
        let mut x = vec![0.0f32; sr as usize * 2];
        for (i, v) in sine(1000.0, 0.5, 0.4, sr).into_iter().enumerate() {
            x[sr as usize / 2 + sr as usize / 20 + i] = v;
        }
        let d = analyze_dynamics(
            &AudioBuffer::new(vec![x], sr).unwrap(),
            &DynamicsParams::default(),
        )
        .unwrap();
        let grid_max = d.momentary_lufs.iter().copied().fold(f32::MIN, f32::max);
        assert!(d.max_momentary_lufs >= f64::from(grid_max));
        assert!(
            d.max_momentary_lufs > f64::from(grid_max) + 0.2,
            "{} vs {grid_max}",
            d.max_momentary_lufs
        );
        assert!(d.max_short_term_lufs.is_finite() && d.max_short_term_lufs < d.max_momentary_lufs);
    }

    #[test]
    fn silence_and_empty() {
        let d = analyze_dynamics(
            &AudioBuffer::new(vec![vec![0.0; 48000]; 2], 48000).unwrap(),
            &DynamicsParams::default(),
        )
        .unwrap();
        assert_eq!(d.sample_peak_db, f64::NEG_INFINITY);
        assert_eq!(d.integrated_lufs, f64::NEG_INFINITY);
        assert!(d.crest_factor_db.is_nan());
        assert!(d.rms_db.iter().all(|&v| v == FLOOR_DB));
        assert!(d.momentary_lufs.iter().all(|&v| v == FLOOR_DB));
        let e = analyze_dynamics(
            &AudioBuffer::new(vec![vec![]], 48000).unwrap(),
            &DynamicsParams::default(),
        )
        .unwrap();
        assert!(e.rms_db.is_empty());
        assert_eq!(level_db(&[], 48000, 0.0, 1.0), f32::NEG_INFINITY);
        assert_eq!(level_db(&[0.5; 10], 48000, 0.5, 0.1), f32::NEG_INFINITY);
    }

    #[test]
    fn bad_input_is_refused() {
        let ok = AudioBuffer::new(vec![vec![0.0; 100]], 48000).unwrap();
        let bad_hop = DynamicsParams {
            frame_length: Some(64),
            hop_length: Some(65),
        };
        let e = analyze_dynamics(&ok, &bad_hop).unwrap_err();
        assert!(e.to_string().contains("hop_length"), "{e}");
    }
}
