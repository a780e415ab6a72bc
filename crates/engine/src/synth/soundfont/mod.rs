//! SoundFont files between the disk and the synthesizer: this module owns reading a SoundFont
//! (SF2 or SF3), checking everything rustysynth would trust, repairing what can be repaired,
//! decoding SF3's Ogg Vorbis samples, and writing SF2 bytes. [`prepare`] does it all for a file;
//! [`prepare_lazily`] leaves SF3 samples compressed, and `file.rs` does that from an open file
//! without reading the samples into memory. [`writer`] and [`hydra`] let the built-in font and
//! tests write their own fonts.
//!
//! rustysynth trusts the file it reads: on malformed input it can index out of bounds, overflow
//! `i32` arithmetic (a panic in builds with overflow checks) or read past its sample buffer while
//! rendering. The checks are in `riff.rs` (the chunk structure), `hydra.rs` (the pdta records)
//! and `repair.rs` (what the zones refer to, and what would make rendering fail).

mod error;
mod file;
pub mod hydra;
mod repair;
mod riff;
mod vorbis;
pub mod writer;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::ops::Range;

pub use error::{SampleDecodeError, SoundFontError, ZoneProblem};
pub(crate) use file::prepare_lazily_from_file;
use hydra::{text, SAMPLE_TYPE_VORBIS};
use vorbis::ChunkBytes;
pub use vorbis::{decode_all, decode_into, CompressedSample, DecodeJob};
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
    let parsed = Parsed::of(bytes)?;
    if parsed.kind == SoundFontKind::Sf2 {
        return prepare_sf2(bytes, parsed);
    }
    let (mut samples, mut notes) = (parsed.hydra.samples, parsed.notes);
    let (layout, total) = vorbis::layout_sf3(&mut { parsed.smpl }, &mut samples, &mut notes)?;
    let (pcm, failed) = vorbis::decode_layout(parsed.smpl, &layout, total)?;
    for (i, cause) in failed {
        // An empty sample: the repair drops the zones that play it, or names it.
        if let Some(s) = samples.get_mut(i) {
            s.end = s.start;
            s.loop_start = s.start;
            s.loop_end = s.start;
        }
        if let Some(note) = notes.get_mut(i) {
            *note = Some(cause);
        }
    }
    let mut font = Sf2 {
        info: parsed.info,
        presets: parsed.hydra.presets,
        instruments: parsed.hydra.instruments,
        samples,
        sample_data: SampleData::from_points(pcm),
    };
    repair::repair(&mut font, &notes)?;
    let summary = summarize(&font, SoundFontKind::Sf3);
    Ok((Cow::Owned(write_sf2(&font)?), summary))
}

/// What [`prepare_lazily`] makes of a font.
#[derive(Debug)]
pub enum Prepared<'a> {
    /// SF2 bytes the synthesizer loads as they are, as [`prepare`] returns them.
    Sf2(Cow<'a, [u8]>),
    /// An SF3 font whose samples are still compressed.
    Sf3(LazyFont),
}

/// How a lazily loaded font's samples are stored in its `smpl` chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleCodec {
    /// SF3: one Ogg Vorbis stream per sample, decoded into a packed layout (guard points
    /// between the samples).
    Vorbis,
    /// SF2: 16-bit little-endian points, read into their own places in the data (the headers
    /// keep the file's positions).
    Pcm16,
}

/// A font validated without reading its samples: the hydra, and where each sample's data is.
/// For SF3 the samples' lengths come from their Ogg pages.
#[derive(Debug)]
pub struct LazyFont {
    /// The font as SF2 bytes with an empty `smpl` chunk. Its sample headers place each sample
    /// where it would be if all were decoded (SF3) or read (SF2), in
    /// [`points`](Self::points) points of data.
    pub hydra: Vec<u8>,
    pub codec: SampleCodec,
    pub points: usize,
    /// One per sample header, in order.
    pub samples: Vec<CompressedSample>,
    /// The `smpl` chunk's data: byte range in the bytes given to [`prepare_lazily`] (in the
    /// file, for a file laid out without its samples), which [`CompressedSample::bytes`] count
    /// from.
    pub smpl: Range<usize>,
}

/// Validates a SoundFont (SF2 or SF3) as [`prepare`] does, but leaves SF3 samples compressed:
/// they are decoded when needed ([`decode_all`]).
pub fn prepare_lazily(bytes: &[u8]) -> Result<(Prepared<'_>, SoundFontSummary), SoundFontError> {
    prepare_lazily_reading(bytes, None)
}

