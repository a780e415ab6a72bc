//! The drum kit's samples (bank 128), from noise and sine synthesis.

use std::f64::consts::TAU;

use super::dsp::{add_decaying_sine, midi_hz, peak, taper};
use super::sample::{finish, Sample};
use crate::dsp::{Biquad, Rng};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Drum {
    Kick,
    Snare,
    SideStick,
    Clap,
    Tom,
    HiHat,
    Crash,
    Ride,
    Tambourine,
    Cowbell,
    Shaker,
    Guiro,
    Wood,
    Triangle,
}

impl Drum {
    /// Every drum, in the order the font stores their samples.
    pub(super) const ALL: [Drum; 14] = [
        Drum::Kick,
        Drum::Snare,
        Drum::SideStick,
        Drum::Clap,
        Drum::Tom,
        Drum::HiHat,
        Drum::Crash,
        Drum::Ride,
        Drum::Tambourine,
        Drum::Cowbell,
        Drum::Shaker,
        Drum::Guiro,
        Drum::Wood,
        Drum::Triangle,
    ];
}

const DRUM_RATE: u32 = 32000;

/// Natural pitch (MIDI key) of pitched drum samples.
const TOM_KEY: u8 = 45;
const WOOD_KEY: u8 = 83;

pub(super) fn render_drum(d: Drum) -> Sample {
    let sr = f64::from(DRUM_RATE);
    let mut rng = Rng::new(0x4452_554D ^ ((d as u64) << 24));
    let secs = match d {
        Drum::Kick => 0.5,
        Drum::Snare => 0.45,
        Drum::SideStick => 0.15,
        Drum::Clap => 0.4,
        Drum::Tom => 0.8,
        Drum::HiHat => 1.2,
        Drum::Crash => 1.8,
        Drum::Ride => 1.8,
        Drum::Tambourine => 0.5,
        Drum::Cowbell => 0.4,
        Drum::Shaker => 0.18,
        Drum::Guiro => 0.45,
        Drum::Wood => 0.15,
        Drum::Triangle => 1.3,
    };
    let n = (secs * sr) as usize;
    let mut x = vec![0.0; n];
    match d {
        Drum::Kick => kick(&mut x, sr, &mut rng),
        Drum::Snare => snare(&mut x, sr, &mut rng),
        Drum::SideStick => side_stick(&mut x, sr, &mut rng),
        Drum::Clap => clap(&mut x, sr, &mut rng),
        Drum::Tom => tom(&mut x, sr, &mut rng),
        Drum::HiHat | Drum::Tambourine => metal(&mut x, sr, &mut rng, d == Drum::HiHat),
        Drum::Crash | Drum::Ride => cymbal(&mut x, sr, &mut rng, d == Drum::Ride),
        Drum::Cowbell => cowbell(&mut x, sr),
        Drum::Shaker => shaker(&mut x, sr, &mut rng),
        Drum::Guiro => guiro(&mut x, sr, &mut rng, secs),
        Drum::Wood => wood(&mut x, sr, &mut rng),
        Drum::Triangle => triangle(&mut x, sr, &mut rng),
    }
    // A short fade at the end so no sample stops abruptly.
    let fade = (0.02 * sr) as usize;
    for (t, v) in x.iter_mut().enumerate().skip(n.saturating_sub(fade)) {
        *v *= taper(t + fade - n, fade);
    }
    let root = match d {
        Drum::Tom => TOM_KEY,
        Drum::Wood => WOOD_KEY,
        _ => 60,
    };
    let g = 0.9 / peak(&x).max(1e-9);
    finish(format!("Drum {d:?}"), &x, g, DRUM_RATE, root, None)
}

/// A pitch-swept sine with a click, softly saturated.
fn kick(x: &mut [f64], sr: f64, rng: &mut Rng) {
    let time = |t: usize| t as f64 / sr;
    let mut click = Biquad::lp(sr, 3000.0, 0.7);
    let mut phase = 0.0;
    for (t, v) in x.iter_mut().enumerate() {
        let s = time(t);
        let f = 48.0 + 120.0 * (-s / 0.03).exp();
        phase += TAU * f / sr;
        let body = phase.sin() * (-s / 0.22).exp();
        let c = 0.5 * (-s / 0.003).exp() * click.run(rng.bipolar());
        *v = (1.6 * (body + c)).tanh();
    }
}

