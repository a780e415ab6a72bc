//! The built-in General MIDI SoundFont: what users hear when no SoundFont is installed.
//!
//! Every sound is synthesised here from nothing (no third-party samples) and packed into SF2
//! bytes by a tiny writer at the bottom of this file. The output is deterministic: all noise
//! comes from seeded PRNGs and the samples are assembled in a fixed order, whichever thread
//! rendered them.
//!
//! * **Piano** (programs 0-7): additive synthesis of inharmonic string partials
//!   `f_n = n f1 sqrt((1 + B n^2) / (1 + B))` (so the fundamental is exactly the note frequency),
//!   two or three slightly detuned strings per note (beating), a two-stage (prompt/aftersound)
//!   decay per partial with higher partials decaying faster, a hammer-noise transient, and three
//!   velocity layers whose hammer hardness sets how many upper partials speak. One sample every
//!   four semitones, not looped: each note decays naturally and fades to silence, so the sustain
//!   pedal simply lets it ring. The volume envelope only does the damper (release).
//! * **Other melodic families**: short seamless loops (an exact integer number of periods: the
//!   sample rate is chosen so the period is a whole number of samples) after an unlooped attack
//!   (mallet strike, Karplus-Strong pluck, organ key click, breath/chiff noise); the SF2 volume
//!   envelope, vibrato LFO, filter envelope and detuned zone pairs do the rest.
//! * **Drum kit** (bank 128, program 0, the bank rustysynth uses for MIDI channel 10): keys 35-81
//!   from noise and sine synthesis; hi-hats share an exclusive class (closed cuts open).

use std::f64::consts::{LN_10, PI, TAU};

use crate::dsp::{Biquad, Rng};

/// The name the font reports (INAM).
pub const BUILTIN_NAME: &str = "rust-audio-engine built-in GM";

/// Generates the built-in General MIDI SoundFont (SF2 bytes). Deterministic: same bytes every call.
pub fn generate_sf2() -> Vec<u8> {
    let plan = Plan::build();
    let samples = render_all(&plan.specs);
    write_sf2(&plan, &samples)
}

// ---------------------------------------------------------------------------------------------
// SF2 generator operators (SoundFont 2.01 section 8.1.2).

