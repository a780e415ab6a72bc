//! The RIFF structure of a SoundFont: the `RIFF`/`sfbk` chunk, its `INFO`, `sdta` and `pdta`
//! lists and their chunks, each checked to lie inside its parent.
//!
//! The layout also records whether rustysynth would read the file exactly as we do. It reads
//! the three lists in that order straight after the RIFF header, with no RIFF pad bytes, and
//! refuses chunk IDs it does not know; anything else (pad bytes, other chunks, another order, an
//! `ifil`/`iver` chunk that is not 4 bytes) marks the layout as not clean, and the file is
//! written out again in the layout rustysynth expects.

use super::error::SoundFontError;

/// INFO sub-chunks rustysynth reads; any other ID makes it refuse the file.
const INFO_IDS: [&[u8; 4]; 11] = [
    b"ifil", b"isng", b"INAM", b"irom", b"iver", b"ICRD", b"IENG", b"IPRD", b"ICOP", b"ICMT",
    b"ISFT",
];
const PDTA_IDS: [&[u8; 4]; 9] = [
    b"phdr", b"pbag", b"pmod", b"pgen", b"inst", b"ibag", b"imod", b"igen", b"shdr",
];

/// Out-of-range reads give 0: callers have checked the lengths that matter.
pub(super) fn le16(b: &[u8], at: usize) -> u16 {
    match at.checked_add(2).and_then(|end| b.get(at..end)) {
        Some(&[x, y]) => u16::from_le_bytes([x, y]),
        _ => 0,
    }
}

/// Out-of-range reads give 0: callers have checked the lengths that matter.
pub(super) fn le32(b: &[u8], at: usize) -> u32 {
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

/// A FourCC for messages.
pub(super) fn fourcc(id: &[u8]) -> String {
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

fn looks_like_id(b: &[u8], at: usize) -> bool {
    four(b, at).is_some_and(|id| id.iter().all(|c| (0x20..=0x7e).contains(c)))
}

pub(super) struct RawChunk<'a> {
    pub(super) id: [u8; 4],
    /// Byte offset of the chunk header in the file.
    pub(super) at: usize,
    pub(super) data: &'a [u8],
}

impl RawChunk<'_> {
    /// Byte offset just past the chunk's data.
    fn end(&self) -> usize {
        self.at + 8 + self.data.len()
    }
}

pub(super) struct Layout<'a> {
    /// The INFO sub-chunks rustysynth accepts, in file order.
    pub(super) info: Vec<([u8; 4], &'a [u8])>,
    pub(super) smpl: &'a [u8],
    /// The known pdta sub-chunks, one of each at most.
    pub(super) pdta: Vec<RawChunk<'a>>,
    /// rustysynth reads this file exactly as we do.
    pub(super) clean: bool,
}

pub(super) fn parse_layout(bytes: &[u8]) -> Result<Layout<'_>, SoundFontError> {
    let riff_end = riff_end(bytes)?;
    let mut clean = true;
    let top = walk(bytes, 12, riff_end, "the RIFF chunk", &mut clean)?;
    let [(info_n, info), (sdta_n, sdta), (pdta_n, pdta)] = find_lists(&top, &mut clean)?;
    // rustysynth reads INFO, sdta and pdta back to back from byte 12, without pad bytes.
    if !(info_n == 0
        && sdta_n == 1
        && pdta_n == 2
        && info.at == 12
        && info.end() == sdta.at
        && sdta.end() == pdta.at)
    {
        clean = false;
    }
    let info = info_items(sub_chunks(bytes, info, "INFO", &mut clean)?, &mut clean);
    let smpl = sample_chunk(sub_chunks(bytes, sdta, "sdta", &mut clean)?, &mut clean)?;
    let pdta = pdta_chunks(sub_chunks(bytes, pdta, "pdta", &mut clean)?, &mut clean)?;
    Ok(Layout {
        info,
        smpl,
        pdta,
        clean,
    })
}

/// Checks the RIFF header and returns the end of the RIFF chunk.
fn riff_end(bytes: &[u8]) -> Result<usize, SoundFontError> {
    if bytes.len() < 12 {
        return Err(SoundFontError::TooShort { len: bytes.len() });
    }
    if !bytes.starts_with(b"RIFF") {
        return Err(SoundFontError::NotRiff {
            found: fourcc(bytes.get(..4).unwrap_or_default()),
        });
    }
    if bytes.get(8..12) != Some(b"sfbk".as_slice()) {
        return Err(SoundFontError::NotSfbk {
            found: fourcc(bytes.get(8..12).unwrap_or_default()),
        });
    }
    let size = le32(bytes, 4) as usize;
    size.checked_add(8)
        .filter(|&e| e <= bytes.len())
        .ok_or(SoundFontError::Truncated {
            size,
            file_len: bytes.len(),
        })
}

