//! Equalisation: the seven second-order filters of Robert Bristow-Johnson's "Audio EQ Cookbook"
//! (low/high shelf, peak, low/high pass, band pass, notch) and [`Eq`], a cascade of any number of
//! them that is one effect. Coefficients are computed in f64 from the sample rate when it is
//! first seen; filtering runs in transposed direct form II with f64 state, so low cutoffs keep
//! their accuracy. For speed, bands run block by block over cache-sized blocks and channels are
//! filtered in pairs, interleaving two independent recurrences.

use super::{check_param, check_rate, check_shape, Effect};
use crate::{Error, Result};

/// The shape of one filter band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterType {
    LowShelf,
    HighShelf,
    Peak,
    LowPass,
    HighPass,
    BandPass,
    Notch,
}

impl FilterType {
    /// Every type, in the order of [`FilterType::name`]'s documentation.
    pub const ALL: [FilterType; 7] = [
        FilterType::LowShelf,
        FilterType::HighShelf,
        FilterType::Peak,
        FilterType::LowPass,
        FilterType::HighPass,
        FilterType::BandPass,
        FilterType::Notch,
    ];

    /// The name used in chain files and on the command line: `low_shelf`, `high_shelf`, `peak`,
    /// `low_pass`, `high_pass`, `band_pass`, `notch`.
    pub fn name(self) -> &'static str {
        match self {
            FilterType::LowShelf => "low_shelf",
            FilterType::HighShelf => "high_shelf",
            FilterType::Peak => "peak",
            FilterType::LowPass => "low_pass",
            FilterType::HighPass => "high_pass",
            FilterType::BandPass => "band_pass",
            FilterType::Notch => "notch",
        }
    }

    /// Parses a name; dashes and the spellings `lowshelf`, `lowpass`, `bandpass`... are accepted.
    pub fn parse(s: &str) -> Result<Self> {
        let key: String = s
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        Ok(match key.as_str() {
            "lowshelf" => FilterType::LowShelf,
            "highshelf" => FilterType::HighShelf,
            "peak" | "peaking" | "bell" => FilterType::Peak,
            "lowpass" | "lp" => FilterType::LowPass,
            "highpass" | "hp" => FilterType::HighPass,
            "bandpass" | "bp" => FilterType::BandPass,
            "notch" => FilterType::Notch,
            _ => {
                return Err(Error::InvalidArgument(format!(
                    "unknown filter type '{s}': use low_shelf, high_shelf, peak, low_pass, \
                     high_pass, band_pass or notch"
                )))
            }
        })
    }

    /// Whether `gain_db` changes this filter (shelves and peak only).
    pub fn uses_gain(self) -> bool {
        matches!(
            self,
            FilterType::LowShelf | FilterType::HighShelf | FilterType::Peak
        )
    }
}

/// One band: a filter type with its corner or centre frequency, gain and Q.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FilterBand {
    pub filter_type: FilterType,
    /// Corner (pass, shelf) or centre (peak, band pass, notch) frequency in Hz; it must lie below
    /// half the sample rate of the audio it filters.
    pub cutoff_frequency_hz: f32,
    /// Boost or cut in dB, -60 to 60 (shelves and peak; ignored by the others).
    pub gain_db: f32,
    /// Quality factor, 0.01 to 100 (0.7071 is Butterworth for the passes and a slope of 1 for
    /// the shelves).
    pub q: f32,
}

/// The cookbook's Butterworth Q.
pub const DEFAULT_Q: f32 = std::f32::consts::FRAC_1_SQRT_2;

impl FilterBand {
    /// Checks every parameter.
    pub fn new(
        filter_type: FilterType,
        cutoff_frequency_hz: f32,
        gain_db: f32,
        q: f32,
    ) -> Result<Self> {
        let band = FilterBand {
            filter_type,
            cutoff_frequency_hz,
            gain_db,
            q,
        };
        band.validate()?;
        Ok(band)
    }

    fn validate(&self) -> Result<()> {
        let name = self.filter_type.name();
        check_param(
            name,
            "cutoff_frequency_hz",
            self.cutoff_frequency_hz,
            1e-3,
            1e6,
        )?;
        check_param(name, "gain_db", self.gain_db, -60.0, 60.0)?;
        check_param(name, "q", self.q, 0.01, 100.0)
    }

