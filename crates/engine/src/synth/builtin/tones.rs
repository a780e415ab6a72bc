//! The looped melodic samples: organ, strings, brass, reed, pipe, lead and pad tones built from
//! exactly periodic cycles, the mallet, the Karplus-Strong pluck (guitar and bass) and a noise
//! loop. Each loop holds a whole number of periods: the sample rate is chosen so the period is a
//! whole number of samples.

use std::f64::consts::TAU;

use super::dsp::{lp_mag, midi_hz, period_and_rate, rms, taper, whole_periods};
use super::sample::{finish, Sample};
use crate::dsp::{Biquad, Rng};

/// The families of [`render_tone`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tone {
    Organ,
    Strings,
    Brass,
    Reed,
    Pipe,
    Lead,
    Pad,
}

/// Roots of the looped tone families: one every 6 semitones.
pub(super) fn tone_roots() -> impl Iterator<Item = u8> {
    (0..15u8).map(|i| 24 + 6 * i)
}

pub(super) fn mallet_roots() -> impl Iterator<Item = u8> {
    (0..13u8).map(|i| 36 + 6 * i)
}

pub(super) fn pluck_roots(bass: bool) -> impl Iterator<Item = u8> {
    let (first, count) = if bass { (22u8, 9u8) } else { (34u8, 12u8) };
    (0..count).map(move |i| first + 6 * i)
}

/// Loop RMS that all looped tones are normalised to.
const TONE_RMS: f64 = 0.2;

/// Amplitude of harmonic `h` (at `fh` Hz) for a tone family.
fn tone_harmonic(kind: Tone, h: usize, fh: f64) -> f64 {
    let hf = h as f64;
    match kind {
        Tone::Organ => {
            // Drawbars 8', 4', 2 2/3', 2', 1 3/5', 1 1/3', 1' plus a little brilliance.
            let bar = match h {
                1 => 1.0,
                2 => 0.75,
                3 => 0.55,
                4 => 0.5,
                5 => 0.12,
                6 => 0.3,
                8 => 0.25,
                10 => 0.08,
                12 => 0.08,
                16 => 0.05,
                _ => 0.0,
            };
            bar * lp_mag(fh, 7000.0, 1)
        }
        Tone::Strings => {
            let formant = 1.0 + 0.7 * (-(fh / 1100.0).log2().powi(2) / 0.6).exp();
            formant * lp_mag(fh, 4500.0, 2) / hf
        }
        Tone::Brass => hf.powf(-0.45) * lp_mag(fh, 5000.0, 1),
        Tone::Reed => {
            let odd = if h % 2 == 1 { 1.0 } else { 0.35 };
            odd * lp_mag(fh, 3000.0, 2) / hf
        }
        Tone::Pipe => match h {
            1 => 1.0,
            2 => 0.22,
            3 => 0.1,
            4 => 0.05,
            5 => 0.03,
            _ => 0.0,
        },
        Tone::Lead => {
            let square = if h % 2 == 1 { 0.6 } else { 0.0 };
            (1.0 + square) * lp_mag(fh, 9000.0, 1) / hf
        }
        Tone::Pad => lp_mag(fh, 1800.0, 2) / hf,
    }
}

/// One exactly periodic cycle of `p` samples with the given harmonic amplitudes. Uses index
/// arithmetic on a sine table, so every harmonic is exactly periodic in `p`.
fn periodic_cycle(p: usize, max_h: usize, rng: &mut Rng, amp: impl Fn(usize) -> f64) -> Vec<f64> {
    let sin_tab: Vec<f64> = (0..p).map(|j| (TAU * j as f64 / p as f64).sin()).collect();
    let cos_tab: Vec<f64> = (0..p).map(|j| (TAU * j as f64 / p as f64).cos()).collect();
    let mut cycle = vec![0.0; p];
    for h in 1..=max_h {
        let phase = TAU * rng.uniform();
        let a = amp(h);
        if a.abs() < 1e-6 {
            continue;
        }
        let (s, c) = phase.sin_cos();
        let (ac, as_) = (a * c, a * s);
        let mut k = 0usize;
        for v in cycle.iter_mut() {
            *v += ac * sin_tab[k] + as_ * cos_tab[k];
            k += h;
            while k >= p {
                k -= p;
            }
        }
    }
    cycle
}

