#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::dsp::{midi_hz, rms};
use super::recipes::{Inst, INSTRUMENTS, PROGRAMS};
use super::*;
use rustysynth::{SoundFont, Synthesizer, SynthesizerSettings};
use std::f64::consts::TAU;
use std::sync::{Arc, OnceLock};

const SR: usize = 44100;

fn bytes() -> &'static Vec<u8> {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| generate_sf2().unwrap())
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
fn render(channel: i32, events: &[(f64, Ev)], seconds: f64, effects: bool) -> (Vec<f32>, Vec<f32>) {
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
    assert!(generate_sf2().unwrap() == *bytes());
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

#[test]
fn builtin_programs_play_instruments_that_have_recipes() {
    for program in &PROGRAMS {
        assert!(
            INSTRUMENTS.iter().any(|r| r.inst == program.inst),
            "{}: no recipe for {:?}",
            program.name,
            program.inst
        );
    }
    assert!(INSTRUMENTS.iter().all(|r| r.inst != Inst::Drums));
}