/// The chunks in `bytes[start..end]`. `what` names the container for messages.
fn walk<'a>(
    bytes: &'a [u8],
    start: usize,
    end: usize,
    what: &str,
    clean: &mut bool,
) -> Result<Vec<RawChunk<'a>>, SoundFontError> {
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
            .ok_or_else(|| SoundFontError::ChunkOverrun {
                chunk: if &id == b"LIST" {
                    format!(
                        "list '{}'",
                        fourcc(&four(bytes, data_start).unwrap_or_default())
                    )
                } else {
                    format!("chunk '{}'", fourcc(&id))
                },
                at: pos,
                size,
                container: what.to_string(),
                end,
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

/// The INFO, sdta and pdta lists among the RIFF chunk's children, with their positions.
fn find_lists<'c, 'a>(
    top: &'c [RawChunk<'a>],
    clean: &mut bool,
) -> Result<[(usize, &'c RawChunk<'a>); 3], SoundFontError> {
    let mut lists: [Option<(usize, &RawChunk)>; 3] = [None, None, None];
    for (n, chunk) in top.iter().enumerate() {
        if &chunk.id != b"LIST" {
            *clean = false;
            continue;
        }
        let Some(kind) = four(chunk.data, 0) else {
            return Err(SoundFontError::UntypedList {
                at: chunk.at,
                len: chunk.data.len(),
            });
        };
        let slot = match &kind {
            b"INFO" => 0,
            b"sdta" => 1,
            b"pdta" => 2,
            _ => {
                *clean = false;
                continue;
            }
        };
        if let Some(entry) = lists.get_mut(slot) {
            if entry.is_some() {
                return Err(SoundFontError::DuplicateList {
                    list: fourcc(&kind),
                });
            }
            *entry = Some((n, chunk));
        }
    }
    match lists {
        [Some(info), Some(sdta), Some(pdta)] => Ok([info, sdta, pdta]),
        _ => Err(SoundFontError::MissingList {
            lists: ["INFO", "sdta", "pdta"]
                .iter()
                .zip(lists.iter())
                .filter(|(_, l)| l.is_none())
                .map(|(name, _)| *name)
                .collect(),
        }),
    }
}

/// The chunks inside a LIST chunk (after its type).
fn sub_chunks<'a>(
    bytes: &'a [u8],
    list: &RawChunk,
    name: &str,
    clean: &mut bool,
) -> Result<Vec<RawChunk<'a>>, SoundFontError> {
    walk(
        bytes,
        list.at + 12,
        list.end(),
        &format!("the '{name}' list"),
        clean,
    )
}

fn info_items<'a>(chunks: Vec<RawChunk<'a>>, clean: &mut bool) -> Vec<([u8; 4], &'a [u8])> {
    let mut items = Vec::new();
    for c in chunks {
        if !INFO_IDS.contains(&&c.id) {
            *clean = false;
            continue;
        }
        if (&c.id == b"ifil" || &c.id == b"iver") && c.data.len() != 4 {
            *clean = false;
            continue;
        }
        items.push((c.id, c.data));
    }
    items
}

fn sample_chunk<'a>(
    chunks: Vec<RawChunk<'a>>,
    clean: &mut bool,
) -> Result<&'a [u8], SoundFontError> {
    let mut smpl = None;
    for c in chunks {
        match &c.id {
            b"smpl" => {
                if smpl.is_some() {
                    return Err(SoundFontError::DuplicateChunk {
                        list: "sdta",
                        chunk: "smpl".into(),
                    });
                }
                smpl = Some(c.data);
            }
            b"sm24" => {}
            _ => *clean = false,
        }
    }
    smpl.ok_or(SoundFontError::NoSampleData)
}

fn pdta_chunks<'a>(
    chunks: Vec<RawChunk<'a>>,
    clean: &mut bool,
) -> Result<Vec<RawChunk<'a>>, SoundFontError> {
    let mut out: Vec<RawChunk> = Vec::new();
    for c in chunks {
        if !PDTA_IDS.contains(&&c.id) {
            *clean = false;
            continue;
        }
        if out.iter().any(|p| p.id == c.id) {
            return Err(SoundFontError::DuplicateChunk {
                list: "pdta",
                chunk: fourcc(&c.id),
            });
        }
        out.push(c);
    }
    Ok(out)
}
