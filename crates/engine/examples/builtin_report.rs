//! Per-program loudness of the built-in font, and how long generating it takes:
//! `cargo run --release --example builtin_report`.
//!
//! Plays middle C at velocity 100 for a second on every General MIDI program, and every drum
//! key, without reverb and chorus, and prints each one's RMS and peak level. A diagnostic for
//! balancing the recipes, not a check.
use std::sync::Arc;
use std::time::Instant;

use rae_synth::{SoundFont, Synthesizer, SynthesizerSettings};
use rust_audio_engine::synth::builtin::generate_sf2;

const RATE: i32 = 44100;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let bytes = generate_sf2()?;
    println!(
        "size {} bytes, generated in {:?}",
        bytes.len(),
        start.elapsed()
    );
    let font = Arc::new(SoundFont::from_bytes(&bytes)?);
    for program in 0..128 {
        let name = font
            .get_presets()
            .iter()
            .find(|p| p.get_bank_number() == 0 && p.get_patch_number() == program)
            .map_or("?", |p| p.get_name());
        let x = play(&font, 0, program, 60)?;
        println!(
            "program {program:3} {name:22} rms {:6.1} dB peak {:6.1} dB",
            db(rms(&x)),
            db(peak(&x))
        );
    }
    for key in 35..=81 {
        let x = play(&font, 9, 0, key)?;
        let attack = &x[..x.len().min(RATE as usize * 3 / 10)];
        println!(
            "drum {key} rms {:6.1} dB peak {:6.1} dB",
            db(rms(attack)),
            db(peak(&x))
        );
    }
    Ok(())
}

/// One second of `key` at velocity 100 on `channel`, mixed to mono.
fn play(
    font: &Arc<SoundFont>,
    channel: i32,
    program: i32,
    key: i32,
) -> Result<Vec<f64>, Box<dyn std::error::Error>> {
    let mut settings = SynthesizerSettings::new(RATE);
    settings.enable_reverb_and_chorus = false;
    let mut synth = Synthesizer::new(font, &settings)?;
    synth.process_midi_message(channel, 0xC0, program, 0);
    synth.note_on(channel, key, 100);
    let mut left = vec![0f32; RATE as usize];
    let mut right = vec![0f32; RATE as usize];
    synth.render(&mut left, &mut right);
    Ok(left
        .iter()
        .zip(&right)
        .map(|(l, r)| 0.5 * (f64::from(*l) + f64::from(*r)))
        .collect())
}

fn rms(x: &[f64]) -> f64 {
    (x.iter().map(|v| v * v).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

fn peak(x: &[f64]) -> f64 {
    x.iter().fold(0.0, |m, v| m.max(v.abs()))
}

fn db(v: f64) -> f64 {
    20.0 * v.max(1e-12).log10()
}
