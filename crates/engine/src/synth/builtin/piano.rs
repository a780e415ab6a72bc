//! The piano samples (programs 0-7): additive synthesis of inharmonic string partials, unison
//! strings that beat, a two-stage decay, a hammer-noise transient, three velocity layers.

use std::f64::consts::{LN_10, PI, TAU};

use super::dsp::{interp, midi_hz, taper};
use super::sample::{finish, Sample};
use crate::dsp::{Biquad, Rng};

const PIANO_FIRST_ROOT: u8 = 22;
const PIANO_STEP: u8 = 4;
const PIANO_ROOTS: usize = 22; // 22, 26, ..., 106
/// Velocity layers: soft, medium, loud.
pub(super) const PIANO_VEL: [(u8, u8); 3] = [(0, 56), (57, 96), (97, 127)];
/// RMS of the loud layer's tone at the start, before the hammer noise.
const PIANO_RMS: f64 = 0.2;
/// Level of each velocity layer relative to the loud one. Within a layer rustysynth scales by
/// velocity squared; these small steps keep the layer boundaries smooth.
const PIANO_LAYER_LEVEL: [f64; 3] = [0.8, 0.9, 1.0];
/// Aftersound share of each partial's amplitude (about -16 dB).
const PIANO_AFTERSOUND: f64 = 0.15;
/// How much slower the aftersound decays than the prompt sound.
const PIANO_AFTERSOUND_SLOWER: f64 = 3.5;

pub(super) fn piano_roots() -> impl Iterator<Item = u8> {
    (0..PIANO_ROOTS as u8).map(|i| PIANO_FIRST_ROOT + i * PIANO_STEP)
}

/// Sample rate per root and layer: soft bass notes have nothing above a few kHz.
pub(super) fn piano_rate(root: u8, layer: usize) -> u32 {
    match layer {
        0 if root <= 50 => 11025,
        0 => 22050,
        1 if root <= 42 => 12000,
        1 if root <= 50 => 16000,
        1 if root <= 66 => 22050,
        1 => 32000,
        _ if root <= 46 => 22050,
        _ => 32000,
    }
}

/// Prompt decay rate of the fundamental in dB/s: slow in the bass, fast in the treble.
fn piano_decay_db(key: f64) -> f64 {
    (8.0 * ((key - 60.0) / 17.0).exp2()).max(4.0)
}

/// Sample length in seconds: until the aftersound is about 27 dB down (at most 4.6 s, which
/// cuts the longest bass notes short), then faded out.
pub(super) fn piano_duration(key: f64) -> f64 {
    let after_db_per_s = piano_decay_db(key) / PIANO_AFTERSOUND_SLOWER;
    let after_db = -20.0 * PIANO_AFTERSOUND.log10();
    ((27.0 - after_db) / after_db_per_s + 0.3).clamp(0.8, 4.6)
}

/// String inharmonicity coefficient B: ~1e-4 in the middle, larger in the treble.
fn piano_inharmonicity(key: f64) -> f64 {
    let log_b = interp(
        key,
        &[
            (21.0, -3.6),
            (40.0, -4.05),
            (60.0, -3.9),
            (84.0, -3.35),
            (108.0, -2.6),
        ],
    );
    10f64.powf(log_b)
}

/// Damper release time: longer in the bass; the top keys have no dampers.
pub(super) fn piano_release(root: u8) -> f64 {
    match root {
        0..=39 => 0.9,
        40..=59 => 0.7,
        60..=88 => 0.5,
        _ => 1.0,
    }
}

/// Unison strings of a note: (detune in cents, relative amplitude). Mean detune is ~0 so the
/// perceived pitch stays exact.
fn piano_strings(root: u8) -> Vec<(f64, f64)> {
    let mut rng = Rng::new(0x5049_414E_4F00 ^ u64::from(root));
    let d = 0.35 + 0.7 * rng.uniform();
    match root {
        0..=29 => vec![(0.0, 1.0)],
        30..=43 => vec![(-0.46 * d, 1.0), (0.54 * d, 0.85)],
        _ => vec![(-d, 1.0), (0.2 * d, 0.9), (0.8 * d, 0.8)],
    }
}

