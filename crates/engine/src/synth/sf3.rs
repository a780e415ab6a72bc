//! Prepares SoundFont bytes for the synthesizer (rustysynth 1.3.8): validation, repair, and
//! SF3 to SF2 conversion.
//!
//! rustysynth trusts the file it reads. On malformed input it can index out of bounds, overflow
//! `i32` arithmetic (a panic in builds with overflow checks) or read past its sample buffer while
//! rendering. [`prepare`] checks everything rustysynth reads and hands it bytes it can load and
//! play without panicking:
//!
//! * **Layout.** The RIFF chunk and its `INFO`, `sdta` and `pdta` lists, with every chunk inside
//!   its parent. rustysynth reads the three lists in that order straight after the RIFF header,
//!   with no RIFF pad bytes, and refuses chunk IDs it does not know; anything else (pad bytes,
//!   other chunks, another order, an `ifil`/`iver` chunk that is not 4 bytes, an odd `smpl` size)
//!   is repaired by writing the file out again in the layout rustysynth expects.
//! * **Hydra.** Record sizes (phdr 38, pbag 4, pmod 10, pgen 4, inst 22, ibag 4, imod 10, igen 4,
//!   shdr 46) and the terminal records; bag, generator and modulator indices must not decrease
//!   and must stay inside their chunks (rustysynth indexes with them unchecked). A preset or
//!   instrument without zones (which rustysynth rejects) gets one empty zone.
//! * **Regions.** rustysynth builds and sanity-checks a region for every instrument zone, used
//!   or not, from the sample header plus the address-offset generators, in `i32`. Sample and
//!   instrument indices must exist; a used sample must not be empty, start after its end or end
//!   past the sample data. Zones of instruments no preset uses that fail these checks are dropped.
//!   Loop points past the sample data (which rustysynth rejects) are reset to the sample's start
//!   and end, as FluidSynth does; loops outside the sample but inside the data, and reversed or
//!   empty loops (rustysynth plays those once, unlooped), are left alone, as real fonts have them.
//!   A sample that ends exactly at the end of the data gets the 46 zero guard points the
//!   specification asks for.
//! * **Rendering.** A sample rate of zero or below becomes 44100 Hz. initialFilterQ and
//!   modLfoToVolume are clamped to the specification's +-96 dB (beyond it rustysynth's gain
//!   becomes infinite), and an instrument resonance that sums with a preset's negative offset to
//!   -1.6..-1.0 dB (where rustysynth's filter has a negative Q and its output grows without
//!   bound) is moved out of that band by at most 1.6 dB. Loops shorter than the pitch step (a
//!   high note on a tiny loop) need no repair: upstream rustysynth steps back over a loop at most
//!   once per output sample and so walks out of such a loop and past its buffer, but our fork
//!   (`rae_synth`, which the engine uses) wraps by whole loop lengths, reads with bounds checks
//!   and bounds the pitch step, so such loops play correctly. A font that needs no repair is
//!   returned as it is, without a copy.
//!
//! SF3 files (MuseScore's format: `smpl` holds one Ogg Vorbis stream per sample, sample headers
//! give byte offsets of the stream and loop points relative to the start of the decoded sample,
//! sample type has bit 0x10 set) are decoded with `lewton` and rebuilt as a 16-bit PCM SF2 at the
//! samples' own rates.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// Validate a SoundFont (SF2 or SF3) and return SF2 bytes that rustysynth can load without
/// panicking, plus a summary.
///
/// SF2 input that needs no repair is returned unchanged (`Cow::Borrowed`). SF3 input is decoded
/// and rebuilt as a 16-bit PCM SF2. Errors describe the problem; the caller adds the file name.
pub fn prepare(bytes: &[u8]) -> Result<(Cow<'_, [u8]>, SoundFontSummary), String> {
    let layout = parse_layout(bytes)?;
    let hydra = parse_hydra(&layout)?;
    let mut changed = !layout.clean;

    let presets = build_presets(&hydra)?;
    let instruments = build_instruments(&hydra)?;
    let mut samples = hydra.samples;

    let compressed = samples
        .iter()
        .filter(|s| s.kind & SAMPLE_TYPE_VORBIS != 0)
        .count();
    let kind = if compressed > 0 {
        SoundFontKind::Sf3
    } else {
        SoundFontKind::Sf2
    };

    let mut notes: Vec<Option<String>> = vec![None; samples.len()];
    let pcm = match kind {
        SoundFontKind::Sf3 => {
            changed = true;
            Pcm::Decoded(convert_sf3(layout.smpl, &mut samples, &mut notes)?)
        }
        SoundFontKind::Sf2 => {
            if layout.smpl.starts_with(b"OggS") {
                return Err(
                    "the sample data is Ogg Vorbis (SF3) but no sample header is marked \
                     as compressed"
                        .into(),
                );
            }
            let even = layout.smpl.len() - layout.smpl.len() % 2;
            if even != layout.smpl.len() {
                changed = true;
            }
            Pcm::Bytes(layout.smpl.get(..even).unwrap_or_default())
        }
    };

    let mut model = Model {
        presets,
        instruments,
        samples,
        pcm,
        extra: Vec::new(),
        notes,
    };
    if repair(&mut model)? {
        changed = true;
    }

    let summary = summarize(&model, &layout, kind);
    if changed {
        let out = write_sf2(&model, &layout.info)?;
        Ok((Cow::Owned(out), summary))
    } else {
        Ok((Cow::Borrowed(bytes), summary))
    }
}

// ---------------------------------------------------------------------------------------------
// Constants

const SAMPLE_TYPE_VORBIS: u16 = 0x10;

/// Zero sample points after each sample (and before the first) in rebuilt sample data, as the
/// SF2 specification asks.
const GUARD: usize = 46;

/// Most sample points in the sample data: the `smpl` chunk and the file must fit a RIFF size.
const MAX_PCM_SAMPLES: usize = (u32::MAX as usize - (1 << 24)) / 2;

const GEN_COUNT: usize = 61;
const GEN_START_OFFSET: u16 = 0;
const GEN_END_OFFSET: u16 = 1;
const GEN_START_LOOP_OFFSET: u16 = 2;
const GEN_END_LOOP_OFFSET: u16 = 3;
const GEN_START_COARSE: u16 = 4;
const GEN_FILTER_Q: u16 = 9;
const GEN_END_COARSE: u16 = 12;
const GEN_MOD_LFO_TO_VOLUME: u16 = 13;
const GEN_INSTRUMENT: u16 = 41;
const GEN_START_LOOP_COARSE: u16 = 45;
const GEN_END_LOOP_COARSE: u16 = 50;
const GEN_SAMPLE_ID: u16 = 53;

/// INFO sub-chunks rustysynth reads; any other ID makes it refuse the file.
const INFO_IDS: [&[u8; 4]; 11] = [
    b"ifil", b"isng", b"INAM", b"irom", b"iver", b"ICRD", b"IENG", b"IPRD", b"ICOP", b"ICMT",
    b"ISFT",
];
const PDTA_IDS: [&[u8; 4]; 9] = [
    b"phdr", b"pbag", b"pmod", b"pgen", b"inst", b"ibag", b"imod", b"igen", b"shdr",
];

// ---------------------------------------------------------------------------------------------
// Byte helpers

fn le16(b: &[u8], at: usize) -> u16 {
    match at.checked_add(2).and_then(|end| b.get(at..end)) {
        Some(&[x, y]) => u16::from_le_bytes([x, y]),
        _ => 0,
    }
}

fn le32(b: &[u8], at: usize) -> u32 {
    match at.checked_add(4).and_then(|end| b.get(at..end)) {
        Some(&[a, c, d, e]) => u32::from_le_bytes([a, c, d, e]),
        _ => 0,
    }
}

fn four(b: &[u8], at: usize) -> Option<[u8; 4]> {
    match at.checked_add(4).and_then(|end| b.get(at..end)) {
        Some(&[a, c, d, e]) => Some([a, c, d, e]),
        _ => None,
    }
}

fn name20(b: &[u8], at: usize) -> [u8; 20] {
    let mut out = [0u8; 20];
    if let Some(src) = at.checked_add(20).and_then(|end| b.get(at..end)) {
        out.copy_from_slice(src);
    }
    out
}

/// A FourCC for messages.
fn fourcc(id: &[u8]) -> String {
    id.iter()
        .map(|&c| {
            if c.is_ascii_graphic() || c == b' ' {
                char::from(c)
            } else {
                '?'
            }
        })
        .collect()
}

/// A fixed-length string as rustysynth reads it: up to the first NUL, non-ASCII as '?'.
fn text(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let s: String = b
        .get(..end)
        .unwrap_or_default()
        .iter()
        .map(|&c| {
            if (9..=126).contains(&c) {
                char::from(c)
            } else {
                '?'
            }
        })
        .collect();
    s.trim_end().to_string()
}

fn looks_like_id(b: &[u8], at: usize) -> bool {
    four(b, at).is_some_and(|id| id.iter().all(|c| (0x20..=0x7e).contains(c)))
}

// ---------------------------------------------------------------------------------------------
// RIFF layout

struct RawChunk<'a> {
    id: [u8; 4],
    at: usize,
    data: &'a [u8],
}

struct Layout<'a> {
    info: Vec<([u8; 4], &'a [u8])>,
    smpl: &'a [u8],
    pdta: Vec<RawChunk<'a>>,
    /// rustysynth reads this file exactly as we do.
    clean: bool,
}

/// The chunks in `bytes[start..end]`. `what` names the container for messages.
fn walk<'a>(
    bytes: &'a [u8],
    start: usize,
    end: usize,
    what: &str,
    clean: &mut bool,
) -> Result<Vec<RawChunk<'a>>, String> {
    let mut out = Vec::new();
    let mut pos = start;
    while pos < end {
        if end - pos < 8 {
            // Stray bytes at the end of a list; rustysynth would read them as a chunk header.
            *clean = false;
            break;
        }
        let id = four(bytes, pos).unwrap_or_default();
        let size = le32(bytes, pos + 4) as usize;
        let data_start = pos + 8;
        let data_end = data_start
            .checked_add(size)
            .filter(|&e| e <= end)
            .ok_or_else(|| {
                let name = if &id == b"LIST" {
                    format!(
                        "list '{}'",
                        fourcc(&four(bytes, data_start).unwrap_or_default())
                    )
                } else {
                    format!("chunk '{}'", fourcc(&id))
                };
                format!(
                    "{name} at byte {pos} has size {size}, which runs past the end of {what} \
                     at byte {end}"
                )
            })?;
        out.push(RawChunk {
            id,
            at: pos,
            data: bytes.get(data_start..data_end).unwrap_or_default(),
        });
        pos = data_end;
        if size % 2 == 1 && pos < end {
            // RIFF pads odd-sized chunks to an even length; some writers (MuseScore) do not.
            if pos + 1 == end || (!looks_like_id(bytes, pos) && looks_like_id(bytes, pos + 1)) {
                pos += 1;
                *clean = false;
            }
        }
    }
    Ok(out)
}

