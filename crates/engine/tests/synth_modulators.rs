//! Tests of the synthesizer fork's note-on SoundFont modulators (`enable_modulators`).
//!
//! The synthetic tests build a tiny SF2 in memory with the engine's SF2 writer. The MuseScore
//! test loads MuseScore_General_Lite (Debian package musescore-general-soundfont-small) through
//! the engine's `prepare`; another plays the test MIDI files (`make testdata`) with FluidR3_GM
//! (fluid-soundfont-gm). `make test` installs both packages; a missing input fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use common::OneSampleFont;
use rust_audio_engine::synth::soundfont::hydra::{op, Generator, Modulator};
use rust_audio_engine::synth::soundfont::prepare;

const SAMPLE_RATE: i32 = 44100;

const MUSESCORE_LITE: &str = "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3";
const FLUIDR3: &str = "/usr/share/sounds/sf2/FluidR3_GM.sf2";

// ---------------------------------------------------------------- tiny SF2

/// (source, destination, amount, amount source, transform).
type Mod = (u16, u16, i16, u16, u16);

fn modulators(mods: &[Mod]) -> Vec<Modulator> {
    mods.iter()
        .map(
            |&(source, destination, amount, amount_source, transform)| Modulator {
                source,
                destination,
                amount,
                amount_source,
                transform,
            },
        )
        .collect()
}

/// One preset (0:0) -> one instrument -> one looped sawtooth (441 Hz, root
/// key 69), with a low initial filter cutoff and the given modulators.
fn tiny_sf2(instrument_mods: &[Mod], preset_mods: &[Mod]) -> Vec<u8> {
    let period = 100;
    let points: Vec<i16> = (0..4000)
        .map(|i| {
            let phase = (i % period) as f32 / period as f32;
            ((phase * 2.0 - 1.0) * 12000.0) as i16
        })
        .collect();
    OneSampleFont {
        name: "Saw",
        points,
        sample_rate: SAMPLE_RATE as u32,
        root_key: 69,
        loop_points: Some((100, 3900)),
        generators: vec![Generator::signed(op::INITIAL_FILTER_FC, 6000)],
        instrument_modulators: modulators(instrument_mods),
        preset_modulators: modulators(preset_mods),
    }
    .sf2()
}

// ---------------------------------------------------------------- analysis

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0_f32, |m, v| m.max(v.abs()))
}

/// Spectral centroid (Hz) of a Hann-windowed 4096-sample frame starting at `start`.
fn centroid(x: &[f32], start: usize) -> f64 {
    const N: usize = 4096;
    let frame: Vec<f64> = (0..N)
        .map(|i| {
            let w = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / N as f64).cos();
            w * x.get(start + i).copied().unwrap_or(0.0) as f64
        })
        .collect();
    let cos: Vec<f64> = (0..N)
        .map(|i| (2.0 * std::f64::consts::PI * i as f64 / N as f64).cos())
        .collect();
    let (mut num, mut den) = (0.0, 0.0);
    for k in 1..N / 2 {
        let (mut re, mut im) = (0.0, 0.0);
        for (n, &v) in frame.iter().enumerate() {
            let idx = (k * n) % N;
            re += v * cos[idx];
            im -= v * cos[(idx + N - N / 4) % N];
        }
        let mag = (re * re + im * im).sqrt();
        num += mag * k as f64 * SAMPLE_RATE as f64 / N as f64;
        den += mag;
    }
    num / den.max(1e-30)
}

fn render_note(
    font: &Arc<rae_synth::SoundFont>,
    key: i32,
    velocity: i32,
    modulators: bool,
    seconds: f32,
) -> Vec<f32> {
    let mut settings = rae_synth::SynthesizerSettings::new(SAMPLE_RATE);
    settings.enable_reverb_and_chorus = false;
    settings.enable_modulators = modulators;
    let mut synth = rae_synth::Synthesizer::new(font, &settings).unwrap();
    synth.note_on(0, key, velocity);
    let frames = (SAMPLE_RATE as f32 * seconds) as usize;
    let mut left = vec![0_f32; frames];
    let mut right = vec![0_f32; frames];
    synth.render(&mut left, &mut right);
    left.iter()
        .zip(&right)
        .map(|(l, r)| 0.5 * (l + r))
        .collect()
}

