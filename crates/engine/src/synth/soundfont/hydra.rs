//! The hydra: the `pdta` records of a SoundFont (presets, instruments, their zones of
//! generators and modulators, sample headers), as the writer takes them and as they are parsed
//! from a file.
//!
//! Parsing checks what rustysynth indexes with unchecked: record sizes (phdr 38, pbag 4,
//! pmod 10, pgen 4, inst 22, ibag 4, imod 10, igen 4, shdr 46), the terminal records, and bag,
//! generator and modulator indices that must not decrease and must stay inside their chunks.

use super::error::SoundFontError;
use super::riff::{fourcc, le16, le32, Layout};

/// Generator operators (SoundFont 2.01 section 8.1.2).
pub mod op {
    pub const START_ADDRS_OFFSET: u16 = 0;
    pub const END_ADDRS_OFFSET: u16 = 1;
    pub const STARTLOOP_ADDRS_OFFSET: u16 = 2;
    pub const ENDLOOP_ADDRS_OFFSET: u16 = 3;
    pub const START_ADDRS_COARSE_OFFSET: u16 = 4;
    pub const VIB_LFO_TO_PITCH: u16 = 6;
    pub const MOD_ENV_TO_PITCH: u16 = 7;
    pub const INITIAL_FILTER_FC: u16 = 8;
    pub const INITIAL_FILTER_Q: u16 = 9;
    pub const MOD_LFO_TO_FILTER_FC: u16 = 10;
    pub const MOD_ENV_TO_FILTER_FC: u16 = 11;
    pub const END_ADDRS_COARSE_OFFSET: u16 = 12;
    pub const MOD_LFO_TO_VOLUME: u16 = 13;
    pub const CHORUS_EFFECTS_SEND: u16 = 15;
    pub const REVERB_EFFECTS_SEND: u16 = 16;
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
    pub const STARTLOOP_ADDRS_COARSE_OFFSET: u16 = 45;
    pub const INITIAL_ATTENUATION: u16 = 48;
    pub const ENDLOOP_ADDRS_COARSE_OFFSET: u16 = 50;
    pub const COARSE_TUNE: u16 = 51;
    pub const FINE_TUNE: u16 = 52;
    pub const SAMPLE_ID: u16 = 53;
    pub const SAMPLE_MODES: u16 = 54;
    pub const EXCLUSIVE_CLASS: u16 = 57;
    pub const OVERRIDING_ROOT_KEY: u16 = 58;
}

/// Number of generator operators SoundFont 2.01 defines.
pub(super) const GEN_COUNT: usize = 61;

/// `sfSampleType` of a mono sample.
pub const SAMPLE_TYPE_MONO: u16 = 1;
/// The SF3 flag: the sample is an Ogg Vorbis stream.
pub(super) const SAMPLE_TYPE_VORBIS: u16 = 0x10;

/// One generator: an operator and its amount, a signed or unsigned 16-bit value or a
/// (low, high) byte range, as the operator defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Generator {
    pub oper: u16,
    pub amount: u16,
}

impl Generator {
    pub const fn new(oper: u16, amount: u16) -> Self {
        Generator { oper, amount }
    }

    /// A generator with a signed amount.
    pub const fn signed(oper: u16, amount: i16) -> Self {
        Generator {
            oper,
            amount: amount as u16,
        }
    }

    /// A range generator (keyRange, velRange).
    pub const fn range(oper: u16, lo: u8, hi: u8) -> Self {
        Generator {
            oper,
            amount: lo as u16 | (hi as u16) << 8,
        }
    }

    /// The amount read as signed.
    pub const fn value(self) -> i16 {
        self.amount as i16
    }
}

/// One modulator record (SoundFont 2.01 section 8.2), field for field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Modulator {
    pub source: u16,
    pub destination: u16,
    pub amount: i16,
    pub amount_source: u16,
    pub transform: u16,
}

/// A zone: its generators (a local zone ends with `instrument` or `sampleID`) and modulators.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Zone {
    pub generators: Vec<Generator>,
    pub modulators: Vec<Modulator>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preset {
    /// See [`name`].
    pub name: [u8; 20],
    pub program: u16,
    pub bank: u16,
    pub library: u32,
    pub genre: u32,
    pub morphology: u32,
    pub zones: Vec<Zone>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instrument {
    /// See [`name`].
    pub name: [u8; 20],
    pub zones: Vec<Zone>,
}

/// A sample header. Positions count sample points from the start of the sample data; the
/// loop end is exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleHeader {
    /// See [`name`].
    pub name: [u8; 20],
    pub start: u32,
    pub end: u32,
    pub loop_start: u32,
    pub loop_end: u32,
    pub sample_rate: u32,
    /// MIDI key of the recorded pitch.
    pub original_pitch: u8,
    /// Cents.
    pub pitch_correction: i8,
    pub link: u16,
    /// [`SAMPLE_TYPE_MONO`] and the other `sfSampleType` values.
    pub sample_type: u16,
}