fn parse_layout(bytes: &[u8]) -> Result<Layout<'_>, String> {
    if bytes.len() < 12 {
        return Err(format!(
            "the file is too short to be a SoundFont ({} bytes)",
            bytes.len()
        ));
    }
    if !bytes.starts_with(b"RIFF") {
        return Err(format!(
            "not a SoundFont: the file starts with '{}', not 'RIFF'",
            fourcc(bytes.get(..4).unwrap_or_default())
        ));
    }
    if bytes.get(8..12) != Some(b"sfbk".as_slice()) {
        return Err(format!(
            "not a SoundFont: the RIFF form type is '{}', not 'sfbk'",
            fourcc(bytes.get(8..12).unwrap_or_default())
        ));
    }
    let riff_size = le32(bytes, 4) as usize;
    let riff_end = riff_size
        .checked_add(8)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| {
            format!(
                "the RIFF chunk size {riff_size} runs past the end of the file at byte {} \
                 (the file is truncated or corrupt)",
                bytes.len()
            )
        })?;

    let mut clean = true;
    let top = walk(bytes, 12, riff_end, "the RIFF chunk", &mut clean)?;
    let mut lists: [Option<(usize, &RawChunk)>; 3] = [None, None, None];
    for (n, chunk) in top.iter().enumerate() {
        if &chunk.id != b"LIST" {
            clean = false;
            continue;
        }
        let Some(kind) = four(chunk.data, 0) else {
            return Err(format!(
                "the LIST chunk at byte {} is too short ({} bytes) to have a type",
                chunk.at,
                chunk.data.len()
            ));
        };
        let slot = match &kind {
            b"INFO" => 0,
            b"sdta" => 1,
            b"pdta" => 2,
            _ => {
                clean = false;
                continue;
            }
        };
        if let Some(entry) = lists.get_mut(slot) {
            if entry.is_some() {
                return Err(format!("the file has two '{}' lists", fourcc(&kind)));
            }
            *entry = Some((n, chunk));
        }
    }
    let [Some(info), Some(sdta), Some(pdta)] = lists else {
        let missing: Vec<&str> = ["INFO", "sdta", "pdta"]
            .iter()
            .zip(lists.iter())
            .filter(|(_, l)| l.is_none())
            .map(|(name, _)| *name)
            .collect();
        return Err(format!("the file has no '{}' list", missing.join("' or '")));
    };
    // rustysynth reads INFO, sdta and pdta back to back from byte 12, without pad bytes.
    let contiguous =
        |first: &RawChunk, second: &RawChunk| first.data.len() + first.at + 8 == second.at;
    if !(info.0 == 0
        && sdta.0 == 1
        && pdta.0 == 2
        && info.1.at == 12
        && contiguous(info.1, sdta.1)
        && contiguous(sdta.1, pdta.1))
    {
        clean = false;
    }

    let sub = |list: &RawChunk, name: &str, clean: &mut bool| {
        let start = list.at + 12;
        let end = list.at + 8 + list.data.len();
        walk(bytes, start, end, &format!("the '{name}' list"), clean)
    };

    let mut info_items = Vec::new();
    for c in sub(info.1, "INFO", &mut clean)? {
        if !INFO_IDS.contains(&&c.id) {
            clean = false;
            continue;
        }
        if (&c.id == b"ifil" || &c.id == b"iver") && c.data.len() != 4 {
            clean = false;
            continue;
        }
        info_items.push((c.id, c.data));
    }

    let mut smpl = None;
    for c in sub(sdta.1, "sdta", &mut clean)? {
        match &c.id {
            b"smpl" => {
                if smpl.is_some() {
                    return Err("the 'sdta' list has two 'smpl' chunks".into());
                }
                smpl = Some(c.data);
            }
            b"sm24" => {}
            _ => clean = false,
        }
    }
    let Some(smpl) = smpl else {
        return Err("the 'sdta' list has no 'smpl' chunk (no sample data)".into());
    };

    let mut pdta_chunks: Vec<RawChunk> = Vec::new();
    for c in sub(pdta.1, "pdta", &mut clean)? {
        if !PDTA_IDS.contains(&&c.id) {
            clean = false;
            continue;
        }
        if pdta_chunks.iter().any(|p| p.id == c.id) {
            return Err(format!(
                "the 'pdta' list has two '{}' chunks",
                fourcc(&c.id)
            ));
        }
        pdta_chunks.push(c);
    }

    Ok(Layout {
        info: info_items,
        smpl,
        pdta: pdta_chunks,
        clean,
    })
}

// ---------------------------------------------------------------------------------------------
// Hydra records

#[derive(Clone, Copy)]
struct PresetHeader {
    name: [u8; 20],
    program: u16,
    bank: u16,
    bag: u16,
    library: u32,
    genre: u32,
    morphology: u32,
}

#[derive(Clone, Copy)]
struct InstHeader {
    name: [u8; 20],
    bag: u16,
}

#[derive(Clone, Copy)]
struct Bag {
    gen: u16,
    modu: u16,
}

type Gen = (u16, u16);
type Modulator = [u8; 10];

#[derive(Clone, Copy, Debug)]
struct SampleHeader {
    name: [u8; 20],
    start: u32,
    end: u32,
    loop_start: u32,
    loop_end: u32,
    rate: u32,
    pitch: u8,
    correction: i8,
    link: u16,
    kind: u16,
}

struct Hydra {
    phdr: Vec<PresetHeader>,
    pbag: Vec<Bag>,
    pmod: Vec<Modulator>,
    pgen: Vec<Gen>,
    inst: Vec<InstHeader>,
    ibag: Vec<Bag>,
    imod: Vec<Modulator>,
    igen: Vec<Gen>,
    /// Without the terminal record.
    samples: Vec<SampleHeader>,
}

/// The records of a pdta chunk. A missing optional chunk has no records.
fn records<'a>(
    layout: &Layout<'a>,
    id: &[u8; 4],
    size: usize,
    required: bool,
) -> Result<Vec<&'a [u8]>, String> {
    let Some(chunk) = layout.pdta.iter().find(|c| &c.id == id) else {
        if required {
            return Err(format!("the 'pdta' list has no '{}' chunk", fourcc(id)));
        }
        return Ok(Vec::new());
    };
    let len = chunk.data.len();
    if len % size != 0 {
        return Err(format!(
            "the '{}' chunk size {len} is not a multiple of {size} (the size of one record)",
            fourcc(id)
        ));
    }
    if len == 0 && required {
        return Err(format!(
            "the '{}' chunk is empty: it needs at least its terminal record",
            fourcc(id)
        ));
    }
    Ok(chunk.data.chunks_exact(size).collect())
}

fn parse_hydra(layout: &Layout) -> Result<Hydra, String> {
    let bags = |id: &[u8; 4]| -> Result<Vec<Bag>, String> {
        Ok(records(layout, id, 4, true)?
            .into_iter()
            .map(|r| Bag {
                gen: le16(r, 0),
                modu: le16(r, 2),
            })
            .collect())
    };
    let gens = |id: &[u8; 4]| -> Result<Vec<Gen>, String> {
        Ok(records(layout, id, 4, true)?
            .into_iter()
            .map(|r| (le16(r, 0), le16(r, 2)))
            .collect())
    };
    let mods = |id: &[u8; 4]| -> Result<Vec<Modulator>, String> {
        Ok(records(layout, id, 10, false)?
            .into_iter()
            .map(|r| {
                let mut m = [0u8; 10];
                m.copy_from_slice(r.get(..10).unwrap_or(&[0u8; 10]));
                m
            })
            .collect())
    };
    let phdr: Vec<PresetHeader> = records(layout, b"phdr", 38, true)?
        .into_iter()
        .map(|r| PresetHeader {
            name: name20(r, 0),
            program: le16(r, 20),
            bank: le16(r, 22),
            bag: le16(r, 24),
            library: le32(r, 26),
            genre: le32(r, 30),
            morphology: le32(r, 34),
        })
        .collect();
    let inst: Vec<InstHeader> = records(layout, b"inst", 22, true)?
        .into_iter()
        .map(|r| InstHeader {
            name: name20(r, 0),
            bag: le16(r, 20),
        })
        .collect();
    let mut samples: Vec<SampleHeader> = records(layout, b"shdr", 46, true)?
        .into_iter()
        .map(|r| SampleHeader {
            name: name20(r, 0),
            start: le32(r, 20),
            end: le32(r, 24),
            loop_start: le32(r, 28),
            loop_end: le32(r, 32),
            rate: le32(r, 36),
            pitch: r.get(40).copied().unwrap_or(0),
            correction: i8::from_le_bytes([r.get(41).copied().unwrap_or(0)]),
            link: le16(r, 42),
            kind: le16(r, 44),
        })
        .collect();
    samples.pop(); // the terminal EOS record

    if phdr.len() < 2 {
        return Err("the font has no presets".into());
    }
    if inst.len() < 2 {
        return Err("the font has no instruments".into());
    }
    Ok(Hydra {
        phdr,
        pbag: bags(b"pbag")?,
        pmod: mods(b"pmod")?,
        pgen: gens(b"pgen")?,
        inst,
        ibag: bags(b"ibag")?,
        imod: mods(b"imod")?,
        igen: gens(b"igen")?,
        samples,
    })
}

// ---------------------------------------------------------------------------------------------
// Zones

#[derive(Clone, Default)]
struct Zone {
    gens: Vec<Gen>,
    mods: Vec<Modulator>,
}

struct Preset {
    header: PresetHeader,
    zones: Vec<Zone>,
}

struct Instrument {
    name: [u8; 20],
    zones: Vec<Zone>,
}

/// Names for messages about one level of the hydra.
struct Level {
    item: &'static str,
    hdr: &'static str,
    bag: &'static str,
    gen: &'static str,
    modu: &'static str,
}

const PRESET_LEVEL: Level = Level {
    item: "preset",
    hdr: "phdr",
    bag: "pbag",
    gen: "pgen",
    modu: "pmod",
};
const INST_LEVEL: Level = Level {
    item: "instrument",
    hdr: "inst",
    bag: "ibag",
    gen: "igen",
    modu: "imod",
};