/// Two drum-head tones and band-passed noise (the snares).
fn snare(x: &mut [f64], sr: f64, rng: &mut Rng) {
    let time = |t: usize| t as f64 / sr;
    let mut bp = Biquad::bp(sr, 3500.0, 0.6);
    let mut hp = Biquad::hp(sr, 900.0, 0.7);
    let (mut p1, mut p2) = (0.0, 0.0);
    for (t, v) in x.iter_mut().enumerate() {
        let s = time(t);
        p1 += TAU * 185.0 * (1.0 + 0.15 * (-s / 0.01).exp()) / sr;
        p2 += TAU * 330.0 / sr;
        let tone = 0.6 * p1.sin() * (-s / 0.05).exp() + 0.3 * p2.sin() * (-s / 0.03).exp();
        let noise = 0.9 * hp.run(bp.run(rng.bipolar())) * (-s / 0.11).exp();
        *v = tone + noise * (1.0 - (-s / 0.0008).exp());
    }
}

/// A rim click: a noise burst and two short tones.
fn side_stick(x: &mut [f64], sr: f64, rng: &mut Rng) {
    let time = |t: usize| t as f64 / sr;
    let mut bp = Biquad::bp(sr, 2200.0, 1.5);
    for (t, v) in x.iter_mut().enumerate() {
        let s = time(t);
        *v = 0.8 * bp.run(rng.bipolar()) * (-s / 0.005).exp()
            + 0.5 * (TAU * 1700.0 * s).sin() * (-s / 0.015).exp()
            + 0.35 * (TAU * 520.0 * s).sin() * (-s / 0.025).exp();
    }
}

/// Four quick bursts of band-passed noise and their tail.
fn clap(x: &mut [f64], sr: f64, rng: &mut Rng) {
    let time = |t: usize| t as f64 / sr;
    let mut bp = Biquad::bp(sr, 1200.0, 1.2);
    let bursts = [0.0, 0.011, 0.021, 0.032];
    for (t, v) in x.iter_mut().enumerate() {
        let s = time(t);
        let mut env = 0.0;
        for &b in &bursts {
            if s >= b {
                env += (-(s - b) / 0.004).exp();
            }
        }
        if s >= 0.032 {
            env += 0.6 * (-(s - 0.032) / 0.09).exp();
        }
        *v = env * bp.run(rng.bipolar()) * 2.0;
    }
}

/// A pitch-swept sine at its natural pitch, with a noise attack.
fn tom(x: &mut [f64], sr: f64, rng: &mut Rng) {
    let time = |t: usize| t as f64 / sr;
    let f0 = midi_hz(f64::from(TOM_KEY));
    let mut lp = Biquad::lp(sr, 2000.0, 0.7);
    let mut phase = 0.0;
    for (t, v) in x.iter_mut().enumerate() {
        let s = time(t);
        phase += TAU * f0 * (1.0 + 0.4 * (-s / 0.05).exp()) / sr;
        *v = phase.sin() * (-s / 0.22).exp()
            + 0.3 * (2.0 * phase + 0.5).sin() * (-s / 0.05).exp()
            + 0.25 * lp.run(rng.bipolar()) * (-s / 0.01).exp();
    }
}

/// TR-808 style metal: six detuned square waves, band-passed high, plus noise. A hi-hat decays once; a tambourine is shaken: two jingle hits.
fn metal(x: &mut [f64], sr: f64, rng: &mut Rng, hihat: bool) {
    let time = |t: usize| t as f64 / sr;
    // TR-808 style metal: six detuned square waves, band-passed high, plus noise.
    let freqs = [205.3, 304.4, 369.6, 522.7, 540.0, 800.0];
    let scale = if hihat { 1.7 } else { 2.4 };
    let mut bp = Biquad::bp(sr, 9000.0, 0.9);
    let mut hp = Biquad::hp(sr, 6000.0, 0.7);
    let mut nhp = Biquad::hp(sr, 7000.0, 0.7);
    for (t, v) in x.iter_mut().enumerate() {
        let s = time(t);
        let mut metal = 0.0;
        for &f in &freqs {
            let ph = (s * f * scale).fract();
            metal += if ph < 0.5 { 1.0 } else { -1.0 };
        }
        let m = hp.run(bp.run(metal / 6.0));
        let noise = nhp.run(rng.bipolar());
        let env = if hihat {
            (-s / 0.25).exp()
        } else {
            // A shake: two jingle hits.
            (-s / 0.06).exp()
                + if s > 0.03 {
                    0.7 * (-(s - 0.03) / 0.08).exp()
                } else {
                    0.0
                }
        };
        *v = env * (1.5 * m + 0.5 * noise);
    }
}