/// [`prepare_lazily`] for bytes whose `smpl` chunk holds zeros in place of its data, which
/// `smpl` reads instead (an SF3 file read without its samples). The data must be Ogg Vorbis: a
/// font whose sample headers are not marked as compressed is [`SoundFontError::UnmarkedVorbis`].
fn prepare_lazily_reading<'a>(
    bytes: &'a [u8],
    smpl: Option<&mut dyn ChunkBytes>,
) -> Result<(Prepared<'a>, SoundFontSummary), SoundFontError> {
    let parsed = Parsed::of(bytes)?;
    if parsed.kind == SoundFontKind::Sf2 {
        if smpl.is_some() {
            return Err(SoundFontError::UnmarkedVorbis);
        }
        let (sf2, summary) = prepare_sf2(bytes, parsed)?;
        return Ok((Prepared::Sf2(sf2), summary));
    }
    let (mut samples, mut notes) = (parsed.hydra.samples, parsed.notes);
    let mut in_bytes = parsed.smpl;
    let (layout, total) = match smpl {
        Some(smpl) => vorbis::layout_sf3(smpl, &mut samples, &mut notes)?,
        None => vorbis::layout_sf3(&mut in_bytes, &mut samples, &mut notes)?,
    };
    let mut font = Sf2 {
        info: parsed.info,
        presets: parsed.hydra.presets,
        instruments: parsed.hydra.instruments,
        samples,
        sample_data: SampleData {
            elsewhere: total,
            ..SampleData::default()
        },
    };
    repair::repair(&mut font, &notes)?;
    let summary = summarize(&font, SoundFontKind::Sf3);
    let smpl_at = (parsed.smpl.as_ptr() as usize).saturating_sub(bytes.as_ptr() as usize);
    let font = LazyFont {
        hydra: write_sf2(&font)?,
        codec: SampleCodec::Vorbis,
        points: font.sample_data.len(),
        samples: layout,
        smpl: smpl_at..smpl_at + parsed.smpl.len(),
    };
    Ok((Prepared::Sf3(font), summary))
}

/// A plain SF2 font validated and repaired as [`prepare`] does, from bytes whose `smpl` chunk
/// holds zeros in place of its data, laid out for reading its samples when renders need them:
/// the hydra (headers at the file's positions) and each sample's points in the chunk.
/// `Ok(None)` when the font is not SF2, or when its repair computed sample points (those are
/// loaded whole instead).
fn prepare_sf2_on_demand(
    bytes: &[u8],
) -> Result<Option<(LazyFont, SoundFontSummary)>, SoundFontError> {
    let parsed = Parsed::of(bytes)?;
    if parsed.kind != SoundFontKind::Sf2 {
        return Ok(None);
    }
    let smpl_at = (parsed.smpl.as_ptr() as usize).saturating_sub(bytes.as_ptr() as usize);
    let smpl_len = parsed.smpl.len();
    let (mut font, notes) = parsed.into_sf2();
    repair::repair(&mut font, &notes)?;
    // Guard points the repair appended are zeros, as the unread data is; anything else it
    // computed is not in the file.
    if font.sample_data.appended.iter().any(|&p| p != 0) {
        return Ok(None);
    }
    let points = font.sample_data.len();
    let summary = summarize(&font, SoundFontKind::Sf2);
    let samples = font
        .samples
        .iter()
        .map(|s| {
            let (start, end) = (s.start as usize, (s.end as usize).min(points));
            let len = end.saturating_sub(start);
            CompressedSample {
                bytes: 2 * start..2 * (start + len),
                start,
                len,
            }
        })
        .collect();
    font.sample_data = SampleData {
        elsewhere: points,
        ..SampleData::default()
    };
    let font = LazyFont {
        hydra: write_sf2(&font)?,
        codec: SampleCodec::Pcm16,
        points,
        samples,
        smpl: smpl_at..smpl_at + smpl_len,
    };
    Ok(Some((font, summary)))
}

/// The SF2 path of [`prepare`]: the bytes as they are when rustysynth reads them as we do and
/// nothing needs repair, else rewritten.
fn prepare_sf2<'a>(
    bytes: &'a [u8],
    parsed: Parsed<'a>,
) -> Result<(Cow<'a, [u8]>, SoundFontSummary), SoundFontError> {
    if parsed.smpl.starts_with(b"OggS") {
        return Err(SoundFontError::UnmarkedVorbis);
    }
    // An odd last byte is not a sample point; the writer leaves it out.
    let mut changed = !parsed.clean || !parsed.smpl.len().is_multiple_of(2);
    let (mut font, notes) = parsed.into_sf2();
    changed |= repair::repair(&mut font, &notes)?;
    let summary = summarize(&font, SoundFontKind::Sf2);
    if changed {
        Ok((Cow::Owned(write_sf2(&font)?), summary))
    } else {
        Ok((Cow::Borrowed(bytes), summary))
    }
}

/// A font's RIFF layout and hydra, parsed and checked.
struct Parsed<'a> {
    info: Vec<([u8; 4], &'a [u8])>,
    smpl: &'a [u8],
    hydra: hydra::Hydra,
    kind: SoundFontKind,
    /// The layout is the one rustysynth reads.
    clean: bool,
    /// Why a sample is empty, for messages (one per sample).
    notes: Vec<Option<SampleDecodeError>>,
}

impl<'a> Parsed<'a> {
    /// The font to repair and write, its samples the stored `smpl` data, and why each sample
    /// is empty.
    fn into_sf2(self) -> (Sf2<'a>, Vec<Option<SampleDecodeError>>) {
        let font = Sf2 {
            info: self.info,
            presets: self.hydra.presets,
            instruments: self.hydra.instruments,
            samples: self.hydra.samples,
            sample_data: SampleData {
                stored: self.smpl,
                ..SampleData::default()
            },
        };
        (font, self.notes)
    }

    fn of(bytes: &'a [u8]) -> Result<Self, SoundFontError> {
        let layout = riff::parse_layout(bytes)?;
        let hydra = hydra::parse_hydra(&layout)?;
        let kind = if hydra
            .samples
            .iter()
            .any(|s| s.sample_type & SAMPLE_TYPE_VORBIS != 0)
        {
            SoundFontKind::Sf3
        } else {
            SoundFontKind::Sf2
        };
        Ok(Parsed {
            info: layout.info,
            smpl: layout.smpl,
            notes: vec![None; hydra.samples.len()],
            hydra,
            kind,
            clean: layout.clean,
        })
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
