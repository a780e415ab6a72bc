//! Output gain staging: a transparent look-ahead safety limiter (the default), peak
//! normalisation, and loudness normalisation to a LUFS target (ITU-R BS.1770 via `ebur128`).
//! All of it runs offline on a whole buffer, so the limiter's look-ahead adds no latency.

use std::collections::VecDeque;

use crate::audio::AudioBuffer;
use crate::error::{Error, Result};

/// How a render's level is set before it is written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Normalize {
    /// Leave the level alone; samples beyond full scale are clipped when written as integers.
    Off,
    /// Leave the level alone but keep peaks at or below `ceiling_db` dBFS with a look-ahead
    /// limiter. Transparent: a signal already below the ceiling is not changed at all.
    Limit { ceiling_db: f64 },
    /// Scale so the sample peak is `peak_db` dBFS.
    Peak { peak_db: f64 },
    /// Scale to an integrated loudness of `target_lufs`, then limit peaks to -1 dBFS.
    Loudness { target_lufs: f64 },
}

impl Default for Normalize {
    fn default() -> Self {
        Normalize::Limit { ceiling_db: -1.0 }
    }
}

/// Look-ahead and release of the safety limiter.
const LIMITER_ATTACK_S: f64 = 0.005;
const LIMITER_RELEASE_S: f64 = 0.100;

/// Applies `mode` to `audio` in place.
pub fn apply(audio: &mut AudioBuffer, mode: Normalize) -> Result<()> {
    match mode {
        Normalize::Off => Ok(()),
        Normalize::Limit { ceiling_db } => {
            limit(audio, ceiling_db);
            Ok(())
        }
        Normalize::Peak { peak_db } => {
            let peak = audio.peak();
            if peak > 0.0 {
                audio.apply_gain((db_to_amp(peak_db) / f64::from(peak)) as f32)?;
            }
            Ok(())
        }
        Normalize::Loudness { target_lufs } => {
            if !target_lufs.is_finite() || !(-70.0..=0.0).contains(&target_lufs) {
                return Err(Error::InvalidArgument(format!(
                    "loudness target {target_lufs} LUFS is outside -70..0"
                )));
            }
            if let Some(lufs) = integrated_loudness(audio)? {
                audio.apply_gain(db_to_amp(target_lufs - lufs) as f32)?;
            }
            limit(audio, -1.0);
            Ok(())
        }
    }
}

