//! Signal helpers the sample syntheses share.

use std::f64::consts::{PI, TAU};

pub(super) fn midi_hz(key: f64) -> f64 {
    440.0 * ((key - 69.0) / 12.0).exp2()
}

/// Piecewise-linear interpolation through `(x, y)` points, clamped at the ends.
pub(super) fn interp(x: f64, pts: &[(f64, f64)]) -> f64 {
    let mut prev = match pts.first() {
        Some(p) => *p,
        None => return 0.0,
    };
    if x <= prev.0 {
        return prev.1;
    }
    for &p in &pts[1..] {
        if x <= p.0 {
            let t = (x - prev.0) / (p.0 - prev.0);
            return prev.1 + t * (p.1 - prev.1);
        }
        prev = p;
    }
    prev.1
}

/// Butterworth-style magnitude response of a low-pass of the given order.
pub(super) fn lp_mag(f: f64, fc: f64, order: i32) -> f64 {
    1.0 / (1.0 + (f / fc).powi(2 * order)).sqrt()
}

/// Adds `amp * e^{-t/tau} * sin(2 pi f t + phase)` to `buf` (sample rate `sr`), by a damped
/// complex rotation instead of a sine per sample.
pub(super) fn add_decaying_sine(buf: &mut [f64], sr: f64, f: f64, amp: f64, tau: f64, phase: f64) {
    let damp = (-1.0 / (tau * sr)).exp();
    let (s, c) = (TAU * f / sr).sin_cos();
    let (rr, ri) = (damp * c, damp * s);
    let (mut zi, mut zr) = phase.sin_cos();
    zr *= amp;
    zi *= amp;
    for v in buf.iter_mut() {
        *v += zi;
        let t = zr * rr - zi * ri;
        zi = zr * ri + zi * rr;
        zr = t;
    }
}

pub(super) fn peak(x: &[f64]) -> f64 {
    x.iter().fold(0.0, |m, v| m.max(v.abs()))
}

pub(super) fn rms(x: &[f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt()
}

/// Raised-cosine taper from 1 (at `t = 0`) to 0 (at `t >= len`).
pub(super) fn taper(t: usize, len: usize) -> f64 {
    if t >= len || len == 0 {
        0.0
    } else {
        let x = t as f64 / len as f64;
        0.5 * (1.0 + (PI * x).cos())
    }
}

/// For a looped tone: a whole number of samples per period near `target_rate / f`, and the
/// integer sample rate that makes that period exactly `f` (error below 0.05 cent).
pub(super) fn period_and_rate(f: f64, target_rate: f64) -> (usize, u32) {
    let p = (target_rate / f).round().max(4.0);
    let rate = (f * p).round().clamp(4000.0, 96000.0);
    (p as usize, rate as u32)
}

/// The smallest multiple of `period` that is at least `n`.
pub(super) fn whole_periods(n: usize, period: usize) -> usize {
    let p = period.max(1);
    n.div_ceil(p).max(1) * p
}