/// Many decaying inharmonic partials over high-passed noise; the ride has fewer, higher partials and a bell.
fn cymbal(x: &mut [f64], sr: f64, rng: &mut Rng, ride: bool) {
    let time = |t: usize| t as f64 / sr;
    let count = if ride { 30 } else { 60 };
    let partials: Vec<(f64, f64, f64)> = (0..count)
        .map(|_| {
            let f = if ride {
                2500.0 + 5000.0 * rng.uniform()
            } else {
                400.0 * (30.0f64).powf(rng.uniform())
            };
            let a = 0.3 + 0.7 * rng.uniform();
            let tau = if ride { 0.8 } else { 0.5 } * (0.5 + rng.uniform());
            (f.min(0.44 * sr), a, tau)
        })
        .collect();
    let mut hp = Biquad::hp(sr, if ride { 5000.0 } else { 3000.0 }, 0.7);
    let mut body = Biquad::bp(sr, 800.0, 0.7);
    let metal_amp = 0.6 / (count as f64).sqrt();
    for &(f, a, tau) in &partials {
        add_decaying_sine(x, sr, f, metal_amp * a, tau, 0.0);
    }
    if ride {
        for (f, a) in [(760.0, 0.5), (1910.0, 0.35), (2870.0, 0.25)] {
            add_decaying_sine(x, sr, f, 0.4 * a, 0.5, 0.0);
        }
    }
    for (t, v) in x.iter_mut().enumerate() {
        let s = time(t);
        let w = rng.bipolar();
        let noise = hp.run(w) * (-s / if ride { 0.7 } else { 0.55 }).exp();
        let thump = body.run(w) * (-s / 0.05).exp();
        let val = *v + (if ride { 0.35 } else { 0.9 }) * noise + 0.4 * thump;
        *v = val * (1.0 - (-s / 0.0015).exp());
    }
}

/// Two square waves through a band-pass.
fn cowbell(x: &mut [f64], sr: f64) {
    let time = |t: usize| t as f64 / sr;
    let mut bp = Biquad::bp(sr, 2000.0, 0.6);
    for (t, v) in x.iter_mut().enumerate() {
        let s = time(t);
        let sq = |f: f64| if (s * f).fract() < 0.5 { 1.0 } else { -1.0 };
        let env = if s < 0.004 {
            1.0
        } else {
            (-(s - 0.004) / 0.07).exp()
        };
        *v = env * bp.run(sq(562.0) + sq(845.0));
    }
}

/// A short swell of high-passed noise.
fn shaker(x: &mut [f64], sr: f64, rng: &mut Rng) {
    let time = |t: usize| t as f64 / sr;
    let mut hp = Biquad::hp(sr, 5000.0, 0.7);
    for (t, v) in x.iter_mut().enumerate() {
        let s = time(t);
        let env = (1.0 - (-s / 0.008).exp()) * (-s / 0.03).exp();
        *v = env * hp.run(rng.bipolar());
    }
}

/// Scrapes: band-passed noise bursts 45 times a second.
fn guiro(x: &mut [f64], sr: f64, rng: &mut Rng, secs: f64) {
    let time = |t: usize| t as f64 / sr;
    let mut bp = Biquad::bp(sr, 3000.0, 1.2);
    let period = 1.0 / 45.0;
    for (t, v) in x.iter_mut().enumerate() {
        let s = time(t);
        let dt = s % period;
        let env = (-dt / 0.003).exp() * (1.0 - 0.5 * s / secs);
        *v = env * bp.run(rng.bipolar()) * 2.0;
    }
}

/// A woodblock: a short sine with an inharmonic partial and a noise click.
fn wood(x: &mut [f64], sr: f64, rng: &mut Rng) {
    let time = |t: usize| t as f64 / sr;
    let f0 = midi_hz(f64::from(WOOD_KEY));
    let mut bp = Biquad::bp(sr, 2.5 * f0, 1.0);
    for (t, v) in x.iter_mut().enumerate() {
        let s = time(t);
        *v = (TAU * f0 * s).sin() * (-s / 0.02).exp()
            + 0.3 * (TAU * 2.71 * f0 * s).sin() * (-s / 0.006).exp()
            + 0.4 * bp.run(rng.bipolar()) * (-s / 0.002).exp();
    }
}

/// Six long inharmonic partials and a noise strike.
fn triangle(x: &mut [f64], sr: f64, rng: &mut Rng) {
    let time = |t: usize| t as f64 / sr;
    let partials = [
        (2930.0, 1.0, 0.9),
        (4410.0, 0.6, 0.7),
        (5870.0, 0.5, 0.6),
        (7330.0, 0.35, 0.5),
        (9870.0, 0.25, 0.4),
        (12210.0, 0.15, 0.3),
    ];
    let mut hp = Biquad::hp(sr, 4000.0, 0.7);
    for &(f, a, tau) in &partials {
        add_decaying_sine(x, sr, f, a, tau, 0.0);
    }
    for (t, v) in x.iter_mut().enumerate() {
        let s = time(t);
        *v += 0.5 * hp.run(rng.bipolar()) * (-s / 0.003).exp();
    }
}
