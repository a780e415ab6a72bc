//! Global tempo and beat times. The tempo is the lag of the strongest peak in the
//! autocorrelation of the onset detection function (spectral flux, from `onsets`), weighted by
//! a log-normal prior around 120 BPM as in librosa, refined by parabolic interpolation; the
//! beats come from Ellis's (2007) dynamic-programming tracker, which trades onset strength
//! against deviation from that tempo.

use super::onsets::{onset_strength, OnsetParams};
use crate::{AudioBuffer, Error, Result};

/// Parameters of [`estimate_tempo`].
#[derive(Debug, Clone, PartialEq)]
pub struct TempoParams {
    /// Centre of the tempo prior (default 120 BPM). Range 30..=300.
    pub start_bpm: f64,
    /// Width of the prior in octaves (default 1.0; librosa's std_bpm). Range 0.1..=4.
    pub prior_octaves: f64,
    /// Tempo search range (defaults 30 and 300 BPM).
    pub min_bpm: f64,
    pub max_bpm: f64,
    /// How strictly beats keep to the tempo (default 100, as librosa). Range 0..=10000.
    pub tightness: f64,
    /// The detection function used (its method and framing; peak-picking fields are unused).
    pub onset: OnsetParams,
}

impl Default for TempoParams {
    fn default() -> Self {
        TempoParams {
            start_bpm: 120.0,
            prior_octaves: 1.0,
            min_bpm: 30.0,
            max_bpm: 300.0,
            tightness: 100.0,
            onset: OnsetParams::default(),
        }
    }
}

/// A tempo estimate.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Tempo {
    /// Beats per minute; 0 when the signal has no rhythmic content (silence, steady tones).
    pub bpm: f64,
    /// Beat times, seconds.
    pub beats_s: Vec<f64>,
    /// Normalised autocorrelation at the chosen period, 0..=1: near 1 for a strict pulse.
    pub confidence: f64,
}

fn check(name: &str, v: f64, lo: f64, hi: f64) -> Result<()> {
    if v.is_finite() && v >= lo && v <= hi {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "tempo: {name} = {v} is outside {lo}..={hi}"
        )))
    }
}

/// The global tempo and beat times of `audio` (channels are averaged). NaN or infinite samples
/// are an error.
pub fn estimate_tempo(audio: &AudioBuffer, params: &TempoParams) -> Result<Tempo> {
    check("start_bpm", params.start_bpm, 30.0, 300.0)?;
    check("prior_octaves", params.prior_octaves, 0.1, 4.0)?;
    check("min_bpm", params.min_bpm, 10.0, 600.0)?;
    check("max_bpm", params.max_bpm, params.min_bpm, 600.0)?;
    check("tightness", params.tightness, 0.0, 10_000.0)?;
    let (odf, fps) = onset_strength(audio, &params.onset)?;
    let none = Tempo {
        bpm: 0.0,
        beats_s: Vec::new(),
        confidence: 0.0,
    };
    let Some((bpm, confidence)) = global_tempo(&odf, fps, params) else {
        return Ok(none);
    };
    let beats = track_beats(&odf, fps, bpm, params.tightness);
    Ok(Tempo {
        bpm,
        beats_s: beats.into_iter().map(|f| f as f64 / fps).collect(),
        confidence,
    })
}

/// Tempo in BPM and the normalised autocorrelation at its period.
fn global_tempo(odf: &[f32], fps: f64, p: &TempoParams) -> Option<(f64, f64)> {
    let n = odf.len();
    let min_lag = ((60.0 * fps / p.max_bpm).floor() as usize).max(1);
    let max_lag = ((60.0 * fps / p.min_bpm).ceil() as usize).min(n.saturating_sub(1) / 2);
    if max_lag <= min_lag + 1 {
        return None;
    }
    let mean = odf.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64;
    let x: Vec<f64> = odf.iter().map(|&v| f64::from(v) - mean).collect();
    let energy: f64 = x.iter().map(|v| v * v).sum::<f64>() / n as f64;
    if energy <= 1e-12 {
        return None;
    }
    // Unbiased autocorrelation (divided by the overlap), normalised by lag 0.
    let ac: Vec<f64> = (0..=max_lag + 1)
        .map(|lag| {
            let s: f64 = x[..n - lag].iter().zip(&x[lag..]).map(|(a, b)| a * b).sum();
            s / (n - lag) as f64 / energy
        })
        .collect();
    let prior = |lag: f64| {
        let bpm = 60.0 * fps / lag;
        let z = (bpm / p.start_bpm).log2() / p.prior_octaves;
        (-0.5 * z * z).exp()
    };
    let mut best: Option<(usize, f64)> = None;
    for lag in min_lag..=max_lag {
        // Only local maxima of the autocorrelation are periods.
        if ac[lag] <= 0.0 || ac[lag] < ac[lag - 1] || ac[lag] < ac[lag + 1] {
            continue;
        }
        let score = ac[lag] * prior(lag as f64);
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((lag, score));
        }
    }
    let (lag, _) = best?;
    let (a, b, c) = (ac[lag - 1], ac[lag], ac[lag + 1]);
    let denom = a - 2.0 * b + c;
    let shift = if denom.abs() > 1e-12 {
        (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
    } else {
        0.0
    };
    let bpm = 60.0 * fps / (lag as f64 + shift);
    Some((bpm, b.clamp(0.0, 1.0)))
}