/// A 20-byte record name: the ASCII characters of `s`, cut at 20 and zero-padded.
pub fn name(s: &str) -> [u8; 20] {
    let mut out = [0u8; 20];
    for (o, c) in out.iter_mut().zip(s.bytes().filter(u8::is_ascii)) {
        *o = c;
    }
    out
}

/// A fixed-length string as rustysynth reads it: up to the first NUL, non-ASCII as '?'.
pub(super) fn text(b: &[u8]) -> String {
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

fn read_name(b: &[u8], at: usize) -> [u8; 20] {
    let mut out = [0u8; 20];
    if let Some(src) = at.checked_add(20).and_then(|end| b.get(at..end)) {
        out.copy_from_slice(src);
    }
    out
}

/// The parsed hydra, terminal records removed.
pub(super) struct Hydra {
    pub(super) presets: Vec<Preset>,
    pub(super) instruments: Vec<Instrument>,
    pub(super) samples: Vec<SampleHeader>,
}

#[derive(Clone, Copy)]
struct Bag {
    gen: u16,
    modu: u16,
}

/// The records of a pdta chunk. A missing optional chunk has no records.
fn records<'a>(
    layout: &Layout<'a>,
    id: &[u8; 4],
    size: usize,
    required: bool,
) -> Result<Vec<&'a [u8]>, SoundFontError> {
    let Some(chunk) = layout.pdta.iter().find(|c| &c.id == id) else {
        if required {
            return Err(SoundFontError::MissingChunk { chunk: fourcc(id) });
        }
        return Ok(Vec::new());
    };
    let len = chunk.data.len();
    if len % size != 0 {
        return Err(SoundFontError::RecordSize {
            chunk: fourcc(id),
            len,
            record: size,
        });
    }
    if len == 0 && required {
        return Err(SoundFontError::NoTerminalRecord { chunk: fourcc(id) });
    }
    Ok(chunk.data.chunks_exact(size).collect())
}

fn bags(layout: &Layout, id: &[u8; 4]) -> Result<Vec<Bag>, SoundFontError> {
    Ok(records(layout, id, 4, true)?
        .into_iter()
        .map(|r| Bag {
            gen: le16(r, 0),
            modu: le16(r, 2),
        })
        .collect())
}

fn generators(layout: &Layout, id: &[u8; 4]) -> Result<Vec<Generator>, SoundFontError> {
    Ok(records(layout, id, 4, true)?
        .into_iter()
        .map(|r| Generator::new(le16(r, 0), le16(r, 2)))
        .collect())
}

fn modulators(layout: &Layout, id: &[u8; 4]) -> Result<Vec<Modulator>, SoundFontError> {
    Ok(records(layout, id, 10, false)?
        .into_iter()
        .map(|r| Modulator {
            source: le16(r, 0),
            destination: le16(r, 2),
            amount: le16(r, 4) as i16,
            amount_source: le16(r, 6),
            transform: le16(r, 8),
        })
        .collect())
}

fn sample_header(r: &[u8]) -> SampleHeader {
    SampleHeader {
        name: read_name(r, 0),
        start: le32(r, 20),
        end: le32(r, 24),
        loop_start: le32(r, 28),
        loop_end: le32(r, 32),
        sample_rate: le32(r, 36),
        original_pitch: r.get(40).copied().unwrap_or(0),
        pitch_correction: i8::from_le_bytes([r.get(41).copied().unwrap_or(0)]),
        link: le16(r, 42),
        sample_type: le16(r, 44),
    }
}