/// Checks the bag indices of one level and splits its generators and modulators into zones,
/// one list per header (without the terminal header).
fn build_zones(
    level: &Level,
    starts: &[u16],
    names: &[[u8; 20]],
    bags: &[Bag],
    gens: &[Gen],
    mods: &[Modulator],
) -> Result<Vec<Vec<Zone>>, String> {
    let gen_count = gens.len().saturating_sub(1);
    let mod_count = mods.len().saturating_sub(1);
    for (j, pair) in bags.windows(2).enumerate() {
        if let [a, b] = pair {
            if a.gen > b.gen {
                return Err(format!(
                    "{} record {j} starts at generator {} but the next one starts at {} \
                     (generator indices must not decrease)",
                    level.bag, a.gen, b.gen
                ));
            }
            if a.modu > b.modu {
                return Err(format!(
                    "{} record {j} starts at modulator {} but the next one starts at {} \
                     (modulator indices must not decrease)",
                    level.bag, a.modu, b.modu
                ));
            }
        }
    }
    if let Some(last) = bags.last() {
        if usize::from(last.gen) > gen_count {
            return Err(format!(
                "the terminal {} record points at generator {}, past the end of the '{}' \
                 chunk ({gen_count} generators)",
                level.bag, last.gen, level.gen
            ));
        }
        if usize::from(last.modu) > mod_count {
            return Err(format!(
                "the terminal {} record points at modulator {}, past the end of the '{}' \
                 chunk ({mod_count} modulators)",
                level.bag, last.modu, level.modu
            ));
        }
    }
    let bag_count = bags.len().saturating_sub(1);
    for (i, pair) in starts.windows(2).enumerate() {
        if let [a, b] = pair {
            if a > b {
                let name = names.get(i).map(|n| text(n)).unwrap_or_default();
                return Err(format!(
                    "{} {i} '{name}' starts at {} record {a} but the next {} starts at {b} \
                     (bag indices must not decrease)",
                    level.item, level.bag, level.item
                ));
            }
        }
    }
    if let Some(&last) = starts.last() {
        if usize::from(last) > bag_count {
            return Err(format!(
                "the terminal {} record points at {} record {last}, past the end of the '{}' \
                 chunk ({bag_count} zones)",
                level.hdr, level.bag, level.bag
            ));
        }
    }

    let zone = |z: usize| -> Zone {
        let (Some(a), Some(b)) = (bags.get(z), bags.get(z + 1)) else {
            return Zone::default();
        };
        Zone {
            gens: gens
                .get(usize::from(a.gen)..usize::from(b.gen))
                .unwrap_or_default()
                .to_vec(),
            mods: mods
                .get(usize::from(a.modu)..usize::from(b.modu))
                .unwrap_or_default()
                .to_vec(),
        }
    };
    Ok(starts
        .windows(2)
        .map(|pair| match pair {
            [a, b] => (usize::from(*a)..usize::from(*b)).map(zone).collect(),
            _ => Vec::new(),
        })
        .collect())
}

fn build_presets(h: &Hydra) -> Result<Vec<Preset>, String> {
    let starts: Vec<u16> = h.phdr.iter().map(|p| p.bag).collect();
    let names: Vec<[u8; 20]> = h.phdr.iter().map(|p| p.name).collect();
    let zones = build_zones(&PRESET_LEVEL, &starts, &names, &h.pbag, &h.pgen, &h.pmod)?;
    Ok(h.phdr
        .iter()
        .zip(zones)
        .map(|(header, zones)| Preset {
            header: *header,
            zones,
        })
        .collect())
}

fn build_instruments(h: &Hydra) -> Result<Vec<Instrument>, String> {
    let starts: Vec<u16> = h.inst.iter().map(|i| i.bag).collect();
    let names: Vec<[u8; 20]> = h.inst.iter().map(|i| i.name).collect();
    let zones = build_zones(&INST_LEVEL, &starts, &names, &h.ibag, &h.igen, &h.imod)?;
    Ok(h.inst
        .iter()
        .zip(zones)
        .map(|(header, zones)| Instrument {
            name: header.name,
            zones,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// SF3 conversion

/// Decodes every compressed sample and lays the PCM out as a SF2 `smpl` chunk: 46 zero points,
/// then each sample followed by 46 zero points. Rewrites the headers to point into it.
fn convert_sf3(
    smpl: &[u8],
    samples: &mut [SampleHeader],
    notes: &mut [Option<String>],
) -> Result<Vec<i16>, String> {
    // What to decode: (sample index, byte range).
    let mut jobs: Vec<(usize, &[u8])> = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        if s.kind & SAMPLE_TYPE_VORBIS == 0 {
            if s.start != s.end {
                return Err(format!(
                    "sample {i} '{}' is not compressed but the other samples are Ogg Vorbis \
                     (mixed SF2/SF3 sample data is not supported)",
                    text(&s.name)
                ));
            }
            continue;
        }
        let (start, end) = (s.start as usize, s.end as usize);
        match smpl.get(start..end) {
            Some(data) if start < end => jobs.push((i, data)),
            _ => {
                if let Some(note) = notes.get_mut(i) {
                    *note = Some(format!(
                        "its compressed data (bytes {start} to {end}) is not inside the sample \
                         data ({} bytes)",
                        smpl.len()
                    ));
                }
            }
        }
    }

    let budget = AtomicUsize::new(0);
    let decoded = decode_all(&jobs, &budget);
    if budget.load(Ordering::Relaxed) > MAX_PCM_SAMPLES {
        return Err(TOO_LARGE.into());
    }

    let mut pcm: Vec<i16> = Vec::new();
    let total: usize = decoded
        .iter()
        .map(|d| d.as_ref().map_or(0, |v| v.len() + GUARD))
        .sum::<usize>()
        + GUARD;
    if total > MAX_PCM_SAMPLES {
        return Err(TOO_LARGE.into());
    }
    pcm.try_reserve_exact(total)
        .map_err(|_| format!("out of memory for {total} decoded sample points"))?;
    pcm.resize(GUARD, 0);
    let mut by_sample: BTreeMap<usize, Result<Vec<i16>, String>> = BTreeMap::new();
    for ((i, _), result) in jobs.iter().zip(decoded) {
        by_sample.insert(*i, result);
    }
    for (i, s) in samples.iter_mut().enumerate() {
        let start = pcm.len();
        let mut len = 0;
        match by_sample.remove(&i) {
            Some(Ok(data)) => {
                len = data.len();
                pcm.extend_from_slice(&data);
                pcm.resize(pcm.len() + GUARD, 0);
            }
            Some(Err(e)) => {
                if let Some(note) = notes.get_mut(i) {
                    *note = Some(e);
                }
            }
            None => {}
        }
        let start32 = u32::try_from(start).map_err(|_| "the decoded sample data is too large")?;
        let len32 = u32::try_from(len).map_err(|_| "a decoded sample is too large")?;
        let end = start32.saturating_add(len32);
        // MuseScore's SF3 loop points count from the start of the decoded sample (as FluidSynth
        // and SpessaSynth read them). Out-of-range ones are reset as FluidSynth does.
        let ls = start32.checked_add(s.loop_start).filter(|v| *v <= end);
        let le = start32.checked_add(s.loop_end).filter(|v| *v <= end);
        s.loop_start = ls.unwrap_or(start32);
        s.loop_end = le.unwrap_or(end);
        s.start = start32;
        s.end = end;
        s.kind &= !SAMPLE_TYPE_VORBIS;
    }
    Ok(pcm)
}

const TOO_LARGE: &str = "the decoded sample data would exceed the 4 GiB a SF2 file can hold";

/// Most threads that decode SF3 samples (the calling one included).
const MAX_DECODE_THREADS: usize = 8;

/// Decodes the jobs on the available cores (the calling thread and up to
/// [`MAX_DECODE_THREADS`] - 1 more) and returns the results in the jobs' order.
///
/// The threads take the next job from a shared counter, largest compressed size first, so they
/// finish together however the work (stream setup and audio) is spread over the samples.
fn decode_all(jobs: &[(usize, &[u8])], budget: &AtomicUsize) -> Vec<Result<Vec<i16>, String>> {
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&n| std::cmp::Reverse(jobs.get(n).map_or(0, |(_, d)| d.len())));
    let next = AtomicUsize::new(0);
    let run = || -> Vec<(usize, Result<Vec<i16>, String>)> {
        let mut done = Vec::new();
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some((n, (_, data))) = order.get(k).and_then(|&n| Some((n, jobs.get(n)?))) else {
                break;
            };
            done.push((n, decode_vorbis(data, budget)));
        }
        done
    };
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, MAX_DECODE_THREADS)
        .min(jobs.len().max(1));
    let mut out: Vec<Option<Result<Vec<i16>, String>>> = (0..jobs.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| {
                std::thread::Builder::new()
                    .name("sf3-decode".into())
                    .spawn_scoped(scope, run)
                    .ok()
            })
            .collect();
        // The calling thread works too; it takes what a helper that could not start leaves.
        let mine = run();
        let theirs = helpers.into_iter().filter_map(|h| h.join().ok()).flatten();
        for (n, result) in mine.into_iter().chain(theirs) {
            if let Some(slot) = out.get_mut(n) {
                *slot = Some(result);
            }
        }
    });
    // A job is missing only when a helper thread panicked outside the decoder's own guard.
    out.into_iter()
        .map(|r| r.unwrap_or_else(|| Err("the Ogg Vorbis decoder failed".to_string())))
        .collect()
}

/// Decodes one mono Ogg Vorbis stream to 16-bit PCM.
fn decode_vorbis(data: &[u8], budget: &AtomicUsize) -> Result<Vec<i16>, String> {
    // lewton had panics on malformed input in the past; keep one from taking the process down.
    std::panic::catch_unwind(|| decode_vorbis_inner(data, budget))
        .unwrap_or_else(|_| Err("the Ogg Vorbis decoder failed on its data".to_string()))
}