    /// Normalised coefficients `[b0, b1, b2, a1, a2]` (a0 = 1) at `sample_rate`; refuses a
    /// cutoff at or above half the sample rate.
    pub fn coefficients(&self, sample_rate: u32) -> Result<[f64; 5]> {
        let nyquist = f64::from(sample_rate) / 2.0;
        let f0 = f64::from(self.cutoff_frequency_hz);
        if f0 >= nyquist {
            return Err(Error::InvalidArgument(format!(
                "{}: cutoff_frequency_hz = {f0} must be below half the sample rate ({nyquist} Hz)",
                self.filter_type.name()
            )));
        }
        let a = 10f64.powf(f64::from(self.gain_db) / 40.0);
        let w0 = 2.0 * std::f64::consts::PI * f0 / f64::from(sample_rate);
        let (sin, cos) = w0.sin_cos();
        let alpha = sin / (2.0 * f64::from(self.q));
        let sq = 2.0 * a.sqrt() * alpha;
        let (b0, b1, b2, a0, a1, a2) = match self.filter_type {
            FilterType::LowPass => {
                let b = (1.0 - cos) / 2.0;
                (b, 2.0 * b, b, 1.0 + alpha, -2.0 * cos, 1.0 - alpha)
            }
            FilterType::HighPass => {
                let b = (1.0 + cos) / 2.0;
                (b, -2.0 * b, b, 1.0 + alpha, -2.0 * cos, 1.0 - alpha)
            }
            FilterType::BandPass => (alpha, 0.0, -alpha, 1.0 + alpha, -2.0 * cos, 1.0 - alpha),
            FilterType::Notch => (1.0, -2.0 * cos, 1.0, 1.0 + alpha, -2.0 * cos, 1.0 - alpha),
            FilterType::Peak => (
                1.0 + alpha * a,
                -2.0 * cos,
                1.0 - alpha * a,
                1.0 + alpha / a,
                -2.0 * cos,
                1.0 - alpha / a,
            ),
            FilterType::LowShelf => (
                a * ((a + 1.0) - (a - 1.0) * cos + sq),
                2.0 * a * ((a - 1.0) - (a + 1.0) * cos),
                a * ((a + 1.0) - (a - 1.0) * cos - sq),
                (a + 1.0) + (a - 1.0) * cos + sq,
                -2.0 * ((a - 1.0) + (a + 1.0) * cos),
                (a + 1.0) + (a - 1.0) * cos - sq,
            ),
            FilterType::HighShelf => (
                a * ((a + 1.0) + (a - 1.0) * cos + sq),
                -2.0 * a * ((a - 1.0) + (a + 1.0) * cos),
                a * ((a + 1.0) + (a - 1.0) * cos - sq),
                (a + 1.0) - (a - 1.0) * cos + sq,
                2.0 * ((a - 1.0) - (a + 1.0) * cos),
                (a + 1.0) - (a - 1.0) * cos - sq,
            ),
        };
        Ok([b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0])
    }
}

/// A parametric equaliser: bands applied in order (a single band is one cookbook filter).
#[derive(Debug, Clone)]
pub struct Eq {
    bands: Vec<FilterBand>,
    /// Sample rate and channel count the coefficients and state were made for.
    prepared: Option<(u32, usize)>,
    coeffs: Vec<[f64; 5]>,
    /// Per channel, per band: the two state values.
    state: Vec<Vec<[f64; 2]>>,
}

impl Eq {
    /// An equaliser of `bands` (each already checked by [`FilterBand::new`]; checked again).
    pub fn new(bands: Vec<FilterBand>) -> Result<Self> {
        for b in &bands {
            b.validate()?;
        }
        Ok(Eq {
            bands,
            prepared: None,
            coeffs: Vec::new(),
            state: Vec::new(),
        })
    }

    /// One filter.
    pub fn single(
        filter_type: FilterType,
        cutoff_frequency_hz: f32,
        gain_db: f32,
        q: f32,
    ) -> Result<Self> {
        Eq::new(vec![FilterBand::new(
            filter_type,
            cutoff_frequency_hz,
            gain_db,
            q,
        )?])
    }

