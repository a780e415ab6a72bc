//! The file level of a Standard MIDI File: the RIFF RMID wrapper, the MThd header, the chunks,
//! and how tracks combine (together in formats 0 and 1, one after another in format 2). Every
//! offset is counted from the first byte of the file, wrapper included.

use crate::error::Result;

use super::recovery::{bytes, Recorder, Recovery};
use super::track::{RawEvent, TrackReader, TrackSink};

/// What the chunks hold, before the tempo map.
pub(super) struct Chunks {
    pub(super) format: u16,
    pub(super) division: u16,
    /// Offset of the division field, for errors about it.
    pub(super) division_offset: usize,
    pub(super) track_count: usize,
    pub(super) events: Vec<RawEvent>,
    pub(super) track_names: Vec<String>,
}

fn u16_at(bytes: &[u8], pos: usize) -> Option<u16> {
    let b = bytes.get(pos..pos.checked_add(2)?)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

fn u32_at(bytes: &[u8], pos: usize) -> Option<u32> {
    let b = bytes.get(pos..pos.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// The bytes of the Standard MIDI File inside `bytes`: all of it, or the `data` chunk of a RIFF
/// RMID file (as Windows saves them). Returns (start, end).
fn smf_region(bytes: &[u8], rec: &mut Recorder) -> Result<(usize, usize)> {
    if bytes.is_empty() {
        return Err(rec.error(0, "empty file (0 bytes)"));
    }
    if bytes.get(0..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"RMID") {
        return Ok((0, bytes.len()));
    }
    let mut pos = 12usize;
    while let Some(header) = pos.checked_add(8).and_then(|e| bytes.get(pos..e)) {
        let id = &header[..4];
        let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let body = pos + 8;
        let end = body.saturating_add(len);
        if id == b"data" {
            if end > bytes.len() {
                let have = bytes.len() - body;
                rec.recover(
                    Recovery::TruncatedChunk,
                    pos + 4,
                    format!("RMID data chunk declares {len} bytes but only {have} remain (truncated file?)"),
                    || format!("RMID data chunk declares {len} bytes but only {have} remain: reading what is there"),
                )?;
            }
            return Ok((body, end.min(bytes.len())));
        }
        // RIFF chunks are padded to an even length.
        pos = end.saturating_add(len & 1);
    }
    Err(rec.error(12, "RMID file without a data chunk"))
}

/// Reads the header and every chunk of `bytes`.
pub(super) fn read_chunks(bytes: &[u8], rec: &mut Recorder) -> Result<Chunks> {
    let (start, end) = smf_region(bytes, rec)?;
    let smf = &bytes[..end];
    if smf.get(start..start + 4) != Some(b"MThd") {
        return Err(rec.error(start, "not a Standard MIDI File (no MThd header)"));
    }
    let eof = |pos: usize| rec.error(pos, "unexpected end of file");
    let header_len = u32_at(smf, start + 4).ok_or_else(|| eof(start + 4))? as usize;
    if header_len < 6 {
        return Err(rec.error(start + 4, format!("MThd length {header_len} is below 6")));
    }
    let format = u16_at(smf, start + 8).ok_or_else(|| eof(start + 8))?;
    let declared = u16_at(smf, start + 10).ok_or_else(|| eof(start + 10))?;
    let division = u16_at(smf, start + 12).ok_or_else(|| eof(start + 12))?;
    match format {
        0 | 1 => {}
        2 => rec.recover(
            Recovery::SequentialTracks,
            start + 8,
            "MIDI format 2 (independent sequences) is not supported; use format 0 or 1",
            || format!("format 2: the {declared} tracks are independent sequences, played one after another"),
        )?,
        f => return Err(rec.error(start + 8, format!("unknown MIDI format {f}"))),
    }
    if division == 0 {
        return Err(rec.error(start + 12, "time division is 0"));
    }
    let first_chunk = (start + 8)
        .checked_add(header_len)
        .ok_or_else(|| rec.error(start + 4, "MThd length overflows"))?;
    let mut chunks = Chunks {
        format,
        division,
        division_offset: start + 12,
        track_count: 0,
        events: Vec::new(),
        track_names: Vec::new(),
    };
    read_tracks(smf, first_chunk, &mut chunks, rec)?;
    check_track_count(&chunks, declared, start + 10, rec)?;
    Ok(chunks)
}

/// Reads the chunks from `pos` to the end of `smf`: MTrk chunks become events, others are
/// skipped, as the standard asks.
fn read_tracks(smf: &[u8], mut pos: usize, chunks: &mut Chunks, rec: &mut Recorder) -> Result<()> {
    // In format 2 each track starts where the previous one ended.
    let mut origin = 0u64;
    while pos < smf.len() {
        if smf.len() - pos < 8 {
            let n = smf.len() - pos;
            rec.recover(Recovery::TrailingBytes, pos, "", || {
                format!("{} after the last chunk: ignored", bytes(n))
            })?;
            break;
        }
        let id = &smf[pos..pos + 4];
        let len = u32_at(smf, pos + 4).unwrap_or(0) as usize;
        let body = pos + 8;
        let declared_end = body.saturating_add(len);
        if id == b"MTrk" {
            let n = chunks.track_count;
            if declared_end > smf.len() {
                let have = smf.len() - body;
                rec.recover(
                    Recovery::TruncatedChunk,
                    pos + 4,
                    format!("track {n} declares {len} bytes but only {have} remain (truncated file?)"),
                    || format!("track {n} declares {len} bytes but only {have} remain: reading what is there"),
                )?;
            }
            let track = u16::try_from(n).map_err(|_| rec.error(pos, "more than 65535 tracks"))?;
            let sink = TrackSink {
                events: &mut chunks.events,
                names: &mut chunks.track_names,
            };
            let range = (body, declared_end.min(smf.len()));
            let length = TrackReader::new(smf, range, track, origin, rec, sink).read()?;
            if chunks.format == 2 {
                origin += length;
            }
            chunks.track_count += 1;
        } else if !id.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
            return Err(rec.error(pos, "corrupt chunk header (expected MTrk)"));
        }
        pos = declared_end;
    }
    if chunks.track_count == 0 {
        return Err(rec.error(pos.min(smf.len()), "no MTrk track chunk found"));
    }
    Ok(())
}

/// A header that disagrees with the tracks found is a tolerance: the tracks found play.
fn check_track_count(
    chunks: &Chunks,
    declared: u16,
    offset: usize,
    rec: &mut Recorder,
) -> Result<()> {
    let found = chunks.track_count;
    if chunks.format == 0 && found > 1 {
        rec.recover(Recovery::TrackCount, offset, "", || {
            format!(
                "format 0 has one track, this file has {found}: they play together as in format 1"
            )
        })
    } else if found != usize::from(declared) {
        rec.recover(Recovery::TrackCount, offset, "", || {
            format!("the header declares {declared} tracks, the file has {found}")
        })
    } else {
        Ok(())
    }
}