/// Beat frames by dynamic programming (Ellis 2007, as librosa's `beat_track`).
fn track_beats(odf: &[f32], fps: f64, bpm: f64, tightness: f64) -> Vec<usize> {
    let n = odf.len();
    let period = (60.0 * fps / bpm).round().max(1.0) as usize;
    if n < 2 * period {
        return Vec::new();
    }
    let mean = odf.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64;
    let std = (odf
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n as f64)
        .sqrt();
    if std <= 1e-12 {
        return Vec::new();
    }
    // Onset strength smoothed by a Gaussian a fraction of a beat wide.
    let kernel: Vec<f64> = (-(period as i64)..=period as i64)
        .map(|k| (-0.5 * (k as f64 * 32.0 / period as f64).powi(2)).exp())
        .collect();
    let local: Vec<f64> = (0..n)
        .map(|i| {
            kernel
                .iter()
                .enumerate()
                .filter_map(|(k, w)| {
                    let j = i as i64 + k as i64 - period as i64;
                    (j >= 0 && (j as usize) < n).then(|| w * f64::from(odf[j as usize]) / std)
                })
                .sum()
        })
        .collect();
    let local_max = local.iter().cloned().fold(0.0, f64::max);
    let lo = 2 * period;
    let hi = (period / 2).max(1);
    let penalty: Vec<f64> = (hi..=lo)
        .map(|d| -tightness * (d as f64 / period as f64).ln().powi(2))
        .collect();
    let mut cum = vec![0.0f64; n];
    let mut back: Vec<Option<usize>> = vec![None; n];
    let mut first = true;
    for i in 0..n {
        let mut best: Option<(usize, f64)> = None;
        for d in hi..=lo.min(i) {
            let s = cum[i - d] + penalty[d - hi];
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((i - d, s));
            }
        }
        let prev = best.map(|(j, _)| j);
        cum[i] = local[i] + best.map_or(0.0, |(_, s)| s);
        if first && local[i] < 0.01 * local_max {
            back[i] = None;
        } else {
            back[i] = prev;
            first = false;
        }
    }
    // The last beat: the last local maximum of the cumulative score above half the median of
    // all its local maxima.
    let maxima: Vec<usize> = (1..n - 1)
        .filter(|&i| cum[i] > cum[i - 1] && cum[i] >= cum[i + 1])
        .collect();
    if maxima.is_empty() {
        return Vec::new();
    }
    let mut vals: Vec<f64> = maxima.iter().map(|&i| cum[i]).collect();
    vals.sort_by(f64::total_cmp);
    let median = vals[vals.len() / 2];
    let Some(&last) = maxima.iter().rev().find(|&&i| cum[i] >= 0.5 * median) else {
        return Vec::new();
    };
    let mut beats = vec![last];
    while let Some(prev) = back[*beats.last().unwrap_or(&0)] {
        beats.push(prev);
    }
    beats.reverse();
    // Trim weak beats at both ends (silence before and after the music).
    let strength: Vec<f64> = beats.iter().map(|&b| local[b]).collect();
    let rms = (strength.iter().map(|v| v * v).sum::<f64>() / strength.len() as f64).sqrt();
    let threshold = 0.5 * rms;
    let start = strength.iter().position(|&v| v >= threshold).unwrap_or(0);
    let end = strength
        .iter()
        .rposition(|&v| v >= threshold)
        .map_or(0, |e| e + 1);
    if start >= end {
        return Vec::new();
    }
    beats[start..end].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_has_no_tempo() {
        let t = estimate_tempo(
            &AudioBuffer::new(vec![vec![0.0; 44100 * 4]], 44100).unwrap(),
            &TempoParams::default(),
        )
        .unwrap();
        assert_eq!(t.bpm, 0.0);
        assert!(t.beats_s.is_empty());
    }

    #[test]
    fn bad_parameters_are_refused() {
        let a = AudioBuffer::new(vec![vec![0.0; 100]], 44100).unwrap();
        let p = TempoParams {
            max_bpm: 20.0,
            ..Default::default()
        };
        let e = estimate_tempo(&a, &p).unwrap_err();
        assert!(e.to_string().contains("max_bpm"), "{e}");
    }
}
