//! The SF2 writer: lays out a SoundFont the way rustysynth reads it. The `INFO`, `sdta` and
//! `pdta` lists back to back, `ifil` first, INFO strings NUL-terminated and even-sized, the
//! nine hydra chunks in the specification's order, each level ending with its terminal record.
//!
//! It writes what it is given: [`prepare`](super::prepare) validates and repairs first; the
//! built-in font and tests build their fonts correct.

use super::error::SoundFontError;
use super::hydra::{name, Instrument, Preset, SampleHeader, Zone};

/// Zero sample points after each sample, as the SF2 specification asks (the synthesizer's
/// interpolation reads a little past a sample's end).
pub const GUARD_POINTS: usize = 46;

/// A whole SoundFont, ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sf2<'a> {
    /// INFO sub-chunks (ID, data). `ifil` is written first: the first one with major version 2,
    /// else 2.01. `iver` is copied; the others are strings, cut at their first NUL.
    pub info: Vec<([u8; 4], &'a [u8])>,
    pub presets: Vec<Preset>,
    pub instruments: Vec<Instrument>,
    pub samples: Vec<SampleHeader>,
    pub sample_data: SampleData<'a>,
}

/// The `smpl` chunk: 16-bit sample points, those stored in a file (borrowed, little-endian
/// bytes) followed by computed ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SampleData<'a> {
    /// Little-endian points as a file stores them; an odd last byte is not part of them.
    pub stored: &'a [u8],
    /// Points after the stored ones: decoded or synthesised samples, guard points.
    pub appended: Vec<i16>,
    /// Points the sample headers address that are held elsewhere (SF3 samples decoded on
    /// demand). With any, the writer leaves the `smpl` chunk empty: the reader is told the
    /// total, [`len`](Self::len), instead.
    pub elsewhere: usize,
}

impl<'a> SampleData<'a> {
    /// Sample data that is all computed points.
    pub fn from_points(points: Vec<i16>) -> Self {
        SampleData {
            stored: &[],
            appended: points,
            elsewhere: 0,
        }
    }

    /// Number of sample points the headers address.
    pub fn len(&self) -> usize {
        self.stored.len() / 2 + self.appended.len() + self.elsewhere
    }