fn tone_name(kind: Tone) -> &'static str {
    match kind {
        Tone::Organ => "Organ",
        Tone::Strings => "Strings",
        Tone::Brass => "Brass",
        Tone::Reed => "Reed",
        Tone::Pipe => "Pipe",
        Tone::Lead => "Lead",
        Tone::Pad => "Pad",
    }
}

pub(super) fn render_tone(root: u8, kind: Tone) -> Sample {
    let f = midi_hz(f64::from(root));
    let target = if kind == Tone::Pad { 22050.0 } else { 32000.0 };
    let (p, rate) = period_and_rate(f, target);
    let sr = f64::from(rate);
    let fe = sr / p as f64;
    let max_h = ((0.42 * sr / fe) as usize).clamp(1, (p - 1) / 2);
    let mut rng = Rng::new(0x544F_4E45 ^ (u64::from(root) << 16) ^ (kind as u64));
    let mut cycle = periodic_cycle(p, max_h, &mut rng, |h| {
        tone_harmonic(kind, h, h as f64 * fe)
    });
    let g = TONE_RMS / rms(&cycle).max(1e-9);
    for v in cycle.iter_mut() {
        *v *= g;
    }

    // Unlooped attack segment: key click, breath or chiff noise that dies out before the loop.
    let pre_secs = match kind {
        Tone::Organ => 0.02,
        Tone::Reed => 0.07,
        Tone::Pipe => 0.09,
        Tone::Strings => 0.08,
        Tone::Brass | Tone::Lead | Tone::Pad => 0.0,
    };
    let pre = whole_periods((pre_secs * sr) as usize, p);
    let loop_len = whole_periods(1024, p);
    let total = pre + loop_len + 8;
    let mut data: Vec<f64> = (0..total).map(|t| cycle[t % p]).collect();

    let (noise_amp, tau, mut filt) = match kind {
        Tone::Organ => (0.35, 0.003, Biquad::hp(sr, 1500.0, 0.7)),
        Tone::Reed => (
            0.08,
            0.03,
            Biquad::bp(sr, (3.0 * f).clamp(800.0, 4000.0), 1.0),
        ),
        Tone::Pipe => (
            0.2,
            0.025,
            Biquad::bp(sr, (2.0 * f).clamp(600.0, 5000.0), 2.0),
        ),
        Tone::Strings => (0.05, 0.04, Biquad::hp(sr, 2500.0, 0.7)),
        _ => (0.0, 1.0, Biquad::lp(sr, 1000.0, 0.7)),
    };
    if noise_amp > 0.0 {
        for (t, v) in data.iter_mut().enumerate().take(pre) {
            let x = t as f64 / sr;
            let env = (1.0 - (-x / 0.002).exp()) * (-x / tau).exp() * taper(t, pre);
            *v += noise_amp * env * filt.run(rng.bipolar());
        }
    }

    let name = format!("{} {}", tone_name(kind), root);
    finish(name, &data, 1.0, rate, root, Some((pre, pre + loop_len)))
}

/// Mallet (vibraphone/celesta-like): struck bar partials 1 : 4 : 10 plus a bell-like
/// inharmonic partial and the mallet click, all dying into a loop of partials 1 and 4.
pub(super) fn render_mallet(root: u8) -> Sample {
    let f = midi_hz(f64::from(root));
    let (p, rate) = period_and_rate(f, 32000.0);
    let sr = f64::from(rate);
    let fe = sr / p as f64;
    let nyq = 0.42 * sr;
    let pre = whole_periods((0.25 * sr) as usize, p);
    let loop_len = whole_periods(1024, p);
    let total = pre + loop_len + 8;
    let has4 = 4.0 * fe < nyq;
    let has10 = 10.0 * fe < nyq;
    let has_bell = 2.76 * fe < nyq;
    let mut rng = Rng::new(0x4D41_4C4C ^ u64::from(root));
    let mut click = Biquad::bp(sr, (6.0 * fe).min(0.4 * sr), 0.8);
    let mut data = vec![0.0; total];
    for (t, v) in data.iter_mut().enumerate() {
        let ph = TAU * (t % p) as f64 / p as f64;
        let mut s = ph.sin();
        if has4 {
            s += 0.12 * (4.0 * ph).sin();
        }
        if t < pre {
            let x = t as f64 / sr;
            let w = taper(t, pre);
            let mut e = 0.6 * (-x / 0.1).exp() * ph.sin();
            if has4 {
                e += 0.5 * (-x / 0.05).exp() * (4.0 * ph).sin();
            }
            if has10 {
                e += 0.3 * (-x / 0.012).exp() * (10.0 * ph).sin();
            }
            if has_bell {
                e += 0.15 * (-x / 0.03).exp() * (TAU * 2.76 * fe * x).sin();
            }
            e += 0.5 * (-x / 0.0015).exp() * click.run(rng.bipolar());
            s += e * w;
        }
        *v = s;
    }
    let g = TONE_RMS / rms(&data[pre..pre + loop_len]).max(1e-9);
    finish(
        format!("Mallet {root}"),
        &data,
        g,
        rate,
        root,
        Some((pre, pre + loop_len)),
    )
}

