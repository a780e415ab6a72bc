//! The built-in General MIDI SoundFont: what users hear when no SoundFont is installed.
//!
//! Every sound is synthesised here from nothing (no third-party samples) and written as SF2
//! bytes by the shared [SoundFont writer](crate::synth::soundfont::writer). The output is
//! deterministic: all noise comes from seeded PRNGs and the samples are assembled in a fixed
//! order, whichever thread rendered them. The instruments, programs and drum keys are data in
//! `recipes.rs`; `plan.rs` turns them into SoundFont records.
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

mod drums;
mod dsp;
mod piano;
mod plan;
mod recipes;
mod render;
mod sample;
mod tones;

#[cfg(test)]
mod tests;

use super::soundfont::hydra::{name, SampleHeader, SAMPLE_TYPE_MONO};
use super::soundfont::writer::{write_sf2, SampleData, Sf2, GUARD_POINTS};
use super::soundfont::SoundFontError;
use plan::Plan;
use sample::Sample;

/// The name the font reports (INAM).
pub const BUILTIN_NAME: &str = "rust-audio-engine built-in GM";

/// Generates the built-in General MIDI SoundFont (SF2 bytes). Deterministic: same bytes every
/// call.
pub fn generate_sf2() -> Result<Vec<u8>, SoundFontError> {
    let plan = Plan::build();
    let rendered = render::render_all(&plan.specs);
    let (samples, points) = sample_data(&rendered)?;
    write_sf2(&Sf2 {
        info: vec![
            (*b"ifil", &[2, 0, 1, 0]),
            (*b"isng", b"EMU8000"),
            (*b"INAM", BUILTIN_NAME.as_bytes()),
            (*b"ISFT", b"rust-audio-engine"),
            (
                *b"ICMT",
                b"Synthesised General MIDI set: no third-party samples.",
            ),
        ],
        presets: plan.presets,
        instruments: plan.instruments,
        samples,
        sample_data: SampleData::from_points(points),
    })
}

/// The sample headers and the sample data: each sample followed by guard points.
fn sample_data(rendered: &[Sample]) -> Result<(Vec<SampleHeader>, Vec<i16>), SoundFontError> {
    let total: usize = rendered.iter().map(|s| s.pcm.len() + GUARD_POINTS).sum();
    let mut points = Vec::with_capacity(total);
    let mut headers = Vec::with_capacity(rendered.len());
    let index = |n: usize| u32::try_from(n).map_err(|_| SoundFontError::FileTooLarge);
    for s in rendered {
        let start = points.len();
        points.extend_from_slice(&s.pcm);
        let end = points.len();
        points.resize(end + GUARD_POINTS, 0);
        let (loop_start, loop_end) = match s.loop_points {
            Some((a, b)) => (start + a, start + b),
            None => (start, end),
        };
        headers.push(SampleHeader {
            name: name(&s.name),
            start: index(start)?,
            end: index(end)?,
            loop_start: index(loop_start)?,
            loop_end: index(loop_end)?,
            sample_rate: s.rate,
            original_pitch: s.root,
            // Samples are synthesised exactly at their root.
            pitch_correction: 0,
            link: 0,
            sample_type: SAMPLE_TYPE_MONO,
        });
    }
    Ok((headers, points))
}