fn font(bytes: &[u8]) -> Arc<rae_synth::SoundFont> {
    Arc::new(rae_synth::SoundFont::from_bytes(bytes).unwrap())
}

// ---------------------------------------------------------------- tests

const VEL_TO_FC: Mod = (0x0002, 8, 6000, 0, 0);

/// An instrument velocity -> filter cutoff modulator makes a loud note
/// brighter than a soft one; without modulators both have the same spectrum.
#[test]
fn velocity_to_filter_cutoff_brightens_loud_notes() {
    let f = font(&tiny_sf2(&[VEL_TO_FC], &[]));
    let at = SAMPLE_RATE as usize / 4;
    let loud = centroid(&render_note(&f, 60, 127, true, 0.5), at);
    let soft = centroid(&render_note(&f, 60, 30, true, 0.5), at);
    let loud_off = centroid(&render_note(&f, 60, 127, false, 0.5), at);
    let soft_off = centroid(&render_note(&f, 60, 30, false, 0.5), at);
    eprintln!("centroid with modulators: loud {loud:.0} Hz, soft {soft:.0} Hz");
    eprintln!("centroid without modulators: loud {loud_off:.0} Hz, soft {soft_off:.0} Hz");
    assert!(loud > 1.5 * soft, "loud {loud} soft {soft}");
    assert!((loud_off / soft_off - 1.0).abs() < 0.05);
    assert!(loud > 1.5 * loud_off);
}

/// Preset modulators add to the instrument's; key-number sources work.
#[test]
fn preset_modulators_add_and_key_source() {
    // The preset level adds the same amount again: the filter opens further.
    let inst_only = font(&tiny_sf2(&[VEL_TO_FC], &[]));
    let both = font(&tiny_sf2(&[VEL_TO_FC], &[(0x0002, 8, 3000, 0, 0)]));
    let at = SAMPLE_RATE as usize / 4;
    let a = centroid(&render_note(&inst_only, 60, 64, true, 0.5), at);
    let b = centroid(&render_note(&both, 60, 64, true, 0.5), at);
    eprintln!("centroid instrument only {a:.0} Hz, plus preset {b:.0} Hz");
    assert!(b > 1.2 * a, "{b} vs {a}");

    // Key (bipolar) -> pan: low keys left, high keys right.
    let pan = font(&tiny_sf2(&[(0x0203, 17, 500, 0, 0)], &[]));
    let mut settings = rae_synth::SynthesizerSettings::new(SAMPLE_RATE);
    settings.enable_reverb_and_chorus = false;
    for (key, left_louder) in [(20, true), (110, false)] {
        let mut synth = rae_synth::Synthesizer::new(&pan, &settings).unwrap();
        synth.note_on(0, key, 100);
        let mut l = vec![0_f32; 8192];
        let mut r = vec![0_f32; 8192];
        synth.render(&mut l, &mut r);
        assert_eq!(rms(&l) > 2.0 * rms(&r), left_louder, "key {key}");
        assert_eq!(rms(&r) > 2.0 * rms(&l), !left_louder, "key {key}");
    }
}