/// The partials of a note: (frequency, amplitude). The hammer gets harder (brighter) with the
/// layer; striking at ~1/8.5 of the string combs the spectrum; the soundboard radiates the
/// lowest fundamentals poorly.
fn piano_partials(root: u8, layer: usize, sr: f64) -> Vec<(f64, f64)> {
    let key = f64::from(root);
    let f1 = midi_hz(key);
    let b = piano_inharmonicity(key);
    let hammer_fc = [600.0, 1300.0, 2900.0][layer.min(2)] * (f1 / 261.63).powf(0.45);
    let limit = (0.45 * sr).min(15000.0);
    let strike = 0.1176;
    let mut out = Vec::new();
    for n in 1..=160u32 {
        let nf = f64::from(n);
        let fnn = nf * f1 * ((1.0 + b * nf * nf) / (1.0 + b)).sqrt();
        if fnn > limit {
            break;
        }
        let comb = 0.35 + 0.65 * (PI * nf * strike).sin().abs();
        let x = fnn / hammer_fc;
        let hammer = 1.0 / (1.0 + x * x);
        let y = fnn / 110.0;
        let radiation = y / (1.0 + y * y).sqrt();
        let amp = comb * hammer * radiation / nf.powf(0.8);
        if amp > 2e-4 {
            out.push((fnn, amp));
        }
    }
    out
}

/// Gain that brings a layer's initial tone RMS to its target level.
fn piano_norm(partials: &[(f64, f64)], string_sum: f64, layer: usize) -> f64 {
    let power: f64 = partials.iter().map(|p| 0.5 * p.1 * p.1).sum();
    PIANO_RMS * PIANO_LAYER_LEVEL[layer.min(2)] / (power.sqrt() * string_sum).max(1e-9)
}

/// One decaying, possibly detuned component of a partial.
#[derive(Clone, Copy)]
struct Mode {
    amp: f64,
    /// Natural-log amplitude decay per sample.
    decay: f64,
    /// Frequency offset from the partial, radians per sample.
    detune: f64,
}

/// A partial for the additive renderer: frequency (rad/sample), its modes, active length.
struct Partial {
    omega: f64,
    modes: Vec<Mode>,
    len: usize,
}

const BLOCK: usize = 32;
const LANES: usize = 4;

#[derive(Clone, Copy, Default)]
struct Lane {
    pr: f64,
    pi: f64,
    cr: f64,
    ci: f64,
    gr: f64,
    gi: f64,
    dgr: f64,
    dgi: f64,
}

/// Adds `sum_k Im(G_k(t) e^{i omega_k t})` to `out` for up to four partials at once. The
/// slowly varying complex gains (decay and string beating) are updated per block and
/// interpolated; the carriers are exact rotations, renormalised per block.
fn add_partials(out: &mut [f64], parts: &[Partial]) {
    let len = parts
        .iter()
        .map(|p| p.len)
        .max()
        .unwrap_or(0)
        .min(out.len());
    if len == 0 {
        return;
    }
    let mut lanes = [Lane::default(); LANES];
    let mut zs: Vec<Vec<(f64, f64)>> = Vec::with_capacity(LANES);
    let mut muls: Vec<Vec<(f64, f64)>> = Vec::with_capacity(LANES);
    for (lane, part) in lanes.iter_mut().zip(parts) {
        let (s, c) = part.omega.sin_cos();
        lane.pr = 1.0;
        lane.cr = c;
        lane.ci = s;
        zs.push(part.modes.iter().map(|m| (m.amp, 0.0)).collect());
        muls.push(
            part.modes
                .iter()
                .map(|m| {
                    let mag = (-m.decay * BLOCK as f64).exp();
                    let (s, c) = (m.detune * BLOCK as f64).sin_cos();
                    (mag * c, mag * s)
                })
                .collect(),
        );
    }
    let sum = |z: &[(f64, f64)]| z.iter().fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    let mut g0: Vec<(f64, f64)> = zs.iter().map(|z| sum(z)).collect();
    let inv = 1.0 / BLOCK as f64;
    for chunk in out[..len].chunks_mut(BLOCK) {
        for (((lane, z), mul), g) in lanes.iter_mut().zip(&mut zs).zip(&muls).zip(&mut g0) {
            for (zc, m) in z.iter_mut().zip(mul) {
                *zc = (zc.0 * m.0 - zc.1 * m.1, zc.0 * m.1 + zc.1 * m.0);
            }
            let g1 = sum(z);
            lane.gr = g.0;
            lane.gi = g.1;
            lane.dgr = (g1.0 - g.0) * inv;
            lane.dgi = (g1.1 - g.1) * inv;
            *g = g1;
        }
        for o in chunk.iter_mut() {
            let mut acc = 0.0;
            for l in lanes.iter_mut() {
                acc += l.gr * l.pi + l.gi * l.pr;
                let pr = l.pr * l.cr - l.pi * l.ci;
                l.pi = l.pr * l.ci + l.pi * l.cr;
                l.pr = pr;
                l.gr += l.dgr;
                l.gi += l.dgi;
            }
            *o += acc;
        }
        for l in lanes.iter_mut() {
            let m = (l.pr * l.pr + l.pi * l.pi).sqrt();
            if m > 0.0 {
                l.pr /= m;
                l.pi /= m;
            }
        }
    }
}