pub(super) fn parse_hydra(layout: &Layout) -> Result<Hydra, SoundFontError> {
    let phdr = records(layout, b"phdr", 38, true)?;
    let inst = records(layout, b"inst", 22, true)?;
    let mut samples: Vec<SampleHeader> = records(layout, b"shdr", 46, true)?
        .into_iter()
        .map(sample_header)
        .collect();
    samples.pop(); // the terminal EOS record

    if phdr.len() < 2 {
        return Err(SoundFontError::Empty { what: "presets" });
    }
    if inst.len() < 2 {
        return Err(SoundFontError::Empty {
            what: "instruments",
        });
    }
    let (pbag, pmod, pgen) = (
        bags(layout, b"pbag")?,
        modulators(layout, b"pmod")?,
        generators(layout, b"pgen")?,
    );
    let (ibag, imod, igen) = (
        bags(layout, b"ibag")?,
        modulators(layout, b"imod")?,
        generators(layout, b"igen")?,
    );

    let starts: Vec<u16> = phdr.iter().map(|r| le16(r, 24)).collect();
    let names: Vec<[u8; 20]> = phdr.iter().map(|r| read_name(r, 0)).collect();
    let zones = build_zones(&PRESET_LEVEL, &starts, &names, &pbag, &pgen, &pmod)?;
    let presets = phdr
        .iter()
        .zip(zones)
        .map(|(r, zones)| Preset {
            name: read_name(r, 0),
            program: le16(r, 20),
            bank: le16(r, 22),
            library: le32(r, 26),
            genre: le32(r, 30),
            morphology: le32(r, 34),
            zones,
        })
        .collect();

    let starts: Vec<u16> = inst.iter().map(|r| le16(r, 20)).collect();
    let names: Vec<[u8; 20]> = inst.iter().map(|r| read_name(r, 0)).collect();
    let zones = build_zones(&INST_LEVEL, &starts, &names, &ibag, &igen, &imod)?;
    let instruments = names
        .into_iter()
        .zip(zones)
        .map(|(name, zones)| Instrument { name, zones })
        .collect();

    Ok(Hydra {
        presets,
        instruments,
        samples,
    })
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
    gens: &[Generator],
    mods: &[Modulator],
) -> Result<Vec<Vec<Zone>>, SoundFontError> {
    check_bags(level, bags, gens.len(), mods.len())?;
    check_starts(level, starts, names, bags.len())?;
    let zone = |z: usize| -> Zone {
        let (Some(a), Some(b)) = (bags.get(z), bags.get(z + 1)) else {
            return Zone::default();
        };
        Zone {
            generators: gens
                .get(usize::from(a.gen)..usize::from(b.gen))
                .unwrap_or_default()
                .to_vec(),
            modulators: mods
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

/// Generator and modulator indices of the bag records: rising, and inside their chunks
/// (whose last record is the terminal one).
fn check_bags(
    level: &Level,
    bags: &[Bag],
    gen_records: usize,
    mod_records: usize,
) -> Result<(), SoundFontError> {
    let gen_count = gen_records.saturating_sub(1);
    let mod_count = mod_records.saturating_sub(1);
    for (j, pair) in bags.windows(2).enumerate() {
        if let [a, b] = pair {
            for (kind, first, next) in [("generator", a.gen, b.gen), ("modulator", a.modu, b.modu)]
            {
                if first > next {
                    return Err(SoundFontError::ZoneIndexOrder {
                        bag: level.bag,
                        record: j,
                        kind,
                        first,
                        next,
                    });
                }
            }
        }
    }
    if let Some(last) = bags.last() {
        let ends = [
            ("generator", last.gen, level.gen, gen_count),
            ("modulator", last.modu, level.modu, mod_count),
        ];
        for (kind, index, chunk, count) in ends {
            if usize::from(index) > count {
                return Err(SoundFontError::ZoneIndexPastEnd {
                    bag: level.bag,
                    kind,
                    index,
                    chunk,
                    count,
                });
            }
        }
    }
    Ok(())
}

/// Bag indices of the headers: rising, and inside the bag chunk.
fn check_starts(
    level: &Level,
    starts: &[u16],
    names: &[[u8; 20]],
    bag_records: usize,
) -> Result<(), SoundFontError> {
    let bag_count = bag_records.saturating_sub(1);
    for (i, pair) in starts.windows(2).enumerate() {
        if let [a, b] = pair {
            if a > b {
                return Err(SoundFontError::BagIndexOrder {
                    level: level.item,
                    index: i,
                    name: names.get(i).map(|n| text(n)).unwrap_or_default(),
                    bag: level.bag,
                    first: *a,
                    next: *b,
                });
            }
        }
    }
    if let Some(&last) = starts.last() {
        if usize::from(last) > bag_count {
            return Err(SoundFontError::BagIndexPastEnd {
                header: level.hdr,
                bag: level.bag,
                index: last,
                count: bag_count,
            });
        }
    }
    Ok(())
}