/// An instrument modulator identical to the default velocity -> attenuation
/// one replaces it (amount 0: no velocity sensitivity); a preset one adds.
#[test]
fn default_velocity_to_attenuation_is_replaced_and_added() {
    let cancel: Mod = (0x0502, 48, 0, 0, 0);
    let no_vel = font(&tiny_sf2(&[cancel], &[]));
    let level = |f: &Arc<rae_synth::SoundFont>, vel, m| rms(&render_note(f, 60, vel, m, 0.3));
    let ratio_db = |f, m| 20.0 * (level(f, 127, m) / level(f, 40, m)).log10();
    let cancelled = ratio_db(&no_vel, true);
    let default = ratio_db(&no_vel, false);
    eprintln!("vel 127 / vel 40: {cancelled:.1} dB cancelled, {default:.1} dB default");
    assert!(cancelled.abs() < 0.1);
    assert!((default - 40.0 * (127_f64 / 40.0).log10()).abs() < 0.5);

    let added = font(&tiny_sf2(&[cancel], &[(0x0502, 48, 480, 0, 0)]));
    let half = ratio_db(&added, true);
    eprintln!("with preset amount 480: {half:.1} dB");
    assert!((half - default / 2.0).abs() < 0.5);
}

/// enable_modulators = false ignores the modulators completely.
#[test]
fn disabled_modulators_match_a_font_without_them() {
    let with = font(&tiny_sf2(&[VEL_TO_FC, (0x0203, 17, 500, 0, 0)], &[]));
    let without = font(&tiny_sf2(&[], &[]));
    for vel in [20, 100] {
        let a = render_note(&with, 50, vel, false, 0.3);
        let b = render_note(&without, 50, vel, true, 0.3);
        assert_eq!(a, b);
    }
}

fn read(path: &Path, hint: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e} ({hint})", path.display()))
}

/// The MuseScore General piano opens its low filter (~300 Hz) with velocity
/// modulators: with modulators a middle C at velocity 100 is much brighter and
/// louder than without.
#[test]
fn musescore_piano_is_brighter_and_louder_with_modulators() {
    let sf3 = read(
        Path::new(MUSESCORE_LITE),
        "install the Debian package musescore-general-soundfont-small",
    );
    let (sf2, _) = prepare(&sf3).unwrap();
    let f = font(&sf2);
    let on = render_note(&f, 60, 100, true, 1.5);
    let off = render_note(&f, 60, 100, false, 1.5);
    let at = SAMPLE_RATE as usize / 10;
    let (c_on, c_off) = (centroid(&on, at), centroid(&off, at));
    let (r_on, r_off) = (rms(&on), rms(&off));
    eprintln!(
        "MuseScore piano C4 vel 100: modulators on: peak {:.4} rms {r_on:.5} centroid {c_on:.0} Hz; \
         off: peak {:.4} rms {r_off:.5} centroid {c_off:.0} Hz; rms ratio {:.1} dB",
        peak(&on),
        peak(&off),
        20.0 * (r_on / r_off).log10()
    );
    assert!(c_on > 2.0 * c_off, "centroid {c_on} vs {c_off}");
    assert!(r_on > 2.0 * r_off, "rms {r_on} vs {r_off}");
}

/// FluidR3_GM renders every test MIDI file (first 15 s) with modulators,
/// without panics or non-finite samples.
#[test]
fn fluidr3_renders_the_test_midis_with_modulators() {
    let f = font(&read(
        Path::new(FLUIDR3),
        "install the Debian package fluid-soundfont-gm",
    ));
    for file in common::testdata_midis() {
        let midi = rae_synth::MidiFile::new(&mut std::fs::File::open(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e:?}", file.display()));
        let mut settings = rae_synth::SynthesizerSettings::new(SAMPLE_RATE);
        settings.maximum_polyphony = 256;
        let synth = rae_synth::Synthesizer::new(&f, &settings).unwrap();
        let mut seq = rae_synth::MidiFileSequencer::new(synth);
        seq.play(&Arc::new(midi), false);
        let frames = SAMPLE_RATE as usize * 15;
        let mut l = vec![0_f32; frames];
        let mut r = vec![0_f32; frames];
        seq.render(&mut l, &mut r);
        assert!(
            l.iter().chain(&r).all(|v| v.is_finite()),
            "{}",
            file.display()
        );
        eprintln!("{}: rms {:.4}", file.display(), rms(&l));
    }
}