fn decode_vorbis_inner(data: &[u8], budget: &AtomicUsize) -> Result<Vec<i16>, String> {
    let mut reader = lewton::inside_ogg::OggStreamReader::new(Cursor::new(data))
        .map_err(|e| format!("its Ogg Vorbis data could not be decoded ({e})"))?;
    let channels = reader.ident_hdr.audio_channels;
    if channels != 1 {
        return Err(format!(
            "its Ogg Vorbis stream has {channels} channels; SF3 samples are mono"
        ));
    }
    let serial = reader.stream_serial();
    let mut out: Vec<i16> = Vec::new();
    loop {
        match reader.read_dec_packet_itl() {
            Ok(Some(packet)) => {
                if reader.stream_serial() != serial {
                    break; // the next sample's stream: the byte range was too long
                }
                let used = budget.fetch_add(packet.len(), Ordering::Relaxed) + packet.len();
                if used > MAX_PCM_SAMPLES {
                    return Err(TOO_LARGE.into());
                }
                out.extend_from_slice(&packet);
            }
            Ok(None) => break,
            Err(e) => return Err(format!("its Ogg Vorbis data could not be decoded ({e})")),
        }
    }
    // lewton trims the last packet to the final granule position only when an earlier page
    // has one; a stream that fits one page keeps the encoder's padding. libvorbis trims it.
    if let Some(total) = reader
        .get_last_absgp()
        .and_then(|g| usize::try_from(g).ok())
    {
        if reader.stream_serial() == serial && total < out.len() {
            out.truncate(total);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The model rustysynth will see, and its repair

enum Pcm<'a> {
    /// 16-bit little-endian sample points straight from the file.
    Bytes(&'a [u8]),
    /// Decoded SF3 samples.
    Decoded(Vec<i16>),
}

impl Pcm<'_> {
    fn len(&self) -> usize {
        match self {
            Pcm::Bytes(b) => b.len() / 2,
            Pcm::Decoded(v) => v.len(),
        }
    }
}

struct Model<'a> {
    presets: Vec<Preset>,
    instruments: Vec<Instrument>,
    samples: Vec<SampleHeader>,
    pcm: Pcm<'a>,
    /// Sample points appended after `pcm` (guard points).
    extra: Vec<i16>,
    /// Why a sample is empty (SF3 decoding problems), for messages.
    notes: Vec<Option<String>>,
}

impl Model<'_> {
    fn len(&self) -> usize {
        self.pcm.len() + self.extra.len()
    }
}

enum Fix {
    EmptyPresetZone(usize),
    EmptyInstrumentZone(usize),
    DropZone {
        inst: usize,
        zone: usize,
    },
    SampleRate {
        sample: usize,
    },
    SampleLoop {
        sample: usize,
        start: u32,
        end: u32,
    },
    ZeroLoopOffsets {
        inst: usize,
        zone: usize,
    },
    /// Sets a generator in an instrument zone (before its sampleID).
    SetGen {
        inst: usize,
        zone: usize,
        gen: u16,
        value: i16,
    },
    /// Clamps out-of-range generator amounts in every zone.
    ClampGens,
    Pad,
}

fn gen_value(gs: &[i16; GEN_COUNT], g: u16) -> i32 {
    gs.get(usize::from(g)).map_or(0, |v| i32::from(*v))
}

/// The amount a generator is clamped to, for the generators that are clamped.
fn clamped((oper, amount): Gen) -> Option<i16> {
    match oper {
        GEN_FILTER_Q | GEN_MOD_LFO_TO_VOLUME => Some((amount as i16).clamp(-960, 960)),
        _ => None,
    }
}

/// rustysynth's low-pass filter has a negative Q (it grows without bound) for these summed
/// initialFilterQ values, in centibels.
fn unstable_q(centibels: i32) -> bool {
    (-16..=-10).contains(&centibels)
}

/// Sets `gen` in a zone, keeping sampleID last (it marks the zone as local).
fn set_gen(zone: &mut Zone, gen: u16, value: i16) {
    zone.gens.retain(|g| g.0 != gen);
    let at = match zone.gens.last() {
        Some(g) if g.0 == GEN_SAMPLE_ID => zone.gens.len().saturating_sub(1),
        _ => zone.gens.len(),
    };
    zone.gens.insert(at, (gen, value as u16));
}

/// rustysynth's view of a zone: its defaults, then the global zone, then the zone itself.
fn zone_values(
    defaults: &[i16; GEN_COUNT],
    global: Option<&Zone>,
    local: &Zone,
) -> [i16; GEN_COUNT] {
    let mut gs = *defaults;
    for (oper, amount) in global
        .into_iter()
        .flat_map(|z| z.gens.iter())
        .chain(local.gens.iter())
    {
        if let Some(slot) = gs.get_mut(usize::from(*oper)) {
            *slot = *amount as i16;
        }
    }
    gs
}

/// The regions rustysynth builds from a list of zones: the first zone is global when it is
/// empty or does not end with `terminal` (sampleID or instrument). Yields (zone index, values).
fn regions(
    zones: &[Zone],
    terminal: u16,
    defaults: &[i16; GEN_COUNT],
) -> Vec<(usize, [i16; GEN_COUNT])> {
    let Some(first) = zones.first() else {
        return Vec::new();
    };
    let global = first.gens.last().is_none_or(|g| g.0 != terminal);
    let (global, skip) = if global { (Some(first), 1) } else { (None, 0) };
    zones
        .iter()
        .enumerate()
        .skip(skip)
        .map(|(z, zone)| (z, zone_values(defaults, global, zone)))
        .collect()
}

fn preset_defaults() -> [i16; GEN_COUNT] {
    let mut gs = [0i16; GEN_COUNT];
    for g in [43usize, 44] {
        if let Some(v) = gs.get_mut(g) {
            *v = 0x7F00;
        }
    }
    gs
}

fn instrument_defaults() -> [i16; GEN_COUNT] {
    let mut gs = [0i16; GEN_COUNT];
    let values: [(usize, i16); 19] = [
        (8, 13500),
        (21, -12000),
        (23, -12000),
        (25, -12000),
        (26, -12000),
        (27, -12000),
        (28, -12000),
        (30, -12000),
        (33, -12000),
        (34, -12000),
        (35, -12000),
        (36, -12000),
        (38, -12000),
        (43, 0x7F00),
        (44, 0x7F00),
        (46, -1),
        (47, -1),
        (56, 100),
        (58, -1),
    ];
    for (g, value) in values {
        if let Some(v) = gs.get_mut(g) {
            *v = value;
        }
    }
    gs
}

/// Sample header value as rustysynth reads it (`i32`).
fn signed(v: u32) -> i64 {
    i64::from(v as i32)
}

fn fits_i32(v: i64) -> bool {
    i32::try_from(v).is_ok()
}

/// Finds what must change for rustysynth to load and play the model safely. An error is a
/// problem that cannot be repaired. Returns no fixes when the model is safe.
fn analyse(m: &Model) -> Result<Vec<Fix>, String> {
    let mut fixes = Vec::new();
    for (p, preset) in m.presets.iter().enumerate() {
        if preset.zones.is_empty() {
            fixes.push(Fix::EmptyPresetZone(p));
        }
    }
    for (i, inst) in m.instruments.iter().enumerate() {
        if inst.zones.is_empty() {
            fixes.push(Fix::EmptyInstrumentZone(i));
        }
    }
    // Generators rustysynth turns into infinite gains or unstable filters beyond the
    // specification's range (initialFilterQ and modLfoToVolume, 96 dB).
    let out_of_range = |zones: &[Zone]| {
        zones.iter().any(|z| {
            z.gens
                .iter()
                .any(|g| clamped(*g).is_some_and(|v| v != g.1 as i16))
        })
    };
    if m.presets.iter().any(|p| out_of_range(&p.zones))
        || m.instruments.iter().any(|i| out_of_range(&i.zones))
    {
        fixes.push(Fix::ClampGens);
    }
    if !fixes.is_empty() {
        return Ok(fixes);
    }

    // Preset regions: instrument indices, which instruments a preset plays, and what each
    // preset adds to an instrument's filter resonance.
    let n_inst = m.instruments.len();
    let mut used_by_preset = vec![false; n_inst];
    let mut preset_q: Vec<Vec<i32>> = vec![Vec::new(); n_inst];
    let pdef = preset_defaults();
    for (p, preset) in m.presets.iter().enumerate() {
        for (z, gs) in regions(&preset.zones, GEN_INSTRUMENT, &pdef) {
            let id = gen_value(&gs, GEN_INSTRUMENT);
            let slot = usize::try_from(id)
                .ok()
                .and_then(|i| used_by_preset.get_mut(i));
            let Some(slot) = slot else {
                return Err(format!(
                    "preset {p} '{}' (bank {}, program {}) zone {z} refers to instrument {} \
                     but the font has {n_inst} instruments",
                    text(&preset.header.name),
                    preset.header.bank,
                    preset.header.program,
                    id as u16
                ));
            };
            *slot = true;
            if let Some(qs) = usize::try_from(id).ok().and_then(|i| preset_q.get_mut(i)) {
                let q = gen_value(&gs, GEN_FILTER_Q);
                if !qs.contains(&q) {
                    qs.push(q);
                }
            }
        }
    }

    let len = m.len() as i64;
    let n_samples = m.samples.len();
    let idef = instrument_defaults();
    let mut sample_fixes: BTreeSet<(usize, bool)> = BTreeSet::new();
    let mut pad = false;

    for (i, inst) in m.instruments.iter().enumerate() {
        let used = used_by_preset.get(i).copied().unwrap_or(false);
        let iname = text(&inst.name);
        for (z, gs) in regions(&inst.zones, GEN_SAMPLE_ID, &idef) {
            let problem = |msg: String, fixes: &mut Vec<Fix>| -> Result<(), String> {
                if used {
                    Err(format!("instrument {i} '{iname}' zone {z}: {msg}"))
                } else {
                    fixes.push(Fix::DropZone { inst: i, zone: z });
                    Ok(())
                }
            };
            let sid = gen_value(&gs, GEN_SAMPLE_ID);
            let Some((sid, s)) = usize::try_from(sid)
                .ok()
                .and_then(|n| m.samples.get(n).map(|s| (n, s)))
            else {
                problem(
                    format!(
                        "refers to sample {} but the font has {n_samples} samples",
                        sid as u16
                    ),
                    &mut fixes,
                )?;
                continue;
            };
            let sname = text(&s.name);
            let (start, end) = (signed(s.start), signed(s.end));
            let sample_problem = if start == end {
                Some(match m.notes.get(sid).cloned().flatten() {
                    Some(note) => format!("sample {sid} '{sname}' is empty: {note}"),
                    None => format!("sample {sid} '{sname}' is empty (start = end = {start})"),
                })
            } else if start < 0 || end < 0 {
                Some(format!(
                    "sample {sid} '{sname}' start {} or end {} is out of range",
                    s.start, s.end
                ))
            } else if start > end {
                Some(format!(
                    "sample {sid} '{sname}' start {start} is after its end {end}"
                ))
            } else if end > len {
                Some(format!(
                    "sample {sid} '{sname}' end {end} is past the end of the sample data \
                     ({len} sample points)"
                ))
            } else {
                None
            };
            if let Some(msg) = sample_problem {
                problem(msg, &mut fixes)?;
                continue;
            }

            // Header repairs: a sample rate rustysynth would play backwards, loop points past
            // the sample data (rustysynth refuses the whole font for those).
            let mut header_fix = false;
            if used && s.rate as i32 <= 0 {
                if sample_fixes.insert((sid, false)) {
                    fixes.push(Fix::SampleRate { sample: sid });
                }
                header_fix = true;
            }
            let (ls, le) = (signed(s.loop_start), signed(s.loop_end));
            let ls_bad = ls < 0 || ls > len;
            let le_bad = le < 0 || le > len;
            if ls_bad || le_bad {
                if sample_fixes.insert((sid, true)) {
                    fixes.push(Fix::SampleLoop {
                        sample: sid,
                        start: if ls_bad { s.start } else { s.loop_start },
                        end: if le_bad { s.end } else { s.loop_end },
                    });
                }
                header_fix = true;
            }
            if header_fix {
                continue;
            }

            // The region as rustysynth computes it, in i32.
            let offset = |coarse: u16, fine: u16| {
                32768 * i64::from(gen_value(&gs, coarse)) + i64::from(gen_value(&gs, fine))
            };
            let r_start = start + offset(GEN_START_COARSE, GEN_START_OFFSET);
            let r_end = end + offset(GEN_END_COARSE, GEN_END_OFFSET);
            let r_ls = ls + offset(GEN_START_LOOP_COARSE, GEN_START_LOOP_OFFSET);
            let r_le = le + offset(GEN_END_LOOP_COARSE, GEN_END_LOOP_OFFSET);
            if !(fits_i32(r_start)
                && fits_i32(r_end)
                && r_start >= 0
                && r_start < r_end
                && r_end <= len)
            {
                problem(
                    format!(
                        "its address offsets move sample {sid} '{sname}' ({start} to {end}) to \
                         {r_start} to {r_end}, outside the sample data ({len} sample points) or \
                         empty"
                    ),
                    &mut fixes,
                )?;
                continue;
            }
            if !(fits_i32(r_ls) && fits_i32(r_le) && r_ls >= 0 && r_le <= len) {
                // The loop offsets move the loop out of the data: use the header's loop.
                fixes.push(Fix::ZeroLoopOffsets { inst: i, zone: z });
                continue;
            }
            if r_end == len || r_le == len || len < 2 {
                pad = true; // rustysynth reads one point past the end
            }

            if !used {
                continue; // no preset plays it
            }
            // rustysynth's filter turns unstable (negative Q) for a summed resonance of -1.6 to
            // -1.0 dB, which negative preset offsets produce. Nudge the instrument's value.
            let qs = preset_q.get(i).map_or(&[][..], |v| v.as_slice());
            let q = gen_value(&gs, GEN_FILTER_Q);
            if qs.iter().any(|p| unstable_q(p + q)) {
                let nudged = (1..=16)
                    .flat_map(|d| [q + d, q - d])
                    .find(|v| !qs.iter().any(|p| unstable_q(p + v)));
                match nudged.and_then(|v| i16::try_from(v).ok()) {
                    Some(value) => fixes.push(Fix::SetGen {
                        inst: i,
                        zone: z,
                        gen: GEN_FILTER_Q,
                        value,
                    }),
                    None => {
                        return Err(format!(
                            "instrument {i} '{iname}' zone {z}: its filter resonance makes \
                             the synthesizer's filter unstable"
                        ))
                    }
                }
            }
        }
    }
    if len < 2 {
        pad = true;
    }
    if pad {
        fixes.push(Fix::Pad);
    }
    Ok(fixes)
}