/// Plucked string: Karplus-Strong with a symmetric (linear-phase) loss filter, so the period
/// is exactly `p` samples; the sample rate makes that period the note. The first half second
/// is the decaying pluck; then one period of the string is looped and the volume envelope
/// carries on the decay.
pub(super) fn render_pluck(root: u8, bass: bool) -> Sample {
    let f = midi_hz(f64::from(root));
    let (p, rate) = period_and_rate(f, 22050.0);
    let p = p.max(8);
    let sr = f64::from(rate);
    let fe = sr / p as f64;
    let (a, loss_db, attack_secs) = if bass {
        (0.2, 1.5, 0.5)
    } else {
        (0.1, 2.5, 0.42)
    };
    let rho = 10f64.powf(-loss_db / (20.0 * fe));
    let pre = whole_periods((attack_secs * sr) as usize, p);
    let n = pre + p;
    let mut rng = Rng::new(0x0050_4C55_434B ^ u64::from(root) ^ (u64::from(bass) << 40));

    // Excitation: filtered noise with a pluck-position comb, zero mean.
    let mut lp = Biquad::lp(sr, if bass { 1200.0 } else { 3500.0 }, 0.7);
    let raw: Vec<f64> = (0..p).map(|_| lp.run(rng.bipolar())).collect();
    let offset = ((p as f64 * if bass { 0.2 } else { 0.13 }) as usize).max(1);
    let mut exc: Vec<f64> = (0..p).map(|i| raw[i] - raw[(i + offset) % p]).collect();
    let mean = exc.iter().sum::<f64>() / p as f64;
    for v in exc.iter_mut() {
        *v -= mean;
    }

    let mut y = vec![0.0; n];
    for i in 0..n {
        let x = exc.get(i).copied().unwrap_or(0.0);
        let tap = |k: usize| if i >= k { y[i - k] } else { 0.0 };
        let fb = rho * (a * tap(p - 1) + (1.0 - 2.0 * a) * tap(p) + a * tap(p + 1));
        y[i] = x + fb;
    }

    let cycle: Vec<f64> = y[pre..pre + p].to_vec();
    let loop_len = whole_periods(1024, p);
    let mut data: Vec<f64> = y[..pre].to_vec();
    data.extend((0..loop_len + 8).map(|t| cycle[t % p]));
    let attack_rms = rms(&data[..(0.3 * sr) as usize]);
    let g = 0.3 / attack_rms.max(1e-9);
    let name = format!("{} {}", if bass { "Bass" } else { "Guitar" }, root);
    finish(name, &data, g, rate, root, Some((pre, pre + loop_len)))
}

/// A second of band-limited noise, filtered circularly so it loops seamlessly.
pub(super) fn render_noise() -> Sample {
    let rate = 22050u32;
    let sr = f64::from(rate);
    let n = rate as usize;
    let mut rng = Rng::new(0x004E_4F49_5345);
    let white: Vec<f64> = (0..n).map(|_| rng.bipolar()).collect();
    let mut bp = Biquad::bp(sr, 1500.0, 0.5);
    let mut lp = Biquad::lp(sr, 5000.0, 0.7);
    // Two passes over the circular buffer: the second starts from the settled state.
    let mut out = vec![0.0; n];
    for pass in 0..2 {
        for (o, &w) in out.iter_mut().zip(&white) {
            let v = lp.run(bp.run(w));
            if pass == 1 {
                *o = v;
            }
        }
    }
    let mut data = out.clone();
    data.extend_from_slice(&out[..8]);
    let g = TONE_RMS / rms(&out).max(1e-9);
    finish("Noise".into(), &data, g, rate, 60, Some((0, n)))
}