mod op {
    pub const VIB_LFO_TO_PITCH: u16 = 6;
    pub const MOD_ENV_TO_PITCH: u16 = 7;
    pub const FILTER_FC: u16 = 8;
    pub const MOD_LFO_TO_FILTER_FC: u16 = 10;
    pub const MOD_ENV_TO_FILTER_FC: u16 = 11;
    pub const MOD_LFO_TO_VOLUME: u16 = 13;
    pub const CHORUS_SEND: u16 = 15;
    pub const REVERB_SEND: u16 = 16;
    pub const PAN: u16 = 17;
    pub const FREQ_MOD_LFO: u16 = 22;
    pub const DELAY_VIB_LFO: u16 = 23;
    pub const FREQ_VIB_LFO: u16 = 24;
    pub const ATTACK_MOD_ENV: u16 = 26;
    pub const DECAY_MOD_ENV: u16 = 28;
    pub const SUSTAIN_MOD_ENV: u16 = 29;
    pub const RELEASE_MOD_ENV: u16 = 30;
    pub const ATTACK_VOL_ENV: u16 = 34;
    pub const HOLD_VOL_ENV: u16 = 35;
    pub const DECAY_VOL_ENV: u16 = 36;
    pub const SUSTAIN_VOL_ENV: u16 = 37;
    pub const RELEASE_VOL_ENV: u16 = 38;
    pub const KEYNUM_TO_VOL_ENV_DECAY: u16 = 40;
    pub const INSTRUMENT: u16 = 41;
    pub const KEY_RANGE: u16 = 43;
    pub const VEL_RANGE: u16 = 44;
    pub const INITIAL_ATTENUATION: u16 = 48;
    pub const COARSE_TUNE: u16 = 51;
    pub const FINE_TUNE: u16 = 52;
    pub const SAMPLE_ID: u16 = 53;
    pub const SAMPLE_MODES: u16 = 54;
    pub const EXCLUSIVE_CLASS: u16 = 57;
    pub const OVERRIDING_ROOT_KEY: u16 = 58;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Gen {
    op: u16,
    amount: u16,
}

/// A generator with a signed value (clamped to i16).
fn gv(op: u16, value: i32) -> Gen {
    let v = value.clamp(i32::from(i16::MIN), i32::from(i16::MAX));
    Gen {
        op,
        amount: (v as i16) as u16,
    }
}

/// A range generator (keyRange, velRange).
fn gr(op: u16, lo: u8, hi: u8) -> Gen {
    Gen {
        op,
        amount: u16::from(lo) | (u16::from(hi) << 8),
    }
}

/// Seconds to timecents.
fn tc(seconds: f64) -> i32 {
    (1200.0 * seconds.max(1e-4).log2())
        .round()
        .clamp(-12000.0, 8000.0) as i32
}

/// Hertz to absolute cents (filter cutoff, LFO frequency).
fn abs_cents(hz: f64) -> i32 {
    (1200.0 * (hz / 8.176).log2()).round() as i32
}

/// Decibels to an initialAttenuation value. Like FluidSynth and the EMU hardware, rustysynth
/// applies 40% of the nominal centibels, so 1 dB of real attenuation needs 25 units.
fn atten(db: f64) -> i32 {
    (db * 25.0).round() as i32
}

/// A vibrato LFO: delay (s), rate (Hz), depth (cents).
fn vibrato(delay: f64, rate: f64, cents: i32) -> [Gen; 3] {
    [
        gv(op::DELAY_VIB_LFO, tc(delay)),
        gv(op::FREQ_VIB_LFO, abs_cents(rate)),
        gv(op::VIB_LFO_TO_PITCH, cents),
    ]
}

// ---------------------------------------------------------------------------------------------
// Small DSP helpers.

fn midi_hz(key: f64) -> f64 {
    440.0 * ((key - 69.0) / 12.0).exp2()
}

/// Piecewise-linear interpolation through `(x, y)` points, clamped at the ends.
fn interp(x: f64, pts: &[(f64, f64)]) -> f64 {
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
fn lp_mag(f: f64, fc: f64, order: i32) -> f64 {
    1.0 / (1.0 + (f / fc).powi(2 * order)).sqrt()
}

/// Adds `amp * e^{-t/tau} * sin(2 pi f t + phase)` to `buf` (sample rate `sr`), by a damped
/// complex rotation instead of a sine per sample.
fn add_decaying_sine(buf: &mut [f64], sr: f64, f: f64, amp: f64, tau: f64, phase: f64) {
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

fn peak(x: &[f64]) -> f64 {
    x.iter().fold(0.0, |m, v| m.max(v.abs()))
}

fn rms(x: &[f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt()
}

/// Raised-cosine taper from 1 (at `t = 0`) to 0 (at `t >= len`).
fn taper(t: usize, len: usize) -> f64 {
    if t >= len || len == 0 {
        0.0
    } else {
        let x = t as f64 / len as f64;
        0.5 * (1.0 + (PI * x).cos())
    }
}

/// For a looped tone: a whole number of samples per period near `target_rate / f`, and the
/// integer sample rate that makes that period exactly `f` (error below 0.05 cent).
fn period_and_rate(f: f64, target_rate: f64) -> (usize, u32) {
    let p = (target_rate / f).round().max(4.0);
    let rate = (f * p).round().clamp(4000.0, 96000.0);
    (p as usize, rate as u32)
}

/// The smallest multiple of `period` that is at least `n`.
fn whole_periods(n: usize, period: usize) -> usize {
    let p = period.max(1);
    n.div_ceil(p).max(1) * p
}

// ---------------------------------------------------------------------------------------------
// Samples and their recipes.

/// One rendered sample, ready for the `smpl` chunk.
struct Sample {
    name: String,
    pcm: Vec<i16>,
    rate: u32,
    root: u8,
    /// Loop start and end (end exclusive), relative to the sample start.
    loop_points: Option<(usize, usize)>,
}

/// Scales by `gain` (reduced if needed so the peak stays at -0.3 dBFS) and quantises.
fn finish(
    name: String,
    data: &[f64],
    gain: f64,
    rate: u32,
    root: u8,
    loop_points: Option<(usize, usize)>,
) -> Sample {
    let p = peak(data) * gain;
    let g = if p > 0.97 { gain * 0.97 / p } else { gain };
    let pcm = data
        .iter()
        .map(|v| (v * g * 32767.0).round().clamp(-32767.0, 32767.0) as i16)
        .collect();
    Sample {
        name,
        pcm,
        rate,
        root,
        loop_points,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tone {
    Organ,
    Strings,
    Brass,
    Reed,
    Pipe,
    Lead,
    Pad,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Drum {
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spec {
    Piano { root: u8, layer: usize },
    Mallet { root: u8 },
    Pluck { root: u8, bass: bool },
    Tone { root: u8, kind: Tone },
    Noise,
    Drum(Drum),
}

impl Spec {
    /// Rough rendering cost, to balance the two worker threads.
    fn cost(&self) -> f64 {
        match *self {
            Spec::Piano { root, layer } => {
                let key = f64::from(root);
                piano_duration(key) * f64::from(piano_rate(root, layer)) * (2.0 + layer as f64)
            }
            Spec::Pluck { .. } => 30_000.0,
            Spec::Drum(_) => 60_000.0,
            Spec::Noise => 40_000.0,
            Spec::Mallet { .. } | Spec::Tone { .. } => 20_000.0,
        }
    }

    fn render(&self) -> Sample {
        match *self {
            Spec::Piano { root, layer } => render_piano(root, layer),
            Spec::Mallet { root } => render_mallet(root),
            Spec::Pluck { root, bass } => render_pluck(root, bass),
            Spec::Tone { root, kind } => render_tone(root, kind),
            Spec::Noise => render_noise(),
            Spec::Drum(d) => render_drum(d),
        }
    }
}

/// Renders every sample on two threads (longest jobs first, greedy balance). The result is in
/// `specs` order, so the bytes do not depend on scheduling.
fn render_all(specs: &[Spec]) -> Vec<Sample> {
    let mut order: Vec<usize> = (0..specs.len()).collect();
    order.sort_by(|&a, &b| specs[b].cost().total_cmp(&specs[a].cost()).then(a.cmp(&b)));
    let mut assign = vec![0usize; specs.len()];
    let mut load = [0.0f64; 2];
    for i in order {
        let t = usize::from(load[1] < load[0]);
        assign[i] = t;
        load[t] += specs[i].cost();
    }

    let mut results: Vec<Option<Sample>> = specs.iter().map(|_| None).collect();
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("builtin-sf2".into())
            .spawn_scoped(scope, || {
                specs
                    .iter()
                    .zip(&assign)
                    .enumerate()
                    .filter(|(_, (_, &t))| t == 1)
                    .map(|(i, (s, _))| (i, s.render()))
                    .collect::<Vec<_>>()
            });
        for ((slot, spec), &t) in results.iter_mut().zip(specs).zip(&assign) {
            if t == 0 {
                *slot = Some(spec.render());
            }
        }
        if let Ok(handle) = worker {
            if let Ok(done) = handle.join() {
                for (i, s) in done {
                    if let Some(slot) = results.get_mut(i) {
                        *slot = Some(s);
                    }
                }
            }
        }
    });
    // Anything the worker did not deliver (it could not start) is rendered here.
    results
        .into_iter()
        .zip(specs)
        .map(|(r, s)| r.unwrap_or_else(|| s.render()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Piano.

const PIANO_FIRST_ROOT: u8 = 22;
const PIANO_STEP: u8 = 4;
const PIANO_ROOTS: usize = 22; // 22, 26, ..., 106
/// Velocity layers: soft, medium, loud.
const PIANO_VEL: [(u8, u8); 3] = [(0, 56), (57, 96), (97, 127)];
/// RMS of the loud layer's tone at the start, before the hammer noise.
const PIANO_RMS: f64 = 0.2;
/// Level of each velocity layer relative to the loud one. Within a layer rustysynth scales by
/// velocity squared; these small steps keep the layer boundaries smooth.
const PIANO_LAYER_LEVEL: [f64; 3] = [0.8, 0.9, 1.0];
/// Aftersound share of each partial's amplitude (about -16 dB).
const PIANO_AFTERSOUND: f64 = 0.15;
/// How much slower the aftersound decays than the prompt sound.
const PIANO_AFTERSOUND_SLOWER: f64 = 3.5;

fn piano_roots() -> impl Iterator<Item = u8> {
    (0..PIANO_ROOTS as u8).map(|i| PIANO_FIRST_ROOT + i * PIANO_STEP)
}

/// Sample rate per root and layer: soft bass notes have nothing above a few kHz.
fn piano_rate(root: u8, layer: usize) -> u32 {
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
fn piano_duration(key: f64) -> f64 {
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
fn piano_release(root: u8) -> f64 {
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

fn render_piano(root: u8, layer: usize) -> Sample {
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

// ---------------------------------------------------------------------------------------------
// Looped melodic instruments.

/// Roots of the looped tone families: one every 6 semitones.
fn tone_roots() -> impl Iterator<Item = u8> {
    (0..15u8).map(|i| 24 + 6 * i)
}

fn mallet_roots() -> impl Iterator<Item = u8> {
    (0..13u8).map(|i| 36 + 6 * i)
}

fn pluck_roots(bass: bool) -> impl Iterator<Item = u8> {
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

fn render_tone(root: u8, kind: Tone) -> Sample {
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
fn render_mallet(root: u8) -> Sample {
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
fn render_pluck(root: u8, bass: bool) -> Sample {
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
fn render_noise() -> Sample {
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

// ---------------------------------------------------------------------------------------------
// Drums.

const DRUM_RATE: u32 = 32000;

/// Natural pitch (MIDI key) of pitched drum samples.
const TOM_KEY: u8 = 45;
const WOOD_KEY: u8 = 83;

fn render_drum(d: Drum) -> Sample {
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
    let time = |t: usize| t as f64 / sr;
    match d {
        Drum::Kick => {
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
        Drum::Snare => {
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
        Drum::SideStick => {
            let mut bp = Biquad::bp(sr, 2200.0, 1.5);
            for (t, v) in x.iter_mut().enumerate() {
                let s = time(t);
                *v = 0.8 * bp.run(rng.bipolar()) * (-s / 0.005).exp()
                    + 0.5 * (TAU * 1700.0 * s).sin() * (-s / 0.015).exp()
                    + 0.35 * (TAU * 520.0 * s).sin() * (-s / 0.025).exp();
            }
        }
        Drum::Clap => {
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
        Drum::Tom => {
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
        Drum::HiHat | Drum::Tambourine => {
            // TR-808 style metal: six detuned square waves, band-passed high, plus noise.
            let freqs = [205.3, 304.4, 369.6, 522.7, 540.0, 800.0];
            let scale = if d == Drum::HiHat { 1.7 } else { 2.4 };
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
                let env = if d == Drum::HiHat {
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
        Drum::Crash | Drum::Ride => {
            let ride = d == Drum::Ride;
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
                add_decaying_sine(&mut x, sr, f, metal_amp * a, tau, 0.0);
            }
            if ride {
                for (f, a) in [(760.0, 0.5), (1910.0, 0.35), (2870.0, 0.25)] {
                    add_decaying_sine(&mut x, sr, f, 0.4 * a, 0.5, 0.0);
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
        Drum::Cowbell => {
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
        Drum::Shaker => {
            let mut hp = Biquad::hp(sr, 5000.0, 0.7);
            for (t, v) in x.iter_mut().enumerate() {
                let s = time(t);
                let env = (1.0 - (-s / 0.008).exp()) * (-s / 0.03).exp();
                *v = env * hp.run(rng.bipolar());
            }
        }
        Drum::Guiro => {
            let mut bp = Biquad::bp(sr, 3000.0, 1.2);
            let period = 1.0 / 45.0;
            for (t, v) in x.iter_mut().enumerate() {
                let s = time(t);
                let dt = s % period;
                let env = (-dt / 0.003).exp() * (1.0 - 0.5 * s / secs);
                *v = env * bp.run(rng.bipolar()) * 2.0;
            }
        }
        Drum::Wood => {
            let f0 = midi_hz(f64::from(WOOD_KEY));
            let mut bp = Biquad::bp(sr, 2.5 * f0, 1.0);
            for (t, v) in x.iter_mut().enumerate() {
                let s = time(t);
                *v = (TAU * f0 * s).sin() * (-s / 0.02).exp()
                    + 0.3 * (TAU * 2.71 * f0 * s).sin() * (-s / 0.006).exp()
                    + 0.4 * bp.run(rng.bipolar()) * (-s / 0.002).exp();
            }
        }
        Drum::Triangle => {
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
                add_decaying_sine(&mut x, sr, f, a, tau, 0.0);
            }
            for (t, v) in x.iter_mut().enumerate() {
                let s = time(t);
                *v += 0.5 * hp.run(rng.bipolar()) * (-s / 0.003).exp();
            }
        }
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

// ---------------------------------------------------------------------------------------------
// Font layout: instruments, presets.

struct Instrument {
    name: String,
    global: Vec<Gen>,
    zones: Vec<Vec<Gen>>,
}

struct Preset {
    name: String,
    bank: u16,
    program: u16,
    zones: Vec<Vec<Gen>>,
}

struct Plan {
    specs: Vec<Spec>,
    instruments: Vec<Instrument>,
    presets: Vec<Preset>,
}

/// Key ranges for samples rooted at `roots` (sorted): each covers the keys nearest to it,
/// biased so pitch shifts stay small; the ends extend to 0 and 127.
fn key_ranges(roots: &[u8], below: u8) -> Vec<(u8, u8)> {
    let mut out = Vec::with_capacity(roots.len());
    for (i, &r) in roots.iter().enumerate() {
        let lo = if i == 0 { 0 } else { r.saturating_sub(below) };
        let hi = match roots.get(i + 1) {
            Some(&next) => next.saturating_sub(below + 1),
            None => 127,
        };
        out.push((lo, hi));
    }
    out
}

fn sample_id(id: usize) -> Gen {
    gv(op::SAMPLE_ID, i32::try_from(id).unwrap_or(0))
}

/// A multi-sampled instrument over `ids` (one sample per root), with optional detuned pairs.
fn tone_instrument(
    name: &str,
    roots: &[u8],
    ids: &[usize],
    global: Vec<Gen>,
    pair: Option<(i32, i32)>,
) -> Instrument {
    let mut zones = Vec::new();
    for (&(lo, hi), &id) in key_ranges(roots, 3).iter().zip(ids) {
        match pair {
            Some((cents, pan)) => {
                for sign in [-1, 1] {
                    zones.push(vec![
                        gr(op::KEY_RANGE, lo, hi),
                        gv(op::FINE_TUNE, sign * cents),
                        gv(op::PAN, sign * pan),
                        sample_id(id),
                    ]);
                }
            }
            None => zones.push(vec![gr(op::KEY_RANGE, lo, hi), sample_id(id)]),
        }
    }
    Instrument {
        name: name.into(),
        global,
        zones,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(usize)]
enum Inst {
    Piano,
    PianoBright,
    Mallet,
    Organ,
    Guitar,
    Bass,
    Strings,
    Ensemble,
    Brass,
    Reed,
    Pipe,
    Lead,
    Pad,
    Fx,
    Ethnic,
    Percussive,
    Noise,
    Drums,
}

const GM_NAMES: [&str; 128] = [
    "Acoustic Grand Piano",
    "Bright Piano",
    "Electric Grand Piano",
    "Honky-tonk Piano",
    "Electric Piano 1",
    "Electric Piano 2",
    "Harpsichord",
    "Clavinet",
    "Celesta",
    "Glockenspiel",
    "Music Box",
    "Vibraphone",
    "Marimba",
    "Xylophone",
    "Tubular Bells",
    "Dulcimer",
    "Drawbar Organ",
    "Percussive Organ",
    "Rock Organ",
    "Church Organ",
    "Reed Organ",
    "Accordion",
    "Harmonica",
    "Tango Accordion",
    "Nylon Guitar",
    "Steel Guitar",
    "Jazz Guitar",
    "Clean Guitar",
    "Muted Guitar",
    "Overdriven Guitar",
    "Distortion Guitar",
    "Guitar Harmonics",
    "Acoustic Bass",
    "Finger Bass",
    "Pick Bass",
    "Fretless Bass",
    "Slap Bass 1",
    "Slap Bass 2",
    "Synth Bass 1",
    "Synth Bass 2",
    "Violin",
    "Viola",
    "Cello",
    "Contrabass",
    "Tremolo Strings",
    "Pizzicato Strings",
    "Orchestral Harp",
    "Timpani",
    "String Ensemble 1",
    "String Ensemble 2",
    "Synth Strings 1",
    "Synth Strings 2",
    "Choir Aahs",
    "Voice Oohs",
    "Synth Voice",
    "Orchestra Hit",
    "Trumpet",
    "Trombone",
    "Tuba",
    "Muted Trumpet",
    "French Horn",
    "Brass Section",
    "Synth Brass 1",
    "Synth Brass 2",
    "Soprano Sax",
    "Alto Sax",
    "Tenor Sax",
    "Baritone Sax",
    "Oboe",
    "English Horn",
    "Bassoon",
    "Clarinet",
    "Piccolo",
    "Flute",
    "Recorder",
    "Pan Flute",
    "Blown Bottle",
    "Shakuhachi",
    "Whistle",
    "Ocarina",
    "Lead 1 (square)",
    "Lead 2 (sawtooth)",
    "Lead 3 (calliope)",
    "Lead 4 (chiff)",
    "Lead 5 (charang)",
    "Lead 6 (voice)",
    "Lead 7 (fifths)",
    "Lead 8 (bass+lead)",
    "Pad 1 (new age)",
    "Pad 2 (warm)",
    "Pad 3 (polysynth)",
    "Pad 4 (choir)",
    "Pad 5 (bowed)",
    "Pad 6 (metallic)",
    "Pad 7 (halo)",
    "Pad 8 (sweep)",
    "FX 1 (rain)",
    "FX 2 (soundtrack)",
    "FX 3 (crystal)",
    "FX 4 (atmosphere)",
    "FX 5 (brightness)",
    "FX 6 (goblins)",
    "FX 7 (echoes)",
    "FX 8 (sci-fi)",
    "Sitar",
    "Banjo",
    "Shamisen",
    "Koto",
    "Kalimba",
    "Bag pipe",
    "Fiddle",
    "Shanai",
    "Tinkle Bell",
    "Agogo",
    "Steel Drums",
    "Woodblock",
    "Taiko Drum",
    "Melodic Tom",
    "Synth Drum",
    "Reverse Cymbal",
    "Guitar Fret Noise",
    "Breath Noise",
    "Seashore",
    "Bird Tweet",
    "Telephone Ring",
    "Helicopter",
    "Applause",
    "Gunshot",
];

/// The instrument a GM program plays, and preset-level generators that make it a variant
/// (preset generators add to the instrument's).
fn program_voice(program: u8) -> (Inst, Vec<Gen>) {
    use op::*;
    let g = gv;
    match program {
        0 => (Inst::Piano, vec![]),
        1 => (Inst::PianoBright, vec![]),
        2 => (Inst::PianoBright, vec![g(CHORUS_SEND, 300)]),
        3 => (Inst::Piano, vec![]), // honky-tonk: two detuned zones, see `Plan::build`
        4 => (Inst::Piano, vec![g(FILTER_FC, -4200), g(CHORUS_SEND, 500)]),
        5 => (
            Inst::PianoBright,
            vec![g(FILTER_FC, -3000), g(CHORUS_SEND, 600)],
        ),
        6 => (Inst::PianoBright, vec![g(RELEASE_VOL_ENV, -600)]),
        7 => (
            Inst::PianoBright,
            vec![g(FILTER_FC, -1800), g(RELEASE_VOL_ENV, -1200)],
        ),
        12 | 13 => (Inst::Mallet, vec![g(DECAY_VOL_ENV, -1800)]),
        14 => (
            Inst::Mallet,
            vec![g(DECAY_VOL_ENV, 600), g(COARSE_TUNE, -12)],
        ),
        15 => (Inst::Mallet, vec![g(DECAY_VOL_ENV, -1200)]),
        8..=11 => (Inst::Mallet, vec![]),
        19 => (Inst::Organ, vec![g(REVERB_SEND, 400)]),
        22 => (Inst::Organ, vec![g(FILTER_FC, -3600)]),
        16..=23 => (Inst::Organ, vec![]),
        24 => (Inst::Guitar, vec![g(FILTER_FC, -2400)]),
        26 => (Inst::Guitar, vec![g(FILTER_FC, -3000)]),
        28 => (
            Inst::Guitar,
            vec![g(DECAY_VOL_ENV, -3000), g(HOLD_VOL_ENV, -2400)],
        ),
        31 => (Inst::Guitar, vec![g(COARSE_TUNE, 12)]),
        25..=31 => (Inst::Guitar, vec![]),
        35 => (Inst::Bass, vec![g(FILTER_FC, -2400)]),
        32..=39 => (Inst::Bass, vec![]),
        44 => (
            Inst::Strings,
            vec![
                g(MOD_LFO_TO_VOLUME, 60),
                g(FREQ_MOD_LFO, abs_cents(7.0)),
                g(INITIAL_ATTENUATION, atten(6.0)),
            ],
        ),
        45 | 46 => (
            Inst::Strings,
            vec![
                g(ATTACK_VOL_ENV, -3000),
                g(DECAY_VOL_ENV, 11000),
                g(SUSTAIN_VOL_ENV, 1000),
                g(RELEASE_VOL_ENV, 1000),
            ],
        ),
        47 => (
            Inst::Strings,
            vec![
                g(ATTACK_VOL_ENV, -4000),
                g(DECAY_VOL_ENV, 12000),
                g(SUSTAIN_VOL_ENV, 1000),
                g(FILTER_FC, -4000),
            ],
        ),
        40..=43 => (Inst::Strings, vec![]),
        55 => (
            Inst::Ensemble,
            vec![
                g(ATTACK_VOL_ENV, -6000),
                g(DECAY_VOL_ENV, 10000),
                g(SUSTAIN_VOL_ENV, 1000),
            ],
        ),
        52..=54 => (Inst::Ensemble, vec![g(FILTER_FC, -2000)]),
        48..=51 => (Inst::Ensemble, vec![]),
        59 => (Inst::Brass, vec![g(FILTER_FC, -1200)]),
        56..=63 => (Inst::Brass, vec![]),
        64..=71 => (Inst::Reed, vec![]),
        72..=79 => (Inst::Pipe, vec![]),
        80..=87 => (Inst::Lead, vec![]),
        88..=95 => (Inst::Pad, vec![]),
        96..=103 => (Inst::Fx, vec![]),
        108 => (Inst::Mallet, vec![g(DECAY_VOL_ENV, -1800)]),
        109 | 111 => (Inst::Reed, vec![]),
        110 => (Inst::Strings, vec![]),
        104..=107 => (Inst::Ethnic, vec![]),
        116..=118 => (Inst::Percussive, vec![g(COARSE_TUNE, -12)]),
        112..=119 => (Inst::Percussive, vec![]),
        121 => (Inst::Noise, vec![g(FILTER_FC, -2400)]),
        122 => (
            Inst::Noise,
            vec![
                g(MOD_LFO_TO_VOLUME, 120),
                g(FREQ_MOD_LFO, abs_cents(0.15)),
                g(INITIAL_ATTENUATION, atten(9.0)),
            ],
        ),
        123 => (
            Inst::Pipe,
            vec![
                g(COARSE_TUNE, 24),
                g(FREQ_VIB_LFO, abs_cents(12.0) - abs_cents(5.0)),
                g(VIB_LFO_TO_PITCH, 150),
                g(DELAY_VIB_LFO, -4000),
            ],
        ),
        124 => (
            Inst::Lead,
            vec![
                g(COARSE_TUNE, 24),
                g(MOD_LFO_TO_VOLUME, 120),
                g(FREQ_MOD_LFO, abs_cents(16.0)),
                g(INITIAL_ATTENUATION, atten(9.0)),
            ],
        ),
        125 => (
            Inst::Noise,
            vec![
                g(MOD_LFO_TO_VOLUME, 120),
                g(FREQ_MOD_LFO, abs_cents(12.0)),
                g(INITIAL_ATTENUATION, atten(9.0)),
                g(COARSE_TUNE, -24),
            ],
        ),
        127 => (
            Inst::Noise,
            vec![
                g(DECAY_VOL_ENV, 9000),
                g(SUSTAIN_VOL_ENV, 1000),
                g(COARSE_TUNE, -12),
            ],
        ),
        _ => (Inst::Noise, vec![]),
    }
}

/// One drum key: sample, tuning (cents relative to the sample's natural pitch), attenuation
/// (dB), a decay (s) for keys cut short by the envelope, exclusive class, pan (-500..500).
struct DrumKey {
    key: u8,
    sample: DrumSource,
    cents: i32,
    db: f64,
    decay: Option<f64>,
    class: i32,
    pan: i32,
    pitch_env: i32,
}

#[derive(Clone, Copy)]
enum DrumSource {
    Drum(Drum),
    /// The looped pipe sample with this root (whistles).
    Pipe(u8),
}

fn drum_keys() -> Vec<DrumKey> {
    use Drum::*;
    use DrumSource::Drum as D;
    let k = |key: u8, sample: DrumSource, cents: i32, db: f64| DrumKey {
        key,
        sample,
        cents,
        db,
        decay: None,
        class: 0,
        pan: 0,
        pitch_env: 0,
    };
    let mut v = vec![
        k(35, D(Kick), -200, 2.0),
        k(36, D(Kick), 0, 2.0),
        k(37, D(SideStick), 0, 4.0),
        k(38, D(Snare), 0, 1.0),
        k(39, D(Clap), 0, 2.0),
        k(40, D(Snare), 300, 1.0),
        k(41, D(Tom), -500, 2.5),
        k(42, D(HiHat), 0, 3.0),
        k(43, D(Tom), -200, 2.5),
        k(44, D(HiHat), -100, 4.0),
        k(45, D(Tom), 100, 2.5),
        k(46, D(HiHat), 0, 6.0),
        k(47, D(Tom), 400, 2.5),
        k(48, D(Tom), 600, 2.5),
        k(49, D(Crash), 0, 4.0),
        k(50, D(Tom), 900, 2.5),
        k(51, D(Ride), 0, 5.0),
        k(52, D(Crash), -300, 5.0),
        k(53, D(Ride), 500, 4.0),
        k(54, D(Tambourine), 0, 6.0),
        k(55, D(Crash), 500, 5.0),
        k(56, D(Cowbell), 0, 5.0),
        k(57, D(Crash), 200, 4.0),
        k(58, D(Guiro), -500, 5.0),
        k(59, D(Ride), -100, 5.0),
        k(60, D(Tom), 2200, 3.0),
        k(61, D(Tom), 1700, 3.0),
        k(62, D(Tom), 1400, 3.0),
        k(63, D(Tom), 1400, 3.0),
        k(64, D(Tom), 900, 3.0),
        k(65, D(Tom), 1600, 3.0),
        k(66, D(Tom), 1200, 3.0),
        k(67, D(Cowbell), 700, 6.0),
        k(68, D(Cowbell), 200, 6.0),
        k(69, D(Shaker), 0, 6.0),
        k(70, D(Shaker), 500, 6.0),
        k(71, DrumSource::Pipe(96), 300, 6.0),
        k(72, DrumSource::Pipe(96), 300, 6.0),
        k(73, D(Guiro), 0, 2.0),
        k(74, D(Guiro), 0, 5.0),
        k(75, D(Wood), 1600, 5.0),
        k(76, D(Wood), 500, 5.0),
        k(77, D(Wood), 0, 5.0),
        k(78, D(Tom), 2400, 4.0),
        k(79, D(Tom), 2000, 4.0),
        k(80, D(Triangle), 0, 8.0),
        k(81, D(Triangle), 0, 8.0),
    ];
    for d in v.iter_mut() {
        match d.key {
            42 => {
                d.decay = Some(0.25);
                d.class = 1;
            }
            44 => {
                d.decay = Some(0.4);
                d.class = 1;
            }
            46 => d.class = 1,
            55 => d.decay = Some(1.2),
            62 => d.decay = Some(0.15),
            71 => {
                d.decay = Some(0.2);
                d.class = 2;
            }
            72 => {
                d.decay = Some(0.7);
                d.class = 2;
            }
            73 => {
                d.decay = Some(0.2);
                d.class = 3;
            }
            74 => d.class = 3,
            78 => {
                d.decay = Some(0.2);
                d.class = 4;
                d.pitch_env = 500;
            }
            79 => {
                d.class = 4;
                d.pitch_env = -500;
            }
            80 => {
                d.decay = Some(0.2);
                d.class = 5;
            }
            81 => d.class = 5,
            _ => {}
        }
        d.pan = match d.key {
            42 | 44 | 46 => -250,
            51 | 53 | 59 => 250,
            41 | 43 => 200,
            48 | 50 => -200,
            60..=70 => 300,
            73..=81 => -300,
            _ => 0,
        };
    }
    v
}

impl Plan {
    fn build() -> Plan {
        let mut specs: Vec<Spec> = Vec::new();
        let mut add = |s: Spec| {
            specs.push(s);
            specs.len() - 1
        };

        // Samples.
        let piano_roots: Vec<u8> = piano_roots().collect();
        let piano_ids: Vec<[usize; 3]> = piano_roots
            .iter()
            .map(|&root| [0, 1, 2].map(|layer| add(Spec::Piano { root, layer })))
            .collect();
        let mallet_roots: Vec<u8> = mallet_roots().collect();
        let mallet_ids: Vec<usize> = mallet_roots
            .iter()
            .map(|&root| add(Spec::Mallet { root }))
            .collect();
        let guitar_roots: Vec<u8> = pluck_roots(false).collect();
        let guitar_ids: Vec<usize> = guitar_roots
            .iter()
            .map(|&root| add(Spec::Pluck { root, bass: false }))
            .collect();
        let bass_roots: Vec<u8> = pluck_roots(true).collect();
        let bass_ids: Vec<usize> = bass_roots
            .iter()
            .map(|&root| add(Spec::Pluck { root, bass: true }))
            .collect();
        let tone_roots: Vec<u8> = tone_roots().collect();
        let mut tone_ids = |kind: Tone| -> Vec<usize> {
            tone_roots
                .iter()
                .map(|&root| add(Spec::Tone { root, kind }))
                .collect()
        };
        let organ_ids = tone_ids(Tone::Organ);
        let strings_ids = tone_ids(Tone::Strings);
        let brass_ids = tone_ids(Tone::Brass);
        let reed_ids = tone_ids(Tone::Reed);
        let pipe_ids = tone_ids(Tone::Pipe);
        let lead_ids = tone_ids(Tone::Lead);
        let pad_ids = tone_ids(Tone::Pad);
        let noise_id = add(Spec::Noise);
        let drum_list = [
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
        let drum_ids: Vec<(Drum, usize)> =
            drum_list.iter().map(|&d| (d, add(Spec::Drum(d)))).collect();

        // Instruments, in `Inst` order.
        let mut instruments = Vec::new();
        for (name, map) in [("Piano", [0, 1, 2]), ("Piano Bright", [1, 2, 2])] {
            let mut zones = Vec::new();
            for ((&(lo, hi), ids), &root) in key_ranges(&piano_roots, 2)
                .iter()
                .zip(&piano_ids)
                .zip(&piano_roots)
            {
                for (v, &(vlo, vhi)) in PIANO_VEL.iter().enumerate() {
                    zones.push(vec![
                        gr(op::KEY_RANGE, lo, hi),
                        gr(op::VEL_RANGE, vlo, vhi),
                        gv(op::RELEASE_VOL_ENV, tc(piano_release(root))),
                        sample_id(ids[map[v]]),
                    ]);
                }
            }
            instruments.push(Instrument {
                name: name.into(),
                global: vec![],
                zones,
            });
        }
        let looped = gv(op::SAMPLE_MODES, 1);
        instruments.push(tone_instrument(
            "Mallet",
            &mallet_roots,
            &mallet_ids,
            vec![
                looped,
                gv(op::DECAY_VOL_ENV, tc(4.0)),
                gv(op::SUSTAIN_VOL_ENV, 1000),
                gv(op::KEYNUM_TO_VOL_ENV_DECAY, 30),
                gv(op::RELEASE_VOL_ENV, tc(0.9)),
                gv(op::INITIAL_ATTENUATION, atten(2.0)),
            ],
            None,
        ));
        let mut organ = vec![
            looped,
            gv(op::ATTACK_VOL_ENV, tc(0.006)),
            gv(op::RELEASE_VOL_ENV, tc(0.08)),
            gv(op::CHORUS_SEND, 200),
            gv(op::INITIAL_ATTENUATION, atten(3.0)),
        ];
        organ.extend(vibrato(0.0, 6.2, 4));
        instruments.push(tone_instrument(
            "Organ",
            &tone_roots,
            &organ_ids,
            organ,
            None,
        ));
        let pluck = |hold: f64, decay: f64, release: f64, db: f64| {
            vec![
                looped,
                gv(op::HOLD_VOL_ENV, tc(hold)),
                gv(op::DECAY_VOL_ENV, tc(decay)),
                gv(op::SUSTAIN_VOL_ENV, 1000),
                gv(op::KEYNUM_TO_VOL_ENV_DECAY, 20),
                gv(op::RELEASE_VOL_ENV, tc(release)),
                gv(op::INITIAL_ATTENUATION, atten(db)),
            ]
        };
        instruments.push(tone_instrument(
            "Guitar",
            &guitar_roots,
            &guitar_ids,
            pluck(0.4, 5.0, 0.3, 2.0),
            None,
        ));
        instruments.push(tone_instrument(
            "Bass",
            &bass_roots,
            &bass_ids,
            pluck(0.5, 6.0, 0.2, 3.0),
            None,
        ));
        let mut strings = vec![
            looped,
            gv(op::ATTACK_VOL_ENV, tc(0.12)),
            gv(op::RELEASE_VOL_ENV, tc(0.35)),
            gv(op::CHORUS_SEND, 250),
            gv(op::INITIAL_ATTENUATION, atten(5.0)),
        ];
        strings.extend(vibrato(0.25, 5.3, 12));
        instruments.push(tone_instrument(
            "Strings",
            &tone_roots,
            &strings_ids,
            strings,
            Some((6, 250)),
        ));
        let mut ensemble = vec![
            looped,
            gv(op::ATTACK_VOL_ENV, tc(0.3)),
            gv(op::RELEASE_VOL_ENV, tc(0.5)),
            gv(op::CHORUS_SEND, 400),
            gv(op::INITIAL_ATTENUATION, atten(5.0)),
        ];
        ensemble.extend(vibrato(0.3, 5.0, 10));
        instruments.push(tone_instrument(
            "Ensemble",
            &tone_roots,
            &strings_ids,
            ensemble,
            Some((9, 350)),
        ));
        let mut brass = vec![
            looped,
            gv(op::ATTACK_VOL_ENV, tc(0.03)),
            gv(op::RELEASE_VOL_ENV, tc(0.15)),
            gv(op::FILTER_FC, abs_cents(1400.0)),
            gv(op::MOD_ENV_TO_FILTER_FC, 3000),
            gv(op::ATTACK_MOD_ENV, tc(0.05)),
            gv(op::DECAY_MOD_ENV, tc(0.6)),
            gv(op::SUSTAIN_MOD_ENV, 400),
            gv(op::RELEASE_MOD_ENV, tc(0.15)),
            gv(op::INITIAL_ATTENUATION, atten(3.0)),
        ];
        brass.extend(vibrato(0.4, 5.0, 10));
        instruments.push(tone_instrument(
            "Brass",
            &tone_roots,
            &brass_ids,
            brass,
            None,
        ));
        let mut reed = vec![
            looped,
            gv(op::ATTACK_VOL_ENV, tc(0.025)),
            gv(op::RELEASE_VOL_ENV, tc(0.1)),
            gv(op::INITIAL_ATTENUATION, atten(3.0)),
        ];
        reed.extend(vibrato(0.35, 5.0, 10));
        instruments.push(tone_instrument("Reed", &tone_roots, &reed_ids, reed, None));
        let mut pipe = vec![
            looped,
            gv(op::ATTACK_VOL_ENV, tc(0.05)),
            gv(op::RELEASE_VOL_ENV, tc(0.12)),
            gv(op::INITIAL_ATTENUATION, atten(3.0)),
        ];
        pipe.extend(vibrato(0.3, 5.0, 8));
        instruments.push(tone_instrument("Pipe", &tone_roots, &pipe_ids, pipe, None));
        let mut lead = vec![
            looped,
            gv(op::ATTACK_VOL_ENV, tc(0.004)),
            gv(op::RELEASE_VOL_ENV, tc(0.12)),
            gv(op::INITIAL_ATTENUATION, atten(7.0)),
        ];
        lead.extend(vibrato(0.5, 5.5, 12));
        instruments.push(tone_instrument(
            "Lead",
            &tone_roots,
            &lead_ids,
            lead,
            Some((7, 200)),
        ));
        instruments.push(tone_instrument(
            "Pad",
            &tone_roots,
            &pad_ids,
            vec![
                looped,
                gv(op::ATTACK_VOL_ENV, tc(0.5)),
                gv(op::RELEASE_VOL_ENV, tc(1.2)),
                gv(op::CHORUS_SEND, 500),
                gv(op::INITIAL_ATTENUATION, atten(5.0)),
            ],
            Some((10, 400)),
        ));
        instruments.push(tone_instrument(
            "FX",
            &tone_roots,
            &pad_ids,
            vec![
                looped,
                gv(op::ATTACK_VOL_ENV, tc(0.8)),
                gv(op::RELEASE_VOL_ENV, tc(1.8)),
                gv(op::CHORUS_SEND, 600),
                gv(op::FILTER_FC, abs_cents(2500.0)),
                gv(op::MOD_LFO_TO_FILTER_FC, 2400),
                gv(op::FREQ_MOD_LFO, abs_cents(0.25)),
                gv(op::INITIAL_ATTENUATION, atten(4.0)),
            ],
            Some((10, 400)),
        ));
        instruments.push(tone_instrument(
            "Ethnic",
            &guitar_roots,
            &guitar_ids,
            pluck(0.3, 3.0, 0.3, 2.0),
            None,
        ));
        instruments.push(tone_instrument(
            "Percussive",
            &mallet_roots,
            &mallet_ids,
            vec![
                looped,
                gv(op::DECAY_VOL_ENV, tc(1.2)),
                gv(op::SUSTAIN_VOL_ENV, 1000),
                gv(op::RELEASE_VOL_ENV, tc(0.3)),
                gv(op::INITIAL_ATTENUATION, atten(2.0)),
            ],
            None,
        ));
        instruments.push(tone_instrument(
            "Noise",
            &[60],
            &[noise_id],
            vec![
                looped,
                gv(op::ATTACK_VOL_ENV, tc(0.05)),
                gv(op::RELEASE_VOL_ENV, tc(0.4)),
                gv(op::INITIAL_ATTENUATION, atten(6.0)),
            ],
            None,
        ));

        // Drum kit.
        let mut drum_zones = Vec::new();
        for d in drum_keys() {
            let (id, looped_sample) = match d.sample {
                DrumSource::Drum(x) => (
                    drum_ids
                        .iter()
                        .find(|(k, _)| *k == x)
                        .map(|(_, id)| *id)
                        .unwrap_or(0),
                    false,
                ),
                DrumSource::Pipe(root) => (
                    tone_roots
                        .iter()
                        .position(|&r| r == root)
                        .and_then(|i| pipe_ids.get(i).copied())
                        .unwrap_or(0),
                    true,
                ),
            };
            let mut z = vec![
                gr(op::KEY_RANGE, d.key, d.key),
                gv(op::OVERRIDING_ROOT_KEY, i32::from(d.key)),
                gv(op::COARSE_TUNE, d.cents.div_euclid(100)),
                gv(op::FINE_TUNE, d.cents.rem_euclid(100)),
                gv(op::INITIAL_ATTENUATION, atten(d.db)),
                gv(
                    op::RELEASE_VOL_ENV,
                    tc(if looped_sample { 0.1 } else { 1.5 }),
                ),
            ];
            if looped_sample {
                z.push(gv(op::SAMPLE_MODES, 1));
            }
            if let Some(decay) = d.decay {
                z.push(gv(op::DECAY_VOL_ENV, tc(decay)));
                z.push(gv(op::SUSTAIN_VOL_ENV, 1000));
            }
            if d.class != 0 {
                z.push(gv(op::EXCLUSIVE_CLASS, d.class));
            }
            if d.pan != 0 {
                z.push(gv(op::PAN, d.pan));
            }
            if d.pitch_env != 0 {
                z.push(gv(op::MOD_ENV_TO_PITCH, d.pitch_env));
                z.push(gv(op::DECAY_MOD_ENV, tc(0.25)));
                z.push(gv(op::SUSTAIN_MOD_ENV, 1000));
            }
            z.push(sample_id(id));
            drum_zones.push(z);
        }
        instruments.push(Instrument {
            name: "Standard Kit".into(),
            global: vec![],
            zones: drum_zones,
        });

        // Presets: GM bank 0, then the drum kit at bank 128.
        let mut presets = Vec::new();
        for (program, name) in (0u8..).zip(GM_NAMES) {
            let (inst, extra) = program_voice(program);
            let inst_gen = gv(op::INSTRUMENT, inst as i32);
            let zones = if program == 3 {
                [-1, 1]
                    .iter()
                    .map(|&s| {
                        vec![
                            gv(op::FINE_TUNE, 9 * s),
                            gv(op::PAN, 150 * s),
                            gv(op::INITIAL_ATTENUATION, atten(3.0)),
                            inst_gen,
                        ]
                    })
                    .collect()
            } else {
                let mut z = extra;
                z.push(inst_gen);
                vec![z]
            };
            presets.push(Preset {
                name: name.into(),
                bank: 0,
                program: u16::from(program),
                zones,
            });
        }
        presets.push(Preset {
            name: "Standard".into(),
            bank: 128,
            program: 0,
            zones: vec![vec![gv(op::INSTRUMENT, Inst::Drums as i32)]],
        });

        Plan {
            specs,
            instruments,
            presets,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SF2 writer.

fn push_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn push_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// A fixed 20-byte, zero-padded ASCII name.
fn push_name(out: &mut Vec<u8>, name: &str) {
    let mut field = [0u8; 20];
    for (dst, b) in field.iter_mut().zip(name.bytes().filter(u8::is_ascii)) {
        *dst = b;
    }
    out.extend_from_slice(&field);
}

fn to_u16(v: usize) -> u16 {
    u16::try_from(v).unwrap_or(u16::MAX)
}

fn to_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// A RIFF chunk, padded to an even size.
fn chunk(id: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 9);
    out.extend_from_slice(id);
    push_u32(&mut out, to_u32(data.len()));
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
    out
}

fn list(kind: &[u8; 4], parts: &[Vec<u8>]) -> Vec<u8> {
    let mut body = kind.to_vec();
    for p in parts {
        body.extend_from_slice(p);
    }
    chunk(b"LIST", &body)
}

/// A zero-terminated, even-length INFO string.
fn info_string(s: &str) -> Vec<u8> {
    let mut v: Vec<u8> = s.bytes().filter(u8::is_ascii).collect();
    v.push(0);
    if v.len() % 2 == 1 {
        v.push(0);
    }
    v
}

/// Orders a zone's generators as the spec requires: keyRange first, velRange second, the
/// terminal generator (instrument / sampleID) last.
fn ordered(gens: &[Gen]) -> Vec<Gen> {
    let rank = |g: &Gen| match g.op {
        op::KEY_RANGE => 0,
        op::VEL_RANGE => 1,
        op::INSTRUMENT | op::SAMPLE_ID => 3,
        _ => 2,
    };
    let mut v = gens.to_vec();
    v.sort_by_key(rank); // stable: keeps the given order otherwise
    v
}

/// Writes the bag/gen/mod records of a list of headers (presets or instruments) and returns
/// each header's first bag index.
fn write_zones(zone_lists: &[Vec<Vec<Gen>>], bag: &mut Vec<u8>, gens: &mut Vec<u8>) -> Vec<u16> {
    let mut starts = Vec::with_capacity(zone_lists.len());
    let mut bag_count = 0usize;
    let mut gen_count = 0usize;
    for zones in zone_lists {
        starts.push(to_u16(bag_count));
        for zone in zones {
            push_u16(bag, to_u16(gen_count));
            push_u16(bag, 0);
            bag_count += 1;
            for g in ordered(zone) {
                push_u16(gens, g.op);
                push_u16(gens, g.amount);
                gen_count += 1;
            }
        }
    }
    // Terminal records.
    starts.push(to_u16(bag_count));
    push_u16(bag, to_u16(gen_count));
    push_u16(bag, 0);
    gens.extend_from_slice(&[0; 4]);
    starts
}

fn write_sf2(plan: &Plan, samples: &[Sample]) -> Vec<u8> {
    // INFO.
    let mut ifil = Vec::new();
    push_u16(&mut ifil, 2);
    push_u16(&mut ifil, 1);
    let info = list(
        b"INFO",
        &[
            chunk(b"ifil", &ifil),
            chunk(b"isng", &info_string("EMU8000")),
            chunk(b"INAM", &info_string(BUILTIN_NAME)),
            chunk(b"ISFT", &info_string("rust-audio-engine")),
            chunk(
                b"ICMT",
                &info_string("Synthesised General MIDI set: no third-party samples."),
            ),
        ],
    );

    // sdta: samples, each followed by 46 zero points.
    let total_points: usize = samples.iter().map(|s| s.pcm.len() + 46).sum();
    let mut smpl = Vec::with_capacity(total_points * 2);
    let mut shdr = Vec::with_capacity((samples.len() + 1) * 46);
    for s in samples {
        let start = smpl.len() / 2;
        for v in &s.pcm {
            smpl.extend_from_slice(&v.to_le_bytes());
        }
        let end = start + s.pcm.len();
        smpl.extend_from_slice(&[0u8; 92]);
        let (ls, le) = match s.loop_points {
            Some((a, b)) => (start + a, start + b),
            None => (start, end),
        };
        push_name(&mut shdr, &s.name);
        push_u32(&mut shdr, to_u32(start));
        push_u32(&mut shdr, to_u32(end));
        push_u32(&mut shdr, to_u32(ls));
        push_u32(&mut shdr, to_u32(le));
        push_u32(&mut shdr, s.rate);
        shdr.push(s.root);
        shdr.push(0); // pitch correction: samples are synthesised exactly at their root
        push_u16(&mut shdr, 0); // link
        push_u16(&mut shdr, 1); // monoSample
    }
    push_name(&mut shdr, "EOS");
    shdr.extend_from_slice(&[0u8; 26]);
    let sdta = list(b"sdta", &[chunk(b"smpl", &smpl)]);

    // pdta.
    let (mut pbag, mut pgen) = (Vec::new(), Vec::new());
    let preset_zones: Vec<Vec<Vec<Gen>>> = plan.presets.iter().map(|p| p.zones.clone()).collect();
    let preset_starts = write_zones(&preset_zones, &mut pbag, &mut pgen);
    let mut phdr = Vec::new();
    for (p, &start) in plan.presets.iter().zip(&preset_starts) {
        push_name(&mut phdr, &p.name);
        push_u16(&mut phdr, p.program);
        push_u16(&mut phdr, p.bank);
        push_u16(&mut phdr, start);
        push_u32(&mut phdr, 0);
        push_u32(&mut phdr, 0);
        push_u32(&mut phdr, 0);
    }
    push_name(&mut phdr, "EOP");
    push_u16(&mut phdr, 0);
    push_u16(&mut phdr, 0);
    push_u16(&mut phdr, preset_starts.last().copied().unwrap_or(0));
    phdr.extend_from_slice(&[0u8; 12]);

    let (mut ibag, mut igen) = (Vec::new(), Vec::new());
    let inst_zones: Vec<Vec<Vec<Gen>>> = plan
        .instruments
        .iter()
        .map(|i| {
            let mut z = Vec::with_capacity(i.zones.len() + 1);
            if !i.global.is_empty() {
                z.push(i.global.clone());
            }
            z.extend(i.zones.iter().cloned());
            z
        })
        .collect();
    let inst_starts = write_zones(&inst_zones, &mut ibag, &mut igen);
    let mut inst = Vec::new();
    for (i, &start) in plan.instruments.iter().zip(&inst_starts) {
        push_name(&mut inst, &i.name);
        push_u16(&mut inst, start);
    }
    push_name(&mut inst, "EOI");
    push_u16(&mut inst, inst_starts.last().copied().unwrap_or(0));

    let terminal_mod = [0u8; 10];
    let pdta = list(
        b"pdta",
        &[
            chunk(b"phdr", &phdr),
            chunk(b"pbag", &pbag),
            chunk(b"pmod", &terminal_mod),
            chunk(b"pgen", &pgen),
            chunk(b"inst", &inst),
            chunk(b"ibag", &ibag),
            chunk(b"imod", &terminal_mod),
            chunk(b"igen", &igen),
            chunk(b"shdr", &shdr),
        ],
    );

    let mut body = b"sfbk".to_vec();
    body.extend_from_slice(&info);
    body.extend_from_slice(&sdta);
    body.extend_from_slice(&pdta);
    chunk(b"RIFF", &body)
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use rustysynth::{SoundFont, Synthesizer, SynthesizerSettings};
    use std::sync::{Arc, OnceLock};

    const SR: usize = 44100;

    fn bytes() -> &'static Vec<u8> {
        static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
        BYTES.get_or_init(generate_sf2)
    }

    fn font() -> Arc<SoundFont> {
        static FONT: OnceLock<Arc<SoundFont>> = OnceLock::new();
        FONT.get_or_init(|| {
            let parsed = SoundFont::new(&mut bytes().as_slice());
            assert!(parsed.is_ok(), "rustysynth rejects the font: {parsed:?}");
            match parsed {
                Ok(f) => Arc::new(f),
                Err(e) => panic!("{e:?}"),
            }
        })
        .clone()
    }

    #[derive(Clone, Copy)]
    enum Ev {
        On(i32, i32),
        Off(i32),
        Cc(i32, i32),
        Program(i32),
    }

    /// Renders `seconds` of one channel with events at the given times; returns (left, right).
    fn render(
        channel: i32,
        events: &[(f64, Ev)],
        seconds: f64,
        effects: bool,
    ) -> (Vec<f32>, Vec<f32>) {
        let mut settings = SynthesizerSettings::new(SR as i32);
        settings.enable_reverb_and_chorus = effects;
        let synth = Synthesizer::new(&font(), &settings);
        assert!(synth.is_ok());
        let Ok(mut synth) = synth else { unreachable!() };
        let total = (seconds * SR as f64) as usize;
        let mut left = vec![0f32; total];
        let mut right = vec![0f32; total];
        let mut pos = 0usize;
        let mut evs = events.to_vec();
        evs.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (time, ev) in evs {
            let at = ((time * SR as f64) as usize).min(total);
            if at > pos {
                synth.render(&mut left[pos..at], &mut right[pos..at]);
                pos = at;
            }
            match ev {
                Ev::On(k, v) => synth.note_on(channel, k, v),
                Ev::Off(k) => synth.note_off(channel, k),
                Ev::Cc(c, v) => synth.process_midi_message(channel, 0xB0, c, v),
                Ev::Program(p) => synth.process_midi_message(channel, 0xC0, p, 0),
            }
        }
        if pos < total {
            synth.render(&mut left[pos..], &mut right[pos..]);
        }
        (left, right)
    }

    fn mono(lr: &(Vec<f32>, Vec<f32>)) -> Vec<f64> {
        lr.0.iter()
            .zip(&lr.1)
            .map(|(l, r)| 0.5 * (f64::from(*l) + f64::from(*r)))
            .collect()
    }

    fn seg(x: &[f64], from: f64, to: f64) -> &[f64] {
        let a = ((from * SR as f64) as usize).min(x.len());
        let b = ((to * SR as f64) as usize).min(x.len()).max(a);
        &x[a..b]
    }

    fn db(v: f64) -> f64 {
        20.0 * v.max(1e-12).log10()
    }

    fn piano_note(key: i32, vel: i32, seconds: f64) -> Vec<f64> {
        mono(&render(0, &[(0.0, Ev::On(key, vel))], seconds, false))
    }

    /// |DTFT| of a Hann-windowed signal at `f` Hz.
    fn dtft(x: &[f64], f: f64) -> f64 {
        let w = TAU * f / SR as f64;
        let (s, c) = w.sin_cos();
        let (mut pr, mut pi) = (1.0f64, 0.0f64);
        let (mut re, mut im) = (0.0, 0.0);
        let n = x.len() as f64;
        for (i, v) in x.iter().enumerate() {
            let win = 0.5 - 0.5 * (TAU * i as f64 / n).cos();
            re += v * win * pr;
            im -= v * win * pi;
            let t = pr * c - pi * s;
            pi = pr * s + pi * c;
            pr = t;
        }
        (re * re + im * im).sqrt()
    }

    /// The strongest spectral peak within +-4% of `expected`: a fine DTFT grid, refined by
    /// parabolic interpolation of the log magnitude.
    fn measure_pitch(x: &[f64], expected: f64) -> f64 {
        let step = 0.1;
        let n = (expected * 0.08 / step) as usize;
        let f0 = expected * 0.96;
        let mags: Vec<f64> = (0..=n)
            .map(|i| dtft(x, f0 + i as f64 * step).max(1e-20).ln())
            .collect();
        let mut best = 1;
        for i in 1..n {
            if mags[i] > mags[best] {
                best = i;
            }
        }
        let (a, b, c) = (mags[best - 1], mags[best], mags[best + 1]);
        let denom = a - 2.0 * b + c;
        let delta = if denom.abs() > 1e-12 {
            0.5 * (a - c) / denom
        } else {
            0.0
        };
        f0 + (best as f64 + delta) * step
    }

    /// In-place radix-2 FFT (length must be a power of two).
    fn fft(re: &mut [f64], im: &mut [f64]) {
        let n = re.len();
        let mut j = 0;
        for i in 1..n {
            let mut bit = n >> 1;
            while j & bit != 0 {
                j ^= bit;
                bit >>= 1;
            }
            j |= bit;
            if i < j {
                re.swap(i, j);
                im.swap(i, j);
            }
        }
        let mut len = 2;
        while len <= n {
            let ang = -TAU / len as f64;
            for start in (0..n).step_by(len) {
                for k in 0..len / 2 {
                    let (s, c) = (ang * k as f64).sin_cos();
                    let (a, b) = (start + k, start + k + len / 2);
                    let tr = re[b] * c - im[b] * s;
                    let ti = re[b] * s + im[b] * c;
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
            len <<= 1;
        }
    }

    fn spectral_centroid(x: &[f64]) -> f64 {
        let n = x.len().next_power_of_two();
        let mut re = vec![0.0; n];
        let mut im = vec![0.0; n];
        for (i, v) in x.iter().enumerate() {
            re[i] = v * (0.5 - 0.5 * (TAU * i as f64 / x.len() as f64).cos());
        }
        fft(&mut re, &mut im);
        let (mut num, mut den) = (0.0, 0.0);
        for k in 1..n / 2 {
            let m = (re[k] * re[k] + im[k] * im[k]).sqrt();
            let f = k as f64 * SR as f64 / n as f64;
            num += f * m;
            den += m;
        }
        num / den.max(1e-20)
    }

    #[test]
    fn builtin_font_loads_in_rustysynth() {
        let f = font();
        assert_eq!(f.get_info().get_bank_name(), BUILTIN_NAME);
        assert_eq!(f.get_info().get_target_sound_engine(), "EMU8000");
        let presets = f.get_presets();
        for program in 0..128 {
            assert!(
                presets
                    .iter()
                    .any(|p| p.get_bank_number() == 0 && p.get_patch_number() == program),
                "program {program} missing"
            );
        }
        assert!(presets
            .iter()
            .any(|p| p.get_bank_number() == 128 && p.get_patch_number() == 0));
        let lowest = presets
            .iter()
            .min_by_key(|p| (p.get_bank_number() << 16) | p.get_patch_number());
        assert_eq!(lowest.map(|p| p.get_name()), Some("Acoustic Grand Piano"));
        assert!(
            bytes().len() < 12 * 1024 * 1024,
            "font is {} bytes",
            bytes().len()
        );
    }

    #[test]
    fn builtin_generation_is_deterministic() {
        assert!(generate_sf2() == *bytes());
    }

    #[test]
    fn builtin_piano_middle_c_is_in_tune() {
        for vel in [40, 80, 120] {
            let x = piano_note(60, vel, 1.3);
            let f = measure_pitch(seg(&x, 0.1, 1.3), 261.6256);
            let cents = 1200.0 * (f / 261.6256).log2();
            println!("middle C velocity {vel}: {f:.3} Hz ({cents:+.3} cents)");
            assert!(
                cents.abs() < 5.0,
                "velocity {vel}: {f:.3} Hz ({cents:+.2} cents)"
            );
        }
    }

    #[test]
    fn builtin_piano_pitch_across_the_keyboard() {
        // Every sample root region, near both ends of each range.
        for key in [21, 33, 45, 57, 64, 69, 76, 88, 100] {
            let x = piano_note(key, 100, 0.8);
            let expected = midi_hz(f64::from(key));
            let f = measure_pitch(seg(&x, 0.05, 0.8), expected);
            let cents = 1200.0 * (f / expected).log2();
            assert!(
                cents.abs() < 5.0,
                "key {key}: {f:.3} Hz ({cents:+.2} cents)"
            );
        }
    }

    #[test]
    fn builtin_piano_louder_is_brighter() {
        let soft = piano_note(60, 40, 0.3);
        let loud = piano_note(60, 120, 0.3);
        let (cs, cl) = (spectral_centroid(&soft), spectral_centroid(&loud));
        println!("spectral centroid, first 0.3 s: velocity 40 {cs:.0} Hz, velocity 120 {cl:.0} Hz");
        assert!(cl > cs * 1.3, "centroid soft {cs:.0} Hz, loud {cl:.0} Hz");
    }

    #[test]
    fn builtin_piano_decays() {
        let x = piano_note(60, 100, 3.0);
        let early = rms(seg(&x, 0.0, 0.5));
        let late = rms(seg(&x, 2.0, 3.0));
        println!(
            "middle C RMS 0-0.5 s {:.1} dB, 2-3 s {:.1} dB",
            db(early),
            db(late)
        );
        assert!(
            db(early) - db(late) >= 12.0,
            "early {:.1} dB, late {:.1} dB",
            db(early),
            db(late)
        );
    }

    #[test]
    fn builtin_piano_sustain_pedal_lets_the_note_ring() {
        let run = |pedal: bool| {
            let mut ev = vec![(0.0, Ev::On(60, 90)), (0.2, Ev::Off(60))];
            if pedal {
                ev.push((0.0, Ev::Cc(64, 127)));
            }
            mono(&render(0, &ev, 1.1, false))
        };
        let with = rms(seg(&run(true), 0.95, 1.05));
        let without = rms(seg(&run(false), 0.95, 1.05));
        let attack = rms(seg(&run(true), 0.0, 0.2));
        println!(
            "at 1.0 s: pedal {:.1} dB, no pedal {:.1} dB (attack {:.1} dB)",
            db(with),
            db(without),
            db(attack)
        );
        assert!(
            db(with) > db(attack) - 30.0,
            "pedal: {:.1} dB vs attack {:.1} dB",
            db(with),
            db(attack)
        );
        assert!(
            db(with) - db(without) > 30.0,
            "pedal {:.1} dB, no pedal {:.1} dB",
            db(with),
            db(without)
        );
    }

    #[test]
    fn builtin_piano_chord_has_headroom() {
        let chord = [48, 60, 64, 67, 72];
        let ev: Vec<(f64, Ev)> = chord.iter().map(|&k| (0.0, Ev::On(k, 100))).collect();
        let (l, r) = render(0, &ev, 1.0, true);
        let p = l.iter().chain(&r).fold(0f32, |m, v| m.max(v.abs()));
        println!(
            "5-note chord at velocity 100: peak {:.1} dBFS",
            db(f64::from(p))
        );
        assert!(p < 0.5, "chord peak {p}");
        assert!(p > 0.05, "chord peak {p}");
    }

    fn check_output(what: &str, lr: &(Vec<f32>, Vec<f32>)) -> f64 {
        let all = lr.0.iter().chain(&lr.1);
        assert!(
            all.clone().all(|v| v.is_finite()),
            "{what}: non-finite output"
        );
        let p = all.fold(0f32, |m, v| m.max(v.abs()));
        assert!(p <= 1.0, "{what}: peak {p} exceeds 0 dBFS");
        let r = rms(&mono(lr));
        assert!(r > 1e-4, "{what}: silent (rms {r})");
        f64::from(p)
    }

    #[test]
    fn builtin_every_program_sounds_and_never_clips() {
        let mut loudest = 0f64;
        for program in 0..128 {
            for key in [36, 60, 84] {
                let ev = [
                    (0.0, Ev::Program(program)),
                    (0.0, Ev::On(key, 127)),
                    (0.8, Ev::Off(key)),
                ];
                let lr = render(0, &ev, 1.0, true);
                loudest = loudest.max(check_output(&format!("program {program} key {key}"), &lr));
            }
        }
        println!(
            "loudest single note at velocity 127: {:.1} dBFS",
            db(loudest)
        );
    }

    #[test]
    fn builtin_drum_keys_sound_and_never_clip() {
        let mut loudest = 0f64;
        for key in 35..=81 {
            let ev = [(0.0, Ev::On(key, 127)), (0.3, Ev::Off(key))];
            let lr = render(9, &ev, 0.6, true);
            loudest = loudest.max(check_output(&format!("drum key {key}"), &lr));
        }
        println!("loudest drum hit at velocity 127: {:.1} dBFS", db(loudest));
    }

    #[test]
    fn builtin_loops_are_seamless() {
        // Every looped sample: the sample just before the loop end must continue smoothly
        // into the loop start (the step is no bigger than the largest step inside the loop).
        let f = font();
        let wave = f.get_wave_data();
        for h in f.get_sample_headers() {
            let (s, e) = (h.get_start_loop() as usize, h.get_end_loop() as usize);
            let looped = e > s + 8 && (h.get_end() as usize) > e;
            if !looped || h.get_start_loop() == h.get_start() && h.get_end_loop() == h.get_end() {
                continue;
            }
            let max_step = wave[s..e]
                .windows(2)
                .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
                .max()
                .unwrap_or(0);
            let wrap = (i32::from(wave[s]) - i32::from(wave[e - 1])).abs();
            assert!(
                wrap <= max_step + 64,
                "{}: wrap step {wrap} vs max step {max_step}",
                h.get_name()
            );
            // The data after the loop end repeats the loop start.
            assert_eq!(wave[e], wave[s], "{}", h.get_name());
        }
    }

    /// Diagnostics, not a check: per-program loudness and timings. Run with --ignored --nocapture.
    #[test]
    #[ignore]
    fn builtin_report() {
        let t = std::time::Instant::now();
        let b = generate_sf2();
        println!("size {} bytes, generated in {:?}", b.len(), t.elapsed());
        for program in 0..128 {
            let ev = [(0.0, Ev::Program(program)), (0.0, Ev::On(60, 100))];
            let x = mono(&render(0, &ev, 1.0, false));
            println!(
                "program {program:3} {:22} rms {:6.1} dB peak {:6.1} dB",
                GM_NAMES[program as usize],
                db(rms(&x)),
                db(peak(&x))
            );
        }
        for key in 35..=81 {
            let x = mono(&render(9, &[(0.0, Ev::On(key, 100))], 1.0, false));
            println!(
                "drum {key} rms {:6.1} dB peak {:6.1} dB",
                db(rms(seg(&x, 0.0, 0.3))),
                db(peak(&x))
            );
        }
    }
}
