//! Work on peaks once computed, as audiowaveform does it: text output, a change of resolution,
//! amplitude scaling (`--amplitude-scale`, including `auto`), and reading peaks files back for
//! conversion between the formats.

use std::fmt::Write as _;
use std::path::Path;

use super::{Bits, Peaks, WaveformError};
use crate::error::{Error, Result};

/// How much to scale the amplitude of the peaks (audiowaveform `--amplitude-scale`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AmplitudeScale {
    /// Multiply every value (1 leaves them as they are).
    Factor(f64),
    /// audiowaveform's `auto`: the factor that brings the waveform's minimum to full scale
    /// (see [`Peaks::auto_amplitude_scale`]).
    Auto,
}

impl Default for AmplitudeScale {
    fn default() -> Self {
        AmplitudeScale::Factor(1.0)
    }
}

impl AmplitudeScale {
    /// `auto` or a number (`1.5`).
    pub fn parse(text: &str) -> Result<Self> {
        if text.eq_ignore_ascii_case("auto") {
            return Ok(AmplitudeScale::Auto);
        }
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() && f >= 0.0 => Ok(AmplitudeScale::Factor(f)),
            _ => Err(Error::InvalidArgument(format!(
                "amplitude scale '{text}': expected auto or a number of at least 0"
            ))),
        }
    }

    /// The factor for `peaks`.
    pub fn factor(self, peaks: &Peaks) -> f64 {
        match self {
            AmplitudeScale::Factor(f) => f,
            AmplitudeScale::Auto => peaks.auto_amplitude_scale(),
        }
    }
}

/// The formats peaks are read back from, by the input's extension: audiowaveform's `.dat` and
/// `.json`, and its `.txt`, which is output only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeaksFile {
    Dat,
    Json,
    Txt,
}

impl PeaksFile {
    /// The peaks format of an input named `path`, or `None` for audio.
    pub fn of_input(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "dat" => Some(PeaksFile::Dat),
            "json" => Some(PeaksFile::Json),
            "txt" => Some(PeaksFile::Txt),
            _ => None,
        }
    }

    /// The name audiowaveform gives the format.
    pub fn name(self) -> &'static str {
        match self {
            PeaksFile::Dat => "dat",
            PeaksFile::Json => "json",
            PeaksFile::Txt => "txt",
        }
    }
}

