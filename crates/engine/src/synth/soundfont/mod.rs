//! SoundFont files between the disk and the synthesizer: this module owns reading a SoundFont
//! (SF2 or SF3), checking everything rustysynth would trust, repairing what can be repaired,
//! decoding SF3's Ogg Vorbis samples, and writing SF2 bytes. [`prepare`] does it all for a file;
//! [`writer`] and [`hydra`] let the built-in font and tests write their own fonts.
//!
//! rustysynth trusts the file it reads: on malformed input it can index out of bounds, overflow
//! `i32` arithmetic (a panic in builds with overflow checks) or read past its sample buffer while
//! rendering. The checks are in `riff.rs` (the chunk structure), `hydra.rs` (the pdta records)
//! and `repair.rs` (what the zones refer to, and what would make rendering fail).

mod error;
pub mod hydra;
mod repair;
mod riff;
mod vorbis;
pub mod writer;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

pub use error::{SampleDecodeError, SoundFontError, ZoneProblem};
use hydra::{text, SAMPLE_TYPE_VORBIS};
use writer::{write_sf2, SampleData, Sf2};

/// What kind of file the bytes were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SoundFontKind {
    Sf2,
    Sf3,
}

/// A summary for `rae info` and the Python API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoundFontSummary {
    pub kind: SoundFontKind,
    /// INAM, may be empty.
    pub name: String,
    /// Sorted by (bank, program).
    pub presets: Vec<PresetSummary>,
    /// Excluding the terminal EOS record.
    pub sample_count: usize,
    /// Size of the PCM data after decoding (SF3 decoded).
    pub sample_data_bytes: usize,
}

/// One preset of a [`SoundFontSummary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresetSummary {
    pub bank: u16,
    pub program: u16,
    pub name: String,
}

/// Validates a SoundFont (SF2 or SF3) and returns SF2 bytes that rustysynth can load and play
/// without panicking, plus a summary.
///
/// SF2 input that needs no repair is returned unchanged (`Cow::Borrowed`), without a copy. SF3
/// input is decoded and rebuilt as a 16-bit PCM SF2. Errors describe the problem; the caller adds
/// the file name.
pub fn prepare(bytes: &[u8]) -> Result<(Cow<'_, [u8]>, SoundFontSummary), SoundFontError> {
    let layout = riff::parse_layout(bytes)?;
    let hydra = hydra::parse_hydra(&layout)?;
    let mut changed = !layout.clean;
    let mut samples = hydra.samples;

    let kind = if samples
        .iter()
        .any(|s| s.sample_type & SAMPLE_TYPE_VORBIS != 0)
    {
        SoundFontKind::Sf3
    } else {
        SoundFontKind::Sf2
    };
    let mut notes = vec![None; samples.len()];
    let sample_data = match kind {
        SoundFontKind::Sf3 => {
            changed = true;
            SampleData::from_points(vorbis::convert_sf3(layout.smpl, &mut samples, &mut notes)?)
        }
        SoundFontKind::Sf2 => {
            if layout.smpl.starts_with(b"OggS") {
                return Err(SoundFontError::UnmarkedVorbis);
            }
            // An odd last byte is not a sample point; the writer leaves it out.
            changed |= layout.smpl.len() % 2 != 0;
            SampleData {
                stored: layout.smpl,
                appended: Vec::new(),
            }
        }
    };

    let mut font = Sf2 {
        info: layout.info,
        presets: hydra.presets,
        instruments: hydra.instruments,
        samples,
        sample_data,
    };
    changed |= repair::repair(&mut font, &notes)?;

    let summary = summarize(&font, kind);
    if changed {
        Ok((Cow::Owned(write_sf2(&font)?), summary))
    } else {
        Ok((Cow::Borrowed(bytes), summary))
    }
}

fn summarize(font: &Sf2, kind: SoundFontKind) -> SoundFontSummary {
    let name = font
        .info
        .iter()
        .rev()
        .find(|(id, _)| id == b"INAM")
        .map(|(_, data)| text(data))
        .unwrap_or_default();
    let mut presets: Vec<PresetSummary> = font
        .presets
        .iter()
        .map(|p| PresetSummary {
            bank: p.bank,
            program: p.program,
            name: text(&p.name),
        })
        .collect();
    presets.sort_by(|a, b| (a.bank, a.program, &a.name).cmp(&(b.bank, b.program, &b.name)));
    SoundFontSummary {
        kind,
        name,
        presets,
        sample_count: font.samples.len(),
        sample_data_bytes: font.sample_data.len().saturating_mul(2),
    }
}