pub(super) fn render_piano(root: u8, layer: usize) -> Sample {
    let key = f64::from(root);
    let rate = piano_rate(root, layer);
    let sr = f64::from(rate);
    let f1 = midi_hz(key);
    let len = (piano_duration(key) * sr) as usize;
    let strings = piano_strings(root);
    let string_sum: f64 = strings.iter().map(|s| s.1).sum();
    let partials = piano_partials(root, layer, sr);
    let norm = piano_norm(&partials, string_sum, layer);
    let r1 = piano_decay_db(key);
    let threshold = 3e-5;

    let mut parts: Vec<Partial> = Vec::new();
    for (n, &(fnn, amp)) in partials.iter().enumerate() {
        let omega = TAU * fnn / sr;
        let nf = n as f64;
        // dB/s: grows with partial number and (more) with frequency.
        let prompt_db = r1 * (1.0 + 0.03 * nf) + 4.0 * (fnn / 1000.0).powf(1.3);
        let prompt = prompt_db * LN_10 / 20.0 / sr;
        let after = prompt / PIANO_AFTERSOUND_SLOWER;
        let a = amp * norm;
        let mut modes = Vec::with_capacity(strings.len() * 2);
        for &(cents, s_amp) in &strings {
            let detune = omega * ((cents / 1200.0).exp2() - 1.0);
            modes.push(Mode {
                amp: a * s_amp * (1.0 - PIANO_AFTERSOUND),
                decay: prompt,
                detune,
            });
            modes.push(Mode {
                amp: a * s_amp * PIANO_AFTERSOUND,
                decay: after,
                detune,
            });
        }
        let total = a * string_sum;
        let life = |w: f64, d: f64| {
            let v = total * w / threshold;
            if v > 1.0 {
                v.ln() / d
            } else {
                0.0
            }
        };
        let active = life(1.0 - PIANO_AFTERSOUND, prompt).max(life(PIANO_AFTERSOUND, after));
        parts.push(Partial {
            omega,
            modes,
            len: (active as usize).min(len),
        });
    }

    let mut out = vec![0.0; len];
    for group in parts.chunks(LANES) {
        add_partials(&mut out, group);
    }

    // Hammer contact time: a few milliseconds, longer for a soft blow.
    let rise = ([0.004, 0.0022, 0.0012][layer.min(2)] * sr) as usize;
    for (t, v) in out.iter_mut().enumerate().take(rise) {
        *v *= 1.0 - taper(t, rise);
    }

    // Hammer noise: a short filtered thump, brighter and louder for harder blows.
    let mut rng = Rng::new(0x4841_4D4D_4552 ^ (u64::from(root) << 8) ^ layer as u64);
    let noise_amp = [0.05, 0.1, 0.2][layer.min(2)];
    let noise_fc = [1200.0, 2500.0, 5000.0][layer.min(2)] * (f1 / 261.63).powf(0.25);
    let tau = (0.0045 * (261.63 / f1).powf(0.3)).clamp(0.0015, 0.012);
    let mut lp = Biquad::lp(sr, noise_fc, 0.7);
    let mut hp = Biquad::hp(sr, 70.0, 0.7);
    let noise_len = ((tau * 9.0 * sr) as usize).min(len);
    for (t, v) in out.iter_mut().enumerate().take(noise_len) {
        let x = t as f64 / sr;
        let env = (1.0 - (-x / 0.0004).exp()) * (-x / tau).exp();
        *v += noise_amp * env * hp.run(lp.run(rng.bipolar()));
    }

    // Fade the last 30% to silence so the note ends like a natural decay.
    let fade_start = len * 7 / 10;
    let fade_len = len - fade_start;
    for (t, v) in out.iter_mut().enumerate().skip(fade_start) {
        *v *= taper(t - fade_start, fade_len);
    }

    let name = format!("Piano {} {}", root, ["pp", "mf", "ff"][layer.min(2)]);
    finish(name, &out, 1.0, rate, root, None)
}