    pub fn bands(&self) -> &[FilterBand] {
        &self.bands
    }

    fn prepare(&mut self, sample_rate: u32, channels: usize) -> Result<()> {
        if self.prepared == Some((sample_rate, channels)) {
            return Ok(());
        }
        check_rate(self.name(), sample_rate)?;
        self.coeffs = self
            .bands
            .iter()
            .map(|b| b.coefficients(sample_rate))
            .collect::<Result<_>>()?;
        self.state = vec![vec![[0.0; 2]; self.bands.len()]; channels];
        self.prepared = Some((sample_rate, channels));
        Ok(())
    }
}

/// Values this small in the filter state are inaudible (below -500 dBFS) and would soon become
/// subnormal, which is very slow on x86; they are flushed to zero after each block.
const FLUSH: f64 = 1e-25;
/// Frames filtered by one band before the next band runs: small enough to stay in L1 cache,
/// long enough that each band's loop keeps its state in registers.
const BLOCK: usize = 256;

fn flush(s: &mut [f64; 2]) {
    for v in s.iter_mut() {
        if v.abs() < FLUSH {
            *v = 0.0;
        }
    }
}

/// One band over one channel; the recurrence is latency-bound, so channels are paired in
/// [`run_two`] wherever possible.
fn run_one(x: &mut [f32], c: &[f64; 5], s: &mut [f64; 2]) {
    let [b0, b1, b2, a1, a2] = *c;
    let [mut s1, mut s2] = *s;
    for v in x.iter_mut() {
        let xin = f64::from(*v);
        let y = b0 * xin + s1;
        s1 = b1 * xin - a1 * y + s2;
        s2 = b2 * xin - a2 * y;
        *v = y as f32;
    }
    *s = [s1, s2];
    flush(s);
}

/// One band over two channels at once: two independent recurrences interleaved, which doubles
/// the throughput of a latency-bound loop.
fn run_two(x: &mut [f32], y: &mut [f32], c: &[f64; 5], sx: &mut [f64; 2], sy: &mut [f64; 2]) {
    let [b0, b1, b2, a1, a2] = *c;
    let [mut p1, mut p2] = *sx;
    let [mut q1, mut q2] = *sy;
    for (u, v) in x.iter_mut().zip(y.iter_mut()) {
        let ui = f64::from(*u);
        let vi = f64::from(*v);
        let uo = b0 * ui + p1;
        let vo = b0 * vi + q1;
        p1 = b1 * ui - a1 * uo + p2;
        q1 = b1 * vi - a1 * vo + q2;
        p2 = b2 * ui - a2 * uo;
        q2 = b2 * vi - a2 * vo;
        *u = uo as f32;
        *v = vo as f32;
    }
    *sx = [p1, p2];
    *sy = [q1, q2];
    flush(sx);
    flush(sy);
}

/// All bands over a pair of channels (or one), block by block.
fn run_bands(
    x: &mut [f32],
    mut y: Option<&mut [f32]>,
    coeffs: &[[f64; 5]],
    sx: &mut [[f64; 2]],
    mut sy: Option<&mut [[f64; 2]]>,
) {
    let frames = x.len();
    let mut start = 0;
    while start < frames {
        let end = (start + BLOCK).min(frames);
        for (k, c) in coeffs.iter().enumerate() {
            match (y.as_deref_mut(), sy.as_deref_mut()) {
                (Some(y), Some(sy)) => {
                    run_two(
                        &mut x[start..end],
                        &mut y[start..end],
                        c,
                        &mut sx[k],
                        &mut sy[k],
                    );
                }
                _ => run_one(&mut x[start..end], c, &mut sx[k]),
            }
        }
        start = end;
    }
}