fn apply(m: &mut Model, fixes: Vec<Fix>) -> Result<(), String> {
    let mut drops: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for fix in fixes {
        match fix {
            Fix::EmptyPresetZone(p) => {
                if let Some(preset) = m.presets.get_mut(p) {
                    preset.zones.push(Zone::default());
                }
            }
            Fix::EmptyInstrumentZone(i) => {
                if let Some(inst) = m.instruments.get_mut(i) {
                    inst.zones.push(Zone::default());
                }
            }
            Fix::DropZone { inst, zone } => drops.entry(inst).or_default().push(zone),
            Fix::SampleRate { sample } => {
                if let Some(s) = m.samples.get_mut(sample) {
                    s.rate = 44100;
                }
            }
            Fix::SampleLoop { sample, start, end } => {
                if let Some(s) = m.samples.get_mut(sample) {
                    s.loop_start = start;
                    s.loop_end = end;
                }
            }
            Fix::ZeroLoopOffsets { inst, zone } => {
                if let Some(zone) = m
                    .instruments
                    .get_mut(inst)
                    .and_then(|i| i.zones.get_mut(zone))
                {
                    for g in [
                        GEN_START_LOOP_OFFSET,
                        GEN_END_LOOP_OFFSET,
                        GEN_START_LOOP_COARSE,
                        GEN_END_LOOP_COARSE,
                    ] {
                        set_gen(zone, g, 0);
                    }
                }
            }
            Fix::SetGen {
                inst,
                zone,
                gen,
                value,
            } => {
                if let Some(zone) = m
                    .instruments
                    .get_mut(inst)
                    .and_then(|i| i.zones.get_mut(zone))
                {
                    set_gen(zone, gen, value);
                }
            }
            Fix::ClampGens => {
                let zones = m
                    .presets
                    .iter_mut()
                    .flat_map(|p| p.zones.iter_mut())
                    .chain(m.instruments.iter_mut().flat_map(|i| i.zones.iter_mut()));
                for zone in zones {
                    for g in &mut zone.gens {
                        if let Some(v) = clamped(*g) {
                            g.1 = v as u16;
                        }
                    }
                }
            }
            Fix::Pad => {
                let len = m.extra.len() + GUARD;
                m.extra.resize(len, 0);
            }
        }
    }
    for (inst, mut zones) in drops {
        zones.sort_unstable();
        zones.dedup();
        if let Some(inst) = m.instruments.get_mut(inst) {
            for z in zones.into_iter().rev() {
                if z < inst.zones.len() {
                    inst.zones.remove(z);
                }
            }
        }
    }
    Ok(())
}

/// Repairs the model until nothing is left to repair. Returns whether anything changed.
fn repair(m: &mut Model) -> Result<bool, String> {
    let mut changed = false;
    for _ in 0..8 {
        let fixes = analyse(m)?;
        if fixes.is_empty() {
            return Ok(changed);
        }
        apply(m, fixes)?;
        changed = true;
    }
    Err("the font has problems that could not be repaired".into())
}

// ---------------------------------------------------------------------------------------------
// Summary and output

fn summarize(m: &Model, layout: &Layout, kind: SoundFontKind) -> SoundFontSummary {
    let name = layout
        .info
        .iter()
        .rev()
        .find(|(id, _)| id == b"INAM")
        .map(|(_, data)| text(data))
        .unwrap_or_default();
    let mut presets: Vec<PresetSummary> = m
        .presets
        .iter()
        .map(|p| PresetSummary {
            bank: p.header.bank,
            program: p.header.program,
            name: text(&p.header.name),
        })
        .collect();
    presets.sort_by(|a, b| (a.bank, a.program, &a.name).cmp(&(b.bank, b.program, &b.name)));
    SoundFontSummary {
        kind,
        name,
        presets,
        sample_count: m.samples.len(),
        sample_data_bytes: m.len().saturating_mul(2),
    }
}

fn push16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn push32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn index16(n: usize, what: &str) -> Result<u16, String> {
    u16::try_from(n).map_err(|_| format!("the repaired font has too many {what} ({n})"))
}

fn terminal_name(name: &str) -> [u8; 20] {
    let mut out = [0u8; 20];
    for (o, c) in out.iter_mut().zip(name.bytes()) {
        *o = c;
    }
    out
}

/// The bag, generator and modulator chunks of one level.
fn write_zones<'z>(
    lists: impl Iterator<Item = &'z Vec<Zone>>,
    bag: &mut Vec<u8>,
    gen: &mut Vec<u8>,
    modu: &mut Vec<u8>,
) -> Result<Vec<u16>, String> {
    let mut starts = Vec::new();
    let (mut zones, mut gens, mut mods) = (0usize, 0usize, 0usize);
    for list in lists {
        starts.push(index16(zones, "zones")?);
        for zone in list {
            push16(bag, index16(gens, "generators")?);
            push16(bag, index16(mods, "modulators")?);
            for (oper, amount) in &zone.gens {
                push16(gen, *oper);
                push16(gen, *amount);
            }
            for m in &zone.mods {
                modu.extend_from_slice(m);
            }
            zones += 1;
            gens += zone.gens.len();
            mods += zone.mods.len();
        }
    }
    starts.push(index16(zones, "zones")?);
    push16(bag, index16(gens, "generators")?);
    push16(bag, index16(mods, "modulators")?);
    gen.extend_from_slice(&[0; 4]);
    modu.extend_from_slice(&[0; 10]);
    Ok(starts)
}

