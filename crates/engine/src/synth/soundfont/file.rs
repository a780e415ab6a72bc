//! Loading an SF3 file without reading its samples into memory. The font's bytes are read with
//! zeros in place of the `smpl` chunk's data (memory pages that are never written, so never
//! resident), and that chunk is read through a small buffer while the streams are measured from
//! their Ogg pages. Loading MuseScore_General_Full.sf3 so holds a few hundred kilobytes of it at
//! a time instead of its 86 MB; the samples are read from the file later, as renders need them.
//! A plain SF2 file is read the same way, without its `smpl` data: its 16-bit samples are read
//! from the file when a render needs them (FluidSynth's `synth.dynamic-sample-loading`).

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::ops::Range;

use super::riff::le32;
use super::vorbis::ChunkBytes;
use super::{prepare_lazily_reading, prepare_sf2_on_demand, LazyFont, Prepared, SoundFontSummary};

/// A SoundFont file validated and laid out as [`prepare_lazily`](super::prepare_lazily) does
/// from its bytes, without its sample data in memory: an SF3 font with its samples compressed,
/// or a plain SF2 font whose samples are read as renders need them. `None` for anything else:
/// a file whose `smpl` chunk is not where the RIFF reader finds it, one that does not load, an
/// SF2 font whose repair computed sample points, and any read error. The caller then reads the
/// file whole, which gives the same font or the error.
pub(crate) fn prepare_lazily_from_file(file: &mut File) -> Option<(LazyFont, SoundFontSummary)> {
    let without = read_without_samples(file).ok()??;
    if !without.ogg {
        return match prepare_sf2_on_demand(&without.bytes) {
            Ok(Some((font, summary))) if font.smpl == without.smpl => Some((font, summary)),
            _ => None,
        };
    }
    let mut smpl = FileChunk::new(file, without.smpl.clone());
    let prepared = prepare_lazily_reading(&without.bytes, Some(&mut smpl));
    match prepared {
        Ok((Prepared::Sf3(font), summary)) if font.smpl == without.smpl && !smpl.failed => {
            Some((font, summary))
        }
        _ => None,
    }
}

/// A SoundFont file's bytes with zeros in place of its `smpl` chunk's data.
struct WithoutSamples {
    bytes: Vec<u8>,
    /// The `smpl` chunk's data in the file.
    smpl: Range<usize>,
    /// That data starts with an Ogg page (SF3).
    ogg: bool,
}

/// Reads `file` without its sample data when its `smpl` chunk is found where the RIFF
/// structure puts it; `None` for any other file, which is then read whole (and checked as
/// usual).
fn read_without_samples(file: &mut File) -> io::Result<Option<WithoutSamples>> {
    let Ok(len) = usize::try_from(file.metadata()?.len()) else {
        return Ok(None);
    };
    let Some((smpl, ogg)) = find_smpl(file, len)? else {
        return Ok(None);
    };
    let mut bytes = vec![0u8; len];
    if let Some(head) = bytes.get_mut(..smpl.start) {
        read_at(file, 0, head)?;
    }
    if let Some(tail) = bytes.get_mut(smpl.end..) {
        read_at(file, smpl.end, tail)?;
    }
    Ok(Some(WithoutSamples { bytes, smpl, ogg }))
}

/// The data of the `smpl` chunk of the `sdta` list, and whether it starts with an Ogg page.
fn find_smpl(file: &mut File, len: usize) -> io::Result<Option<(Range<usize>, bool)>> {
    let mut head = [0u8; 12];
    if len < 12 {
        return Ok(None);
    }
    read_at(file, 0, &mut head)?;
    if &head[..4] != b"RIFF" || &head[8..] != b"sfbk" {
        return Ok(None);
    }
    let riff_end = (le32(&head, 4) as usize + 8).min(len);
    let mut at = 12;
    while at + 12 <= riff_end {
        read_at(file, at, &mut head)?;
        let size = le32(&head, 4) as usize;
        if &head[..4] == b"LIST" && &head[8..] == b"sdta" {
            let end = (at + 8 + size).min(riff_end);
            let mut sub = at + 12;
            while sub + 8 <= end {
                read_at(file, sub, &mut head[..8])?;
                let sub_size = le32(&head, 4) as usize;
                let data = sub + 8..sub + 8 + sub_size;
                if &head[..4] == b"smpl" {
                    if data.end > end || data.len() < 4 {
                        return Ok(None);
                    }
                    read_at(file, data.start, &mut head[..4])?;
                    return Ok(Some((data, &head[..4] == b"OggS")));
                }
                sub = data.end + (sub_size & 1);
            }
            return Ok(None);
        }
        at += 8 + size + (size & 1);
    }
    Ok(None)
}

fn read_at(file: &mut File, at: usize, buf: &mut [u8]) -> io::Result<()> {
    file.seek(SeekFrom::Start(at as u64))?;
    file.read_exact(buf)
}

/// Buffer of a [`FileChunk`]: many Ogg pages, so that walking them reads the file in order.
const CHUNK_BUFFER: usize = 1 << 16;

/// A file's `smpl` chunk, read through a buffer (pages walked in order are mostly read from it).
struct FileChunk<'f> {
    reader: BufReader<&'f File>,
    smpl: Range<usize>,
    /// Where the reader is in the file, when known.
    pos: Option<usize>,
    /// A read failed: what was measured cannot be trusted.
    failed: bool,
}

impl<'f> FileChunk<'f> {
    fn new(file: &'f File, smpl: Range<usize>) -> Self {
        FileChunk {
            reader: BufReader::with_capacity(CHUNK_BUFFER, file),
            smpl,
            pos: None,
            failed: false,
        }
    }
}

impl ChunkBytes for FileChunk<'_> {
    fn size(&self) -> usize {
        self.smpl.len()
    }

    fn read_at(&mut self, at: usize, buf: &mut [u8]) -> bool {
        let Some(from) = self.smpl.start.checked_add(at) else {
            return false;
        };
        if from.saturating_add(buf.len()) > self.smpl.end {
            return false;
        }
        let moved = match self.pos {
            // Forward within reach of the buffer: no system call when it holds the bytes.
            Some(pos) if from >= pos && from - pos <= CHUNK_BUFFER => {
                self.reader.seek_relative((from - pos) as i64)
            }
            _ => self.reader.seek(SeekFrom::Start(from as u64)).map(|_| ()),
        };
        let ok = moved.and_then(|()| self.reader.read_exact(buf)).is_ok();
        self.pos = ok.then_some(from + buf.len());
        self.failed |= !ok;
        ok
    }
}