    /// Number of sample points the writer writes.
    fn written(&self) -> usize {
        if self.elsewhere > 0 {
            0
        } else {
            self.len()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Writes the font as SF2 bytes.
pub fn write_sf2(font: &Sf2) -> Result<Vec<u8>, SoundFontError> {
    let info = info_chunks(&font.info);
    let pdta = pdta_chunks(font)?;
    let smpl_bytes = (font.sample_data.written() as u64) * 2;
    let info_size = 4 + info.iter().map(|(_, d)| 8 + d.len() as u64).sum::<u64>();
    let sdta_size = 4 + 8 + smpl_bytes;
    let pdta_size = 4 + pdta.iter().map(|(_, d)| 8 + d.len() as u64).sum::<u64>();
    let riff_size = 4 + (8 + info_size) + (8 + sdta_size) + (8 + pdta_size);
    // Every other size is smaller: once this one fits, the chunk headers cannot fail.
    u32::try_from(riff_size).map_err(|_| SoundFontError::FileTooLarge)?;

    let mut out: Vec<u8> = Vec::new();
    let total = usize::try_from(riff_size)
        .ok()
        .and_then(|v| v.checked_add(8))
        .ok_or(SoundFontError::FileTooLarge)?;
    out.try_reserve_exact(total)
        .map_err(|_| SoundFontError::OutOfMemoryForFile { bytes: total })?;
    chunk_header(&mut out, b"RIFF", riff_size)?;
    out.extend_from_slice(b"sfbk");

    chunk_header(&mut out, b"LIST", info_size)?;
    out.extend_from_slice(b"INFO");
    for (id, data) in &info {
        chunk_header(&mut out, id, data.len() as u64)?;
        out.extend_from_slice(data);
    }

    chunk_header(&mut out, b"LIST", sdta_size)?;
    out.extend_from_slice(b"sdta");
    chunk_header(&mut out, b"smpl", smpl_bytes)?;
    let data = &font.sample_data;
    if data.written() > 0 {
        out.extend_from_slice(
            data.stored
                .get(..data.stored.len() / 2 * 2)
                .unwrap_or_default(),
        );
        for x in &data.appended {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }

    chunk_header(&mut out, b"LIST", pdta_size)?;
    out.extend_from_slice(b"pdta");
    for (id, data) in pdta {
        chunk_header(&mut out, id, data.len() as u64)?;
        out.extend_from_slice(&data);
    }
    Ok(out)
}

fn chunk_header(out: &mut Vec<u8>, id: &[u8; 4], size: u64) -> Result<(), SoundFontError> {
    let size = u32::try_from(size).map_err(|_| SoundFontError::FileTooLarge)?;
    out.extend_from_slice(id);
    push32(out, size);
    Ok(())
}

/// The version first, then the other chunks in order, strings NUL-terminated and even-sized.
fn info_chunks(info: &[([u8; 4], &[u8])]) -> Vec<([u8; 4], Vec<u8>)> {
    let version = info
        .iter()
        .find(|(id, data)| id == b"ifil" && data.first() == Some(&2))
        .map_or(vec![2, 0, 1, 0], |(_, data)| data.to_vec());
    let mut chunks: Vec<([u8; 4], Vec<u8>)> = vec![(*b"ifil", version)];
    for (id, data) in info {
        match id {
            b"ifil" => {}
            b"iver" => chunks.push((*id, data.to_vec())),
            _ => {
                let end = data.iter().position(|&c| c == 0).unwrap_or(data.len());
                let mut s = data.get(..end).unwrap_or_default().to_vec();
                s.push(0);
                if s.len() % 2 == 1 {
                    s.push(0);
                }
                chunks.push((*id, s));
            }
        }
    }
    chunks
}

fn push16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn push32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn index16(n: usize, what: &'static str) -> Result<u16, SoundFontError> {
    u16::try_from(n).map_err(|_| SoundFontError::TooManyRecords { what, count: n })
}

/// A chunk to write: its ID and data.
type Chunk = (&'static [u8; 4], Vec<u8>);

/// The nine hydra chunks, in the order the specification gives.
fn pdta_chunks(font: &Sf2) -> Result<[Chunk; 9], SoundFontError> {
    let preset_level = write_level(font.presets.iter().map(|p| &p.zones))?;
    let mut phdr = Vec::with_capacity((font.presets.len() + 1) * 38);
    for (p, bag) in font.presets.iter().zip(&preset_level.starts) {
        phdr.extend_from_slice(&p.name);
        push16(&mut phdr, p.program);
        push16(&mut phdr, p.bank);
        push16(&mut phdr, *bag);
        push32(&mut phdr, p.library);
        push32(&mut phdr, p.genre);
        push32(&mut phdr, p.morphology);
    }
    phdr.extend_from_slice(&name("EOP"));
    push16(&mut phdr, 0);
    push16(&mut phdr, 0);
    push16(&mut phdr, preset_level.starts.last().copied().unwrap_or(0));
    phdr.extend_from_slice(&[0; 12]);

    let inst_level = write_level(font.instruments.iter().map(|i| &i.zones))?;
    let mut inst = Vec::with_capacity((font.instruments.len() + 1) * 22);
    for (i, bag) in font.instruments.iter().zip(&inst_level.starts) {
        inst.extend_from_slice(&i.name);
        push16(&mut inst, *bag);
    }
    inst.extend_from_slice(&name("EOI"));
    push16(&mut inst, inst_level.starts.last().copied().unwrap_or(0));

    Ok([
        (b"phdr", phdr),
        (b"pbag", preset_level.bag),
        (b"pmod", preset_level.modu),
        (b"pgen", preset_level.gen),
        (b"inst", inst),
        (b"ibag", inst_level.bag),
        (b"imod", inst_level.modu),
        (b"igen", inst_level.gen),
        (b"shdr", sample_headers(&font.samples)),
    ])
}

/// The bag, generator and modulator chunks of one level, and each header's first bag.
struct Level {
    starts: Vec<u16>,
    bag: Vec<u8>,
    gen: Vec<u8>,
    modu: Vec<u8>,
}

fn write_level<'z>(lists: impl Iterator<Item = &'z Vec<Zone>>) -> Result<Level, SoundFontError> {
    let mut level = Level {
        starts: Vec::new(),
        bag: Vec::new(),
        gen: Vec::new(),
        modu: Vec::new(),
    };
    let (mut zones, mut gens, mut mods) = (0usize, 0usize, 0usize);
    for list in lists {
        level.starts.push(index16(zones, "zones")?);
        for zone in list {
            push16(&mut level.bag, index16(gens, "generators")?);
            push16(&mut level.bag, index16(mods, "modulators")?);
            for g in &zone.generators {
                push16(&mut level.gen, g.oper);
                push16(&mut level.gen, g.amount);
            }
            for m in &zone.modulators {
                push16(&mut level.modu, m.source);
                push16(&mut level.modu, m.destination);
                push16(&mut level.modu, m.amount as u16);
                push16(&mut level.modu, m.amount_source);
                push16(&mut level.modu, m.transform);
            }
            zones += 1;
            gens += zone.generators.len();
            mods += zone.modulators.len();
        }
    }
    level.starts.push(index16(zones, "zones")?);
    push16(&mut level.bag, index16(gens, "generators")?);
    push16(&mut level.bag, index16(mods, "modulators")?);
    level.gen.extend_from_slice(&[0; 4]);
    level.modu.extend_from_slice(&[0; 10]);
    Ok(level)
}

fn sample_headers(samples: &[SampleHeader]) -> Vec<u8> {
    let mut shdr = Vec::with_capacity((samples.len() + 1) * 46);
    for s in samples {
        shdr.extend_from_slice(&s.name);
        for v in [s.start, s.end, s.loop_start, s.loop_end, s.sample_rate] {
            push32(&mut shdr, v);
        }
        shdr.push(s.original_pitch);
        shdr.extend_from_slice(&s.pitch_correction.to_le_bytes());
        push16(&mut shdr, s.link);
        push16(&mut shdr, s.sample_type);
    }
    shdr.extend_from_slice(&name("EOS"));
    shdr.extend_from_slice(&[0; 26]);
    shdr
}