/// Writes the model as a SF2 file laid out the way rustysynth reads it.
fn write_sf2(m: &Model, info: &[([u8; 4], &[u8])]) -> Result<Vec<u8>, String> {
    // INFO: the version first, then the known string chunks, NUL-terminated and even-sized.
    let version = info
        .iter()
        .find(|(id, data)| id == b"ifil" && data.first() == Some(&2))
        .map_or(vec![2, 0, 1, 0], |(_, data)| data.to_vec());
    let mut info_chunks: Vec<([u8; 4], Vec<u8>)> = vec![(*b"ifil", version)];
    for (id, data) in info {
        match id {
            b"ifil" => {}
            b"iver" => info_chunks.push((*id, data.to_vec())),
            _ => {
                let end = data.iter().position(|&c| c == 0).unwrap_or(data.len());
                let mut s = data.get(..end).unwrap_or_default().to_vec();
                s.push(0);
                if s.len() % 2 == 1 {
                    s.push(0);
                }
                info_chunks.push((*id, s));
            }
        }
    }

    let (mut phdr, mut pbag, mut pmod, mut pgen) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let starts = write_zones(
        m.presets.iter().map(|p| &p.zones),
        &mut pbag,
        &mut pgen,
        &mut pmod,
    )?;
    for (p, bag) in m.presets.iter().zip(starts.iter()) {
        let h = &p.header;
        phdr.extend_from_slice(&h.name);
        push16(&mut phdr, h.program);
        push16(&mut phdr, h.bank);
        push16(&mut phdr, *bag);
        push32(&mut phdr, h.library);
        push32(&mut phdr, h.genre);
        push32(&mut phdr, h.morphology);
    }
    phdr.extend_from_slice(&terminal_name("EOP"));
    push16(&mut phdr, 0);
    push16(&mut phdr, 0);
    push16(&mut phdr, starts.last().copied().unwrap_or(0));
    phdr.extend_from_slice(&[0; 12]);

    let (mut inst, mut ibag, mut imod, mut igen) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let starts = write_zones(
        m.instruments.iter().map(|i| &i.zones),
        &mut ibag,
        &mut igen,
        &mut imod,
    )?;
    for (i, bag) in m.instruments.iter().zip(starts.iter()) {
        inst.extend_from_slice(&i.name);
        push16(&mut inst, *bag);
    }
    inst.extend_from_slice(&terminal_name("EOI"));
    push16(&mut inst, starts.last().copied().unwrap_or(0));

    let mut shdr = Vec::with_capacity((m.samples.len() + 1) * 46);
    for s in &m.samples {
        shdr.extend_from_slice(&s.name);
        for v in [s.start, s.end, s.loop_start, s.loop_end, s.rate] {
            push32(&mut shdr, v);
        }
        shdr.push(s.pitch);
        shdr.extend_from_slice(&s.correction.to_le_bytes());
        push16(&mut shdr, s.link);
        push16(&mut shdr, s.kind);
    }
    shdr.extend_from_slice(&terminal_name("EOS"));
    shdr.extend_from_slice(&[0; 26]);

    let pdta: [(&[u8; 4], &Vec<u8>); 9] = [
        (b"phdr", &phdr),
        (b"pbag", &pbag),
        (b"pmod", &pmod),
        (b"pgen", &pgen),
        (b"inst", &inst),
        (b"ibag", &ibag),
        (b"imod", &imod),
        (b"igen", &igen),
        (b"shdr", &shdr),
    ];

    let smpl_bytes = (m.len() as u64) * 2;
    let info_size = 4 + info_chunks
        .iter()
        .map(|(_, d)| 8 + d.len() as u64)
        .sum::<u64>();
    let sdta_size = 4 + 8 + smpl_bytes;
    let pdta_size = 4 + pdta.iter().map(|(_, d)| 8 + d.len() as u64).sum::<u64>();
    let riff_size = 4 + (8 + info_size) + (8 + sdta_size) + (8 + pdta_size);
    let size32 = |v: u64| {
        u32::try_from(v).map_err(|_| "the converted SoundFont would exceed 4 GiB".to_string())
    };
    let riff32 = size32(riff_size)?;

    let mut out: Vec<u8> = Vec::new();
    let total = usize::try_from(riff_size)
        .ok()
        .and_then(|v| v.checked_add(8))
        .ok_or("the converted SoundFont is too large for this machine")?;
    out.try_reserve_exact(total)
        .map_err(|_| format!("out of memory for the {total}-byte converted SoundFont"))?;
    out.extend_from_slice(b"RIFF");
    push32(&mut out, riff32);
    out.extend_from_slice(b"sfbk");

    out.extend_from_slice(b"LIST");
    push32(&mut out, size32(info_size)?);
    out.extend_from_slice(b"INFO");
    for (id, data) in &info_chunks {
        out.extend_from_slice(id);
        push32(&mut out, size32(data.len() as u64)?);
        out.extend_from_slice(data);
    }

    out.extend_from_slice(b"LIST");
    push32(&mut out, size32(sdta_size)?);
    out.extend_from_slice(b"sdta");
    out.extend_from_slice(b"smpl");
    push32(&mut out, size32(smpl_bytes)?);
    match &m.pcm {
        Pcm::Bytes(b) => out.extend_from_slice(b),
        Pcm::Decoded(v) => {
            for x in v {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
    }
    for x in &m.extra {
        out.extend_from_slice(&x.to_le_bytes());
    }

    out.extend_from_slice(b"LIST");
    push32(&mut out, size32(pdta_size)?);
    out.extend_from_slice(b"pdta");
    for (id, data) in pdta {
        out.extend_from_slice(id);
        push32(&mut out, size32(data.len() as u64)?);
        out.extend_from_slice(data);
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    // The fork the engine plays with.
    use rae_synth as rs;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::Arc;
    use std::time::Instant;

    const GEN_KEY_RANGE: u16 = 43;
    const GEN_SAMPLE_MODES: u16 = 54;

    const FLUID: &str = "/usr/share/sounds/sf2/FluidR3_GM.sf2";
    const TIM: &str = "/usr/share/sounds/sf2/TimGM6mb.sf2";
    const MUSE_LITE: &str = "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3";

    fn read(path: &str) -> Option<Vec<u8>> {
        match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                eprintln!("skipping: cannot read {path}: {e}");
                None
            }
        }
    }

    fn load(bytes: &[u8]) -> Result<Arc<rs::SoundFont>, String> {
        rs::SoundFont::from_bytes(bytes)
            .map(Arc::new)
            .map_err(|e| e.to_string())
    }

    /// Plays `notes` on each (bank, program) with the pitch bent up by 24 semitones on channel 1,
    /// and returns the stereo output.
    fn play(
        font: &Arc<rs::SoundFont>,
        rate: i32,
        patches: &[(u16, u16)],
        notes: &[i32],
        seconds: f64,
    ) -> (Vec<f32>, Vec<f32>) {
        let settings = rs::SynthesizerSettings::new(rate);
        let mut synth = rs::Synthesizer::new(font, &settings).unwrap();
        for (n, (bank, program)) in patches.iter().enumerate() {
            let ch = (n % 16) as i32;
            synth.process_midi_message(ch, 0xB0, 0x00, i32::from(*bank));
            synth.process_midi_message(ch, 0xC0, i32::from(*program), 0);
            if n % 2 == 1 {
                // Bend range 24 semitones, bent all the way up.
                synth.process_midi_message(ch, 0xB0, 0x65, 0);
                synth.process_midi_message(ch, 0xB0, 0x64, 0);
                synth.process_midi_message(ch, 0xB0, 0x06, 24);
                synth.process_midi_message(ch, 0xE0, 127, 127);
            }
            for &key in notes {
                synth.note_on(ch, key, 100);
            }
        }
        let frames = (f64::from(rate) * seconds) as usize;
        let mut left = vec![0f32; frames];
        let mut right = vec![0f32; frames];
        synth.render(&mut left, &mut right);
        (left, right)
    }

    fn peak(left: &[f32], right: &[f32]) -> f32 {
        left.iter().chain(right).fold(0f32, |m, x| m.max(x.abs()))
    }

    #[test]
    fn real_sf2_fonts_prepare_load_and_play() {
        for path in [TIM, FLUID] {
            let Some(bytes) = read(path) else { continue };
            let start = Instant::now();
            let (sf2, summary) = prepare(&bytes).unwrap();
            let took = start.elapsed();
            // Real fonts need no repair: prepare hands back the file's own bytes.
            assert!(matches!(sf2, Cow::Borrowed(_)), "{path} was rewritten");
            eprintln!(
                "{path}: {} presets, {} samples, {} bytes of PCM, {}, prepared in {took:?}",
                summary.presets.len(),
                summary.sample_count,
                summary.sample_data_bytes,
                if matches!(sf2, Cow::Borrowed(_)) {
                    "unchanged"
                } else {
                    "repaired"
                }
            );
            assert_eq!(summary.kind, SoundFontKind::Sf2);
            assert!(summary.presets.len() > 100);
            assert!(summary
                .presets
                .windows(2)
                .all(|w| (w[0].bank, w[0].program) <= (w[1].bank, w[1].program)));
            let font = load(&sf2).unwrap();
            assert_eq!(font.get_presets().len(), summary.presets.len());
            // The slice parser reads what the stream parser reads.
            let streamed = rs::SoundFont::new(&mut Cursor::new(&sf2[..])).unwrap();
            assert_eq!(streamed.get_wave_data(), font.get_wave_data());
            assert_eq!(
                streamed.get_sample_headers().len(),
                font.get_sample_headers().len()
            );
            let (l, r) = play(
                &font,
                22050,
                &[(0, 0), (0, 81), (128, 0)],
                &[36, 60, 127],
                0.2,
            );
            assert!(l.iter().chain(&r).all(|x| x.is_finite()));
            assert!(peak(&l, &r) > 1e-3);
            // Preparing the prepared font changes nothing.
            let (again, _) = prepare(&sf2).unwrap();
            assert!(matches!(again, Cow::Borrowed(_)));
        }
    }

    #[test]
    fn sf3_converts_loads_and_renders() {
        let Some(bytes) = read(MUSE_LITE) else { return };
        let start = Instant::now();
        let (sf2, summary) = prepare(&bytes).unwrap();
        eprintln!(
            "{MUSE_LITE}: prepared in {:?}: {} presets, {} samples, {} bytes of PCM from {} \
             bytes of SF3",
            start.elapsed(),
            summary.presets.len(),
            summary.sample_count,
            summary.sample_data_bytes,
            bytes.len()
        );
        assert_eq!(summary.kind, SoundFontKind::Sf3);
        assert!(summary.name.starts_with("MuseScore_General_Lite"));
        assert!(summary.sample_data_bytes > bytes.len());
        let font = load(&sf2).unwrap();
        assert!(font
            .get_sample_headers()
            .iter()
            .all(|s| s.get_sample_type() & 0x10 == 0 && s.get_start() < s.get_end()));

        // Piano, strings, a drum kit: each renders a sensible note.
        for patch in [(0u16, 0u16), (0, 48), (128, 0)] {
            let (l, r) = play(&font, 44100, &[patch], &[60], 0.5);
            let p = peak(&l, &r);
            eprintln!("  patch {patch:?}: peak {p:.3}");
            assert!(l.iter().chain(&r).all(|x| x.is_finite()));
            // MuseScore's piano leans on velocity-to-filter modulators rustysynth ignores, which
            // leaves it at a 300 Hz cutoff and quiet (about -47 dBFS): still clearly audible.
            assert!(p > 1e-3, "patch {patch:?} is silent (peak {p})");
            assert!(p < 0.9, "patch {patch:?} is near clipping (peak {p})");
        }
        // The loops of a converted sample sit inside it (relative SF3 loop points).
        let piano = font
            .get_sample_headers()
            .iter()
            .find(|s| s.get_end_loop() > s.get_start_loop() + 8)
            .unwrap();
        assert!(piano.get_start() <= piano.get_start_loop());
        assert!(piano.get_end_loop() <= piano.get_end());
    }

    /// xorshift64*: deterministic variants without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// Byte ranges of the pdta sub-chunks of a clean SF2.
    fn pdta_chunks(bytes: &[u8]) -> Vec<([u8; 4], usize, usize)> {
        let layout = parse_layout(bytes).unwrap();
        let base = bytes.as_ptr() as usize;
        layout
            .pdta
            .iter()
            .map(|c| (c.id, c.at, c.data.as_ptr() as usize - base + c.data.len()))
            .collect()
    }

    /// Runs prepare, then loads and plays what it accepts; returns a description of a panic.
    fn exercise(variant: &[u8]) -> Result<bool, String> {
        let prepared =
            catch_unwind(|| prepare(variant)).map_err(|_| "prepare panicked".to_string())?;
        let Ok((sf2, summary)) = prepared else {
            return Ok(false);
        };
        let font = match catch_unwind(AssertUnwindSafe(|| load(&sf2))) {
            Err(_) => return Err("rustysynth panicked loading the prepared font".into()),
            Ok(Err(e)) => return Err(format!("rustysynth refused the prepared font: {e}")),
            Ok(Ok(font)) => font,
        };
        let n = summary.presets.len();
        let patches: Vec<(u16, u16)> = [0, n / 3, n / 2, n.saturating_sub(1)]
            .iter()
            .filter_map(|&i| summary.presets.get(i))
            .map(|p| (p.bank, p.program))
            .collect();
        let (l, r) = catch_unwind(AssertUnwindSafe(|| {
            play(&font, 22050, &patches, &[0, 40, 64, 100, 127], 0.1)
        }))
        .map_err(|_| "rustysynth panicked rendering the prepared font".to_string())?;
        if !l.iter().chain(&r).all(|x| x.is_finite()) {
            return Err("rustysynth rendered non-finite samples".into());
        }
        Ok(true)
    }

    #[test]
    fn damaged_fonts_never_panic() {
        let Some(bytes) = read(TIM) else { return };
        let start = Instant::now();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let chunks = pdta_chunks(&bytes);
        let pdta_start = chunks.iter().map(|c| c.1).min().unwrap();
        let mut variants: Vec<(String, Vec<u8>)> = Vec::new();

        // Truncations: at every chunk boundary (and one byte either side), and at random.
        let mut cuts: Vec<usize> = vec![0, 4, 8, 11, 12, 20, 100, 112, 500];
        for (_, at, end) in &chunks {
            cuts.extend([at - 1, *at, at + 4, at + 8, at + 9, end - 1]);
        }
        for _ in 0..40 {
            cuts.push(rng.below(bytes.len()));
        }
        for cut in cuts {
            variants.push((format!("truncated at {cut}"), bytes[..cut].to_vec()));
        }
        // Bit flips, mostly in the pdta chunks, some in the headers.
        for n in 0..320 {
            let mut v = bytes.clone();
            let mut what = String::new();
            for _ in 0..1 + rng.below(3) {
                let at = match n % 8 {
                    0 => rng.below(pdta_start), // anywhere before pdta: RIFF, INFO, sdta headers
                    1 => bytes.len() - 1 - rng.below(bytes.len() - pdta_start),
                    _ => {
                        let (_, from, to) = chunks[rng.below(chunks.len())];
                        from + rng.below(to - from)
                    }
                };
                let value = match rng.below(4) {
                    0 => v[at] ^ (1 << rng.below(8)),
                    1 => 0xFF,
                    2 => 0,
                    _ => rng.next() as u8,
                };
                what.push_str(&format!(" [{at}]={value:#04x}"));
                v[at] = value;
            }
            variants.push((format!("flipped{what}"), v));
        }

        let mut failures = Vec::new();
        let (mut accepted, mut rejected) = (0, 0);
        for (name, v) in &variants {
            match exercise(v) {
                Ok(true) => accepted += 1,
                Ok(false) => rejected += 1,
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        eprintln!(
            "{} variants: {accepted} accepted and played, {rejected} rejected, in {:?}",
            variants.len(),
            start.elapsed()
        );
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// A small SF3: the first four Ogg Vorbis samples of MuseScore_General_Lite, each in its own
    /// looping zone of one instrument.
    fn mini_sf3() -> Option<Vec<u8>> {
        let bytes = read(MUSE_LITE)?;
        let layout = parse_layout(&bytes).unwrap();
        let hydra = parse_hydra(&layout).unwrap();
        let picked: Vec<SampleHeader> = hydra.samples[..4].to_vec();
        let first = picked[0].start as usize;
        let last = picked[3].end as usize;
        let ogg = layout.smpl[first..last].to_vec();
        let samples: Vec<SampleHeader> = picked
            .iter()
            .map(|s| SampleHeader {
                start: s.start - first as u32,
                end: s.end - first as u32,
                ..*s
            })
            .collect();
        let zones = (0..4u16)
            .map(|n| Zone {
                gens: vec![
                    (GEN_KEY_RANGE, (30 * n) | (30 * n + 29) << 8),
                    (GEN_SAMPLE_MODES, 1),
                    (GEN_SAMPLE_ID, n),
                ],
                mods: Vec::new(),
            })
            .collect();
        let model = Model {
            presets: vec![Preset {
                header: PresetHeader {
                    name: terminal_name("Blocks"),
                    program: 0,
                    bank: 0,
                    bag: 0,
                    library: 0,
                    genre: 0,
                    morphology: 0,
                },
                zones: vec![Zone {
                    gens: vec![(GEN_INSTRUMENT, 0)],
                    mods: Vec::new(),
                }],
            }],
            instruments: vec![Instrument {
                name: terminal_name("Blocks"),
                zones,
            }],
            notes: vec![None; 4],
            samples,
            pcm: Pcm::Bytes(&ogg),
            extra: Vec::new(),
        };
        let info: Vec<([u8; 4], &[u8])> = vec![(*b"ifil", &[3, 0, 1, 0])];
        Some(write_sf2(&model, &info).unwrap())
    }

    #[test]
    fn damaged_sf3_never_panics() {
        let Some(bytes) = mini_sf3() else { return };
        let (sf2, summary) = prepare(&bytes).unwrap();
        assert_eq!(summary.kind, SoundFontKind::Sf3);
        let font = load(&sf2).unwrap();
        let (l, r) = play(&font, 44100, &[(0, 0)], &[15, 45, 75, 105], 0.3);
        assert!(peak(&l, &r) > 0.01);

        let start = Instant::now();
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let smpl_at = bytes.windows(4).position(|w| w == b"smpl").unwrap() + 8;
        let pdta_at = bytes.windows(4).position(|w| w == b"pdta").unwrap();
        let mut failures = Vec::new();
        let (mut accepted, mut rejected) = (0, 0);
        for n in 0..160 {
            let mut v = bytes.clone();
            let name = if n % 5 == 0 {
                let cut = rng.below(v.len());
                v.truncate(cut);
                format!("truncated at {cut}")
            } else {
                // Mostly the Ogg data (pages, headers, packets), some the hydra.
                let at = if n % 5 < 4 {
                    smpl_at + rng.below(pdta_at - smpl_at)
                } else {
                    pdta_at + rng.below(v.len() - pdta_at)
                };
                v[at] ^= 1 << rng.below(8);
                format!("flipped bit at {at}")
            };
            match exercise(&v) {
                Ok(true) => accepted += 1,
                Ok(false) => rejected += 1,
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        eprintln!(
            "160 SF3 variants: {accepted} accepted and played, {rejected} rejected, in {:?}",
            start.elapsed()
        );
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    // --- Small handmade fonts ------------------------------------------------------------

    fn sample(name: &str, start: u32, end: u32, loop_start: u32, loop_end: u32) -> SampleHeader {
        SampleHeader {
            name: terminal_name(name),
            start,
            end,
            loop_start,
            loop_end,
            rate: 44100,
            pitch: 60,
            correction: 0,
            link: 0,
            kind: 1,
        }
    }

    /// One preset, one instrument, one zone playing sample 0 with the given generators.
    fn tiny_font(pcm: Vec<i16>, samples: Vec<SampleHeader>, gens: Vec<Gen>) -> Vec<u8> {
        tiny_font_with(pcm, samples, Vec::new(), gens)
    }

    fn tiny_font_with(
        pcm: Vec<i16>,
        samples: Vec<SampleHeader>,
        preset_gens: Vec<Gen>,
        gens: Vec<Gen>,
    ) -> Vec<u8> {
        write_tiny(&tiny_model(pcm, samples, preset_gens, gens))
    }

    fn write_tiny(model: &Model) -> Vec<u8> {
        let info: Vec<([u8; 4], &[u8])> = vec![(*b"INAM", b"Tiny\0\0".as_slice())];
        write_sf2(model, &info).unwrap()
    }

    fn tiny_model(
        pcm: Vec<i16>,
        samples: Vec<SampleHeader>,
        preset_gens: Vec<Gen>,
        gens: Vec<Gen>,
    ) -> Model<'static> {
        let mut preset_gens = preset_gens;
        preset_gens.push((GEN_INSTRUMENT, 0));
        let mut inst_gens = gens;
        if !inst_gens.iter().any(|g| g.0 == GEN_SAMPLE_ID) {
            inst_gens.push((GEN_SAMPLE_ID, 0));
        }
        Model {
            presets: vec![Preset {
                header: PresetHeader {
                    name: terminal_name("Test"),
                    program: 0,
                    bank: 0,
                    bag: 0,
                    library: 0,
                    genre: 0,
                    morphology: 0,
                },
                zones: vec![Zone {
                    gens: preset_gens,
                    mods: Vec::new(),
                }],
            }],
            instruments: vec![Instrument {
                name: terminal_name("Test"),
                zones: vec![Zone {
                    gens: inst_gens,
                    mods: Vec::new(),
                }],
            }],
            notes: vec![None; samples.len()],
            samples,
            pcm: Pcm::Decoded(pcm),
            extra: Vec::new(),
        }
    }

    fn saw(n: usize) -> Vec<i16> {
        (0..n).map(|i| ((i % 50) as i16 - 25) * 1000).collect()
    }

    #[test]
    fn clean_font_is_borrowed() {
        let mut pcm = saw(1000);
        pcm.extend([0; GUARD]);
        let gens = vec![(GEN_KEY_RANGE, 48 | 72 << 8), (GEN_SAMPLE_MODES, 1)];
        let bytes = tiny_font(pcm, vec![sample("Saw", 0, 1000, 100, 900)], gens);
        let (sf2, summary) = prepare(&bytes).unwrap();
        assert!(matches!(sf2, Cow::Borrowed(_)));
        assert_eq!(summary.name, "Tiny");
        assert_eq!(
            summary.presets,
            vec![PresetSummary {
                bank: 0,
                program: 0,
                name: "Test".into()
            }]
        );
        assert_eq!(summary.sample_count, 1);
        assert_eq!(summary.sample_data_bytes, 2 * 1046);
    }

    #[test]
    fn short_loops_play_without_repair() {
        // A 4-point loop near the end of the data, played far above its root key with the pitch
        // bent up 24 semitones: about 385 sample points per output sample, so every step passes
        // the loop many times. Upstream rustysynth walks out of such a loop and off the end of
        // the buffer (a panic); the fork wraps by whole loop lengths. prepare leaves it alone.
        let pcm = saw(1000);
        let bytes = tiny_font(pcm, vec![sample("Saw", 0, 999, 995, 999)], vec![(54, 1)]);
        let (sf2, _) = prepare(&bytes).unwrap();
        assert!(matches!(sf2, Cow::Borrowed(_)));
        let font = load(&sf2).unwrap();
        let s = &font.get_sample_headers()[0];
        assert_eq!((s.get_start_loop(), s.get_end_loop()), (995, 999));
        for rate in [22050, 44100, 96000] {
            let (l, r) = catch_unwind(|| play(&font, rate, &[(0, 0), (0, 0)], &[0, 60, 127], 0.5))
                .expect("the fork must not panic on a loop shorter than the pitch step");
            assert!(l.iter().chain(&r).all(|x| x.is_finite()));
            // The loop holds points of about 0.65 full scale: the held note is clearly audible,
            // to the end of the rendering.
            let tail = l.len() - l.len() / 5;
            assert!(peak(&l[tail..], &r[tail..]) > 1e-2, "rate {rate}");
        }

        // The same loop ending exactly at the end of the data gets the guard points.
        let bytes = tiny_font(
            saw(999),
            vec![sample("Saw", 0, 999, 995, 999)],
            vec![(54, 1)],
        );
        let (sf2, summary) = prepare(&bytes).unwrap();
        assert_eq!(summary.sample_data_bytes, 2 * (999 + GUARD));
        let font = load(&sf2).unwrap();
        let (l, r) = play(&font, 22050, &[(0, 0), (0, 0)], &[0, 60, 127], 0.3);
        assert!(l.iter().chain(&r).all(|x| x.is_finite()));
        assert!(peak(&l, &r) > 1e-2);
    }

    #[test]
    fn sloppy_loops_are_repaired() {
        let mut pcm = saw(1000);
        pcm.extend([0; GUARD]);
        // Loop end past the data, loop start negative as i32: both reset to the sample bounds.
        let bytes = tiny_font(
            pcm,
            vec![sample("Saw", 0, 1000, u32::MAX, 5000)],
            vec![(GEN_KEY_RANGE, 48 | 72 << 8), (GEN_SAMPLE_MODES, 1)],
        );
        let (sf2, _) = prepare(&bytes).unwrap();
        assert!(matches!(sf2, Cow::Owned(_)));
        let font = load(&sf2).unwrap();
        let s = &font.get_sample_headers()[0];
        assert_eq!((s.get_start_loop(), s.get_end_loop()), (0, 1000));
        play(&font, 22050, &[(0, 0)], &[60], 0.1);

        // A short loop outside its sample but inside the data is left alone, and plays.
        let bytes = tiny_font(
            saw(2000),
            vec![sample("Saw", 0, 1000, 1500, 1504)],
            vec![(GEN_SAMPLE_MODES, 1)],
        );
        let (sf2, _) = prepare(&bytes).unwrap();
        assert!(matches!(sf2, Cow::Borrowed(_)));
        let font = load(&sf2).unwrap();
        let region = &font.get_instruments()[0].get_regions()[0];
        assert_eq!(region.get_sample_modes(), rs::LoopMode::Continuous);
        let (l, r) = play(&font, 22050, &[(0, 0), (0, 0)], &[127], 0.1);
        assert!(l.iter().chain(&r).all(|x| x.is_finite()));

        // A sample ending exactly at the end of the data gets guard points.
        let bytes = tiny_font(saw(1000), vec![sample("Saw", 0, 1000, 100, 900)], vec![]);
        let (sf2, summary) = prepare(&bytes).unwrap();
        assert_eq!(summary.sample_data_bytes, 2 * (1000 + GUARD));
        load(&sf2).unwrap();
    }

    #[test]
    fn unstable_filter_and_infinite_gain_are_repaired() {
        let mut pcm = saw(1000);
        pcm.extend([0; GUARD]);
        let keys = (GEN_KEY_RANGE, 48 | 72 << 8);
        let render = |bytes: &[u8]| {
            let font = load(bytes).unwrap();
            let (l, r) = play(&font, 44100, &[(0, 0)], &[60], 0.5);
            l.iter().chain(&r).all(|x| x.is_finite())
        };
        // A preset offset of -4 dB on an instrument resonance of +2.8 dB sums to -1.2 dB, where
        // rustysynth's filter has a negative Q. A cutoff of about 2 kHz is inside the audio band.
        let bytes = tiny_font_with(
            pcm.clone(),
            vec![sample("Saw", 0, 1000, 100, 900)],
            vec![(GEN_FILTER_Q, (-40i16) as u16)],
            vec![keys, (GEN_SAMPLE_MODES, 1), (8, 7000), (GEN_FILTER_Q, 28)],
        );
        eprintln!(
            "unprepared resonance renders finite samples: {}",
            render(&bytes)
        );
        let (sf2, _) = prepare(&bytes).unwrap();
        assert!(matches!(sf2, Cow::Owned(_)));
        assert!(render(&sf2));

        // modLfoToVolume at +3276.7 dB makes an infinite gain.
        let bytes = tiny_font(
            pcm,
            vec![sample("Saw", 0, 1000, 100, 900)],
            vec![keys, (GEN_SAMPLE_MODES, 1), (GEN_MOD_LFO_TO_VOLUME, 32767)],
        );
        eprintln!(
            "unprepared tremolo renders finite samples: {}",
            render(&bytes)
        );
        let (sf2, _) = prepare(&bytes).unwrap();
        assert!(render(&sf2));
    }

    #[test]
    fn empty_presets_and_instruments_get_an_empty_zone() {
        let mut pcm = saw(1000);
        pcm.extend([0; GUARD]);
        let keys = (GEN_KEY_RANGE, 48 | 72 << 8);
        let mut model = tiny_model(
            pcm,
            vec![sample("Saw", 0, 1000, 100, 900)],
            vec![],
            vec![keys],
        );
        let mut silent = model.presets[0].header;
        silent.program = 1;
        model.presets.push(Preset {
            header: silent,
            zones: Vec::new(),
        });
        model.instruments.push(Instrument {
            name: terminal_name("Nothing"),
            zones: Vec::new(),
        });
        let bytes = write_tiny(&model);
        assert!(load(&bytes).is_err(), "rustysynth refuses zoneless presets");
        let (sf2, summary) = prepare(&bytes).unwrap();
        assert_eq!(summary.presets.len(), 2);
        let font = load(&sf2).unwrap();
        play(&font, 22050, &[(0, 0), (0, 1)], &[60], 0.1);

        // An unused instrument whose zone is broken loses the zone; a used one is an error.
        model.presets.pop();
        model.instruments[1].zones.push(Zone {
            gens: vec![(GEN_SAMPLE_ID, 9)],
            mods: Vec::new(),
        });
        let bytes = write_tiny(&model);
        let (sf2, _) = prepare(&bytes).unwrap();
        assert!(load(&sf2).unwrap().get_instruments()[1]
            .get_regions()
            .is_empty());
        model.presets[0].zones[0].gens = vec![(GEN_INSTRUMENT, 1)];
        let e = prepare(&write_tiny(&model)).err().unwrap_or_default();
        assert_eq!(
            e,
            "instrument 1 'Nothing' zone 0: refers to sample 9 but the font has 1 samples"
        );
    }

    #[test]
    fn bad_fonts_are_rejected_with_a_reason() {
        let mut pcm = saw(1000);
        pcm.extend([0; GUARD]);
        let good = tiny_font(pcm.clone(), vec![sample("Saw", 0, 1000, 100, 900)], vec![]);
        let err = |bytes: &[u8]| prepare(bytes).err().unwrap_or_default();

        assert!(err(b"RIFX").contains("too short"));
        assert!(err(&good[..good.len() - 10]).contains("runs past the end of the file"));
        let mut v = good.clone();
        v[8..12].copy_from_slice(b"WAVE");
        assert!(err(&v).contains("'WAVE'"));

        let e = err(&tiny_font(
            pcm.clone(),
            vec![sample("Piano C4", 0, 5000, 100, 900)],
            vec![],
        ));
        assert!(
            e.contains("sample 0 'Piano C4' end 5000 is past the end of the sample data"),
            "{e}"
        );
        let e = err(&tiny_font(
            pcm.clone(),
            vec![sample("Empty", 10, 10, 10, 10)],
            vec![],
        ));
        assert!(e.contains("sample 0 'Empty' is empty"), "{e}");
        let e = err(&tiny_font(
            pcm.clone(),
            vec![sample("Saw", 0, 1000, 100, 900)],
            vec![(GEN_SAMPLE_ID, 7)],
        ));
        assert!(
            e.contains("refers to sample 7 but the font has 1 samples"),
            "{e}"
        );
        let e = err(&tiny_font(
            pcm.clone(),
            vec![sample("Saw", 0, 1000, 100, 900)],
            vec![(GEN_END_COARSE, 1)],
        ));
        assert!(e.contains("address offsets"), "{e}");

        // Hydra records: a pbag size that is not a multiple of 4, a decreasing bag index.
        let chunks = pdta_chunks(&good);
        let (_, pbag_at, _) = *chunks.iter().find(|c| &c.0 == b"pbag").unwrap();
        let mut v = good.clone();
        v[pbag_at + 4] += 1;
        let e = err(&v);
        assert!(
            e.contains("runs past") || e.contains("not a multiple of 4"),
            "{e}"
        );
        let (_, inst_at, _) = *chunks.iter().find(|c| &c.0 == b"inst").unwrap();
        let mut v = good.clone();
        v[inst_at + 8 + 20] = 5; // first instrument starts at bag 5
        let e = err(&v);
        assert!(e.contains("bag indices must not decrease"), "{e}");
        let (_, phdr_at, _) = *chunks.iter().find(|c| &c.0 == b"phdr").unwrap();
        let mut v = good.clone();
        v[phdr_at + 4..phdr_at + 8].copy_from_slice(&38u32.to_le_bytes());
        assert!(err(&v).contains("runs past") || err(&v).contains("no presets"));
    }
}