impl Effect for Eq {
    fn name(&self) -> &'static str {
        match self.bands.as_slice() {
            [b] => match b.filter_type {
                FilterType::LowShelf => "low_shelf",
                FilterType::HighShelf => "high_shelf",
                FilterType::Peak => "peak",
                FilterType::LowPass => "low_pass",
                FilterType::HighPass => "high_pass",
                FilterType::BandPass => "band_pass",
                FilterType::Notch => "notch",
            },
            _ => "eq",
        }
    }

    fn process(&mut self, channels: &mut [Vec<f32>], sample_rate: u32) -> Result<()> {
        check_shape(channels, self.name())?;
        super::check_finite(channels, self.name())?;
        self.prepare(sample_rate, channels.len())?;
        if self.bands.is_empty() {
            return Ok(());
        }
        let coeffs = &self.coeffs;
        for (xs, ss) in channels.chunks_mut(2).zip(self.state.chunks_mut(2)) {
            match (xs, ss) {
                ([x, y], [sx, sy]) => run_bands(x, Some(y), coeffs, sx, Some(sy)),
                ([x], [sx]) => run_bands(x, None, coeffs, sx, None),
                _ => {}
            }
        }
        Ok(())
    }

    fn reset(&mut self) {
        for s in &mut self.state {
            s.fill([0.0; 2]);
        }
    }

    fn in_place_whole_buffer(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// |H(e^jw)| of normalised biquad coefficients, evaluated directly.
    fn magnitude(c: &[f64; 5], f: f64, sr: f64) -> f64 {
        let w = 2.0 * std::f64::consts::PI * f / sr;
        let (re1, im1) = (w.cos(), -w.sin());
        let (re2, im2) = ((2.0 * w).cos(), -(2.0 * w).sin());
        let num = (c[0] + c[1] * re1 + c[2] * re2, c[1] * im1 + c[2] * im2);
        let den = (1.0 + c[3] * re1 + c[4] * re2, c[3] * im1 + c[4] * im2);
        (num.0.hypot(num.1)) / (den.0.hypot(den.1))
    }

    #[test]
    fn cookbook_landmarks() {
        let sr = 48_000.0;
        let db = |t, g, f| {
            let c = FilterBand::new(t, 1000.0, g, DEFAULT_Q)
                .unwrap()
                .coefficients(48_000)
                .unwrap();
            20.0 * magnitude(&c, f, sr).log10()
        };
        assert!((db(FilterType::Peak, 6.0, 1000.0) - 6.0).abs() < 1e-9);
        assert!((db(FilterType::LowPass, 0.0, 1000.0) + 3.0103).abs() < 1e-3);
        assert!((db(FilterType::HighPass, 0.0, 1000.0) + 3.0103).abs() < 1e-3);
        assert!(db(FilterType::BandPass, 0.0, 1000.0).abs() < 1e-9);
        assert!(db(FilterType::Notch, 0.0, 1000.0) < -100.0);
        assert!((db(FilterType::LowShelf, -12.0, 10.0) + 12.0).abs() < 0.05);
        assert!((db(FilterType::HighShelf, 9.0, 20_000.0) - 9.0).abs() < 0.1);
        assert!((db(FilterType::LowShelf, -12.0, 1000.0) + 6.0).abs() < 1e-6);
    }

    #[test]
    fn impulse_response_follows_coefficients() {
        let mut eq = Eq::single(FilterType::Peak, 2000.0, 6.0, 1.0).unwrap();
        let mut x = vec![vec![0.0f32; 8]];
        x[0][0] = 1.0;
        eq.process(&mut x, 44_100).unwrap();
        let c = eq.bands[0].coefficients(44_100).unwrap();
        assert!((f64::from(x[0][0]) - c[0]).abs() < 1e-7);
    }

    #[test]
    fn bad_parameters_name_themselves() {
        let e = Eq::single(FilterType::Peak, 1000.0, 6.0, 0.0).unwrap_err();
        assert!(e.to_string().contains("q"), "{e}");
        let e = Eq::single(FilterType::Peak, f32::NAN, 6.0, 1.0).unwrap_err();
        assert!(e.to_string().contains("cutoff_frequency_hz"), "{e}");
        let mut eq = Eq::single(FilterType::LowPass, 30_000.0, 0.0, 1.0).unwrap();
        let e = eq.process(&mut [vec![0.0; 4]], 44_100).unwrap_err();
        assert!(e.to_string().contains("half the sample rate"), "{e}");
        assert!(FilterType::parse("Low-Shelf").is_ok());
        assert!(FilterType::parse("wobble").is_err());
    }
}