/// Reads a `.dat` or `.json` peaks file. `output` names the format asked for, for the message
/// when the input cannot be read back (`.txt`).
pub fn read_peaks(path: &Path, output: &str) -> Result<Peaks> {
    let err = |message: String| Error::AudioFormat {
        path: path.to_path_buf(),
        message,
    };
    let kind = PeaksFile::of_input(path)
        .ok_or_else(|| err("not a waveform data file (.dat or .json)".into()))?;
    if kind == PeaksFile::Txt {
        // audiowaveform's words, so scripts written for it keep working.
        return Err(err(format!(
            "Can't generate {output} format output from txt format input"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let parsed = match kind {
        PeaksFile::Json => {
            let text = std::str::from_utf8(&bytes)
                .map_err(|e| err(format!("waveform JSON is not UTF-8 ({e})")))?;
            Peaks::from_json(text)
        }
        _ => Peaks::from_dat(&bytes),
    };
    parsed.map_err(|e| err(format!("waveform: {e}")))
}

impl Peaks {
    /// audiowaveform's text output: one line per pixel, each channel's `min,max` joined by
    /// commas, values at the peaks' resolution.
    pub fn to_txt(&self) -> String {
        let mut s = String::with_capacity(self.data.len() * 5);
        let per_line = 2 * self.channels.max(1);
        for line in self.data.chunks(per_line) {
            for (i, v) in line.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                let _ = write!(s, "{v}");
            }
            s.push('\n');
        }
        s
    }

    /// The peaks at another resolution, as audiowaveform converts: 16 to 8 bits divides by 256
    /// (truncating toward zero), 8 to 16 bits multiplies by 256.
    pub fn with_bits(&self, bits: Bits) -> Peaks {
        let data = match (self.bits, bits) {
            (Bits::Sixteen, Bits::Eight) => self.data.iter().map(|&v| v / 256).collect(),
            (Bits::Eight, Bits::Sixteen) => {
                self.data.iter().map(|&v| v.saturating_mul(256)).collect()
            }
            _ => self.data.clone(),
        };
        Peaks {
            bits,
            data,
            ..self.clone()
        }
    }

    /// audiowaveform's automatic amplitude scale, taken on 16-bit values over every pixel and
    /// channel: `|min(32767 / high, 32767 / low)|` of the largest maximum and the smallest
    /// minimum, a zero side counting as 1. For audio (a negative minimum) that is
    /// `32767 / |min|`: the minimum reaches full scale, and a larger maximum saturates.
    pub fn auto_amplitude_scale(&self) -> f64 {
        if self.data.is_empty() {
            return 1.0;
        }
        let unit = if self.bits == Bits::Eight { 256 } else { 1 };
        let start = (i32::MAX, i32::MIN);
        let (lo, hi) = self.data.chunks_exact(2).fold(start, |(lo, hi), p| {
            (
                lo.min(i32::from(p[0]) * unit),
                hi.max(i32::from(p[1]) * unit),
            )
        });
        // audiowaveform takes |min(32767 / high, 32767 / low)| (a zero side counts as 1): with
        // low < 0 that is the low side's factor.
        let high = if hi == 0 {
            1.0
        } else {
            32767.0 / f64::from(hi)
        };
        let low = if lo == 0 {
            1.0
        } else {
            32767.0 / f64::from(lo)
        };
        high.min(low).abs()
    }

    /// The peaks amplitude scaled, then at `bits` (audiowaveform's order: the scale works on
    /// 16-bit values, before any division down to 8 bits).
    pub fn adjusted(&self, scale: AmplitudeScale, bits: Bits) -> Result<Peaks, WaveformError> {
        let factor = scale.factor(self);
        if factor == 1.0 {
            return Ok(self.with_bits(bits));
        }
        Ok(self
            .with_bits(Bits::Sixteen)
            .scaled(factor)?
            .with_bits(bits))
    }

    /// Every value times `factor`, truncated toward zero and saturated at the resolution's
    /// limits. Scaling 8-bit peaks works on their 16-bit values, as audiowaveform keeps them.
    pub fn scaled(&self, factor: f64) -> Result<Peaks, WaveformError> {
        if !factor.is_finite() || factor < 0.0 {
            return Err(WaveformError::InvalidAmplitudeScale(factor.to_string()));
        }
        let wide = self.with_bits(Bits::Sixteen);
        let data = wide
            .data
            .iter()
            .map(|&v| (f64::from(v) * factor).clamp(-32768.0, 32767.0) as i16)
            .collect();
        Ok(Peaks { data, ..wide }.with_bits(self.bits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peaks(bits: Bits, channels: usize, data: Vec<i16>) -> Peaks {
        Peaks {
            sample_rate: 44_100,
            samples_per_pixel: 256,
            channels,
            bits,
            data,
        }
    }

    #[test]
    fn text_is_one_line_per_pixel() {
        let p = peaks(Bits::Sixteen, 1, vec![-1024, 1024, -2048, 2048]);
        assert_eq!(p.to_txt(), "-1024,1024\n-2048,2048\n");
        let p = peaks(Bits::Eight, 2, vec![-4, 4, -8, 8, -12, 12, -16, 16]);
        assert_eq!(p.to_txt(), "-4,4,-8,8\n-12,12,-16,16\n");
        assert_eq!(peaks(Bits::Eight, 1, vec![]).to_txt(), "");
    }

    #[test]
    fn resolution_changes_as_audiowaveform() {
        let p = peaks(Bits::Sixteen, 1, vec![-16383, 24575, -32768, 32767]);
        assert_eq!(p.with_bits(Bits::Eight).data, vec![-63, 95, -128, 127]);
        assert_eq!(
            p.with_bits(Bits::Eight).with_bits(Bits::Sixteen).data,
            vec![-16128, 24320, -32768, 32512]
        );
    }

    #[test]
    fn auto_scale_brings_the_peak_to_full_scale() {
        // The low side's factor wins whenever the low side is not silent.
        let p = peaks(Bits::Sixteen, 1, vec![-8192, 16384, -100, 100]);
        assert!((p.auto_amplitude_scale() - 32767.0 / 8192.0).abs() < 1e-12);
        let s = p.scaled(p.auto_amplitude_scale()).unwrap();
        assert_eq!(s.data, vec![-32767, 32767, -399, 399]);
        // A zero minimum counts as a factor of 1, which is the smaller one.
        let p = peaks(Bits::Sixteen, 1, vec![0, 16384]);
        assert_eq!(p.auto_amplitude_scale(), 1.0);
        // Silence is left alone; 8-bit peaks scale on their 16-bit values.
        assert_eq!(
            peaks(Bits::Eight, 1, vec![0, 0]).auto_amplitude_scale(),
            1.0
        );
        let p = peaks(Bits::Eight, 1, vec![-32, 64]);
        assert_eq!(p.scaled(1.5).unwrap().data, vec![-48, 96]);
        assert!(p.scaled(f64::NAN).is_err());
    }

    #[test]
    fn amplitude_scale_parses() {
        assert_eq!(AmplitudeScale::parse("auto").unwrap(), AmplitudeScale::Auto);
        assert_eq!(
            AmplitudeScale::parse("1.5").unwrap(),
            AmplitudeScale::Factor(1.5)
        );
        assert!(AmplitudeScale::parse("-1").is_err());
        assert!(AmplitudeScale::parse("loud").is_err());
    }
}