/// Converts decibels to an amplitude ratio.
pub fn db_to_amp(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// Integrated loudness in LUFS, or `None` when the signal is too quiet or short to gate.
pub fn integrated_loudness(audio: &AudioBuffer) -> Result<Option<f64>> {
    let err = |e: ebur128::Error| Error::InvalidArgument(format!("loudness measurement: {e:?}"));
    let mut meter = ebur128::EbuR128::new(
        audio.channel_count() as u32,
        audio.sample_rate(),
        ebur128::Mode::I,
    )
    .map_err(err)?;
    let planes: Vec<&[f32]> = audio.channels().iter().map(Vec::as_slice).collect();
    meter.add_frames_planar_f32(&planes).map_err(err)?;
    let l = meter.loudness_global().map_err(err)?;
    Ok(l.is_finite().then_some(l))
}

/// Keeps every sample at or below `ceiling_db` dBFS. The gain needed at each sample is
/// spread back over the attack time with a sliding minimum followed by a moving average of the
/// same length, which guarantees the gain at a peak is at most what that peak needs; the gain then
/// recovers with a one-pole release.
pub fn limit(audio: &mut AudioBuffer, ceiling_db: f64) {
    let ceiling = db_to_amp(ceiling_db) as f32;
    if audio.peak() <= ceiling {
        return;
    }
    let frames = audio.frames();
    let attack = ((LIMITER_ATTACK_S * f64::from(audio.sample_rate())) as usize).max(1);
    let release = (-1.0 / (LIMITER_RELEASE_S * f64::from(audio.sample_rate()))).exp() as f32;

    let required: Vec<f32> = (0..frames)
        .map(|i| {
            let peak = audio
                .channels()
                .iter()
                .fold(0.0f32, |m, c| m.max(c[i].abs()));
            if peak > ceiling {
                ceiling / peak
            } else {
                1.0
            }
        })
        .collect();

    // Forward-looking minimum over [i, i + attack).
    let mut ahead_min = vec![1.0f32; frames];
    let mut window: VecDeque<usize> = VecDeque::new();
    for j in (0..frames).rev() {
        while window.back().is_some_and(|&k| required[k] >= required[j]) {
            window.pop_back();
        }
        window.push_back(j);
        while window.front().is_some_and(|&k| k >= j + attack) {
            window.pop_front();
        }
        ahead_min[j] = window.front().map_or(1.0, |&k| required[k]);
    }

    // Moving average over (i - attack, i]: every term is <= the requirement at a peak within
    // the look-ahead, so the average is too. Accumulated in f64 to avoid drift.
    let mut gain = vec![1.0f32; frames];
    // The window starts full of unity gain (no reduction before the signal starts).
    let mut sum = attack as f64;
    let mut level = 1.0f32;
    for i in 0..frames {
        let leaving = if i >= attack {
            ahead_min[i - attack]
        } else {
            1.0
        };
        sum += f64::from(ahead_min[i]) - f64::from(leaving);
        let avg = (sum / attack as f64) as f32;
        let target = avg.min(required[i]);
        level = target.min(1.0 - (1.0 - level) * release);
        gain[i] = level;
    }
    for c in audio.channels_mut() {
        for (x, g) in c.iter_mut().zip(&gain) {
            *x *= g;
            // Rounding in the products above may leave a sample a hair over the ceiling.
            *x = x.clamp(-ceiling, ceiling);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn burst() -> AudioBuffer {
        let sr = 44100;
        let mut a = AudioBuffer::silence(2, sr, sr as u32);
        for i in 0..sr {
            let amp = if (20000..22000).contains(&i) {
                3.0
            } else {
                0.3
            };
            let x = amp * (i as f32 * 0.03).sin();
            a.channels_mut()[0][i] = x;
            a.channels_mut()[1][i] = -0.5 * x;
        }
        a
    }

    #[test]
    fn limiter_is_transparent_below_ceiling() {
        let mut a = burst();
        a.apply_gain(0.1).unwrap();
        let before = a.clone();
        limit(&mut a, -1.0);
        assert_eq!(a, before);
    }

    #[test]
    fn limiter_holds_ceiling_and_leaves_quiet_parts() {
        let mut a = burst();
        let before = a.clone();
        limit(&mut a, -1.0);
        assert!(a.peak() <= db_to_amp(-1.0) as f32);
        // Well before the burst (beyond the look-ahead) the signal is untouched.
        assert_eq!(a.channels()[0][..19000], before.channels()[0][..19000]);
        // Well after it (beyond several release times) it has recovered to within 0.1 dB.
        let ratio = a.channels()[0][40000] / before.channels()[0][40000];
        assert!((ratio - 1.0).abs() < 0.012, "{ratio}");
    }

    #[test]
    fn peak_normalisation_hits_target() {
        let mut a = burst();
        apply(&mut a, Normalize::Peak { peak_db: -3.0 }).unwrap();
        assert!((a.peak_dbfs() + 3.0).abs() < 1e-4);
    }

    #[test]
    fn loudness_normalisation_hits_target() {
        let sr = 48000u32;
        let mut a = AudioBuffer::silence(2, 5 * sr as usize, sr);
        for c in a.channels_mut() {
            for (i, x) in c.iter_mut().enumerate() {
                *x = 0.05 * (i as f32 * 2.0 * std::f32::consts::PI * 997.0 / sr as f32).sin();
            }
        }
        apply(&mut a, Normalize::Loudness { target_lufs: -23.0 }).unwrap();
        let l = integrated_loudness(&a).unwrap().unwrap();
        assert!((l + 23.0).abs() < 0.05, "{l}");
        assert!(apply(
            &mut a,
            Normalize::Loudness {
                target_lufs: f64::NAN
            }
        )
        .is_err());
    }
}
