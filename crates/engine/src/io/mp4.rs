//! The part of an MP4 (ISO BMFF: .m4a, .mp4) file that says which decoded samples are audio: the
//! audio track's edit list. AAC encoders prime the decoder with silence (1024 samples from
//! ffmpeg, 2112 from Apple's) and pad the last frame; the file's `elst` entry says where the
//! real signal starts (`media_time`) and how long it lasts (`segment_duration`). Symphonia 0.5
//! reads the atom but does not apply it, so the decoder applies the [`Edit`] read here.

use std::io::{Read, Seek, SeekFrom};

/// The span of the decoded track that is the signal, in the track's sample frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Edit {
    /// Frames to drop at the start (the encoder's priming).
    pub skip: u64,
    /// Frames to keep after those, when the file says.
    pub length: Option<u64>,
}

/// The audio track's one edit as the file states it, in its own timescales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TrackEdit {
    /// Where the signal starts, in the track's (media) timescale.
    media_time: u64,
    media_scale: u32,
    /// How long it lasts, in the movie timescale; 0 when the file does not say.
    duration: u64,
    movie_scale: u32,
}

impl TrackEdit {
    /// The edit in frames at `sample_rate`.
    pub(crate) fn frames(self, sample_rate: u32) -> Edit {
        let at = |t: u64, scale: u32| {
            let f = (u128::from(t) * u128::from(sample_rate) + u128::from(scale) / 2)
                / u128::from(scale);
            u64::try_from(f).unwrap_or(u64::MAX)
        };
        Edit {
            skip: at(self.media_time, self.media_scale),
            // Fragmented files leave the duration 0 (unknown here): keep all after the skip.
            length: (self.duration > 0).then(|| at(self.duration, self.movie_scale)),
        }
    }
}

/// Largest `moov` box read into memory; real ones are kilobytes to a few megabytes.
const MAX_MOOV: u64 = 64 << 20;

/// The audio track's edit, or `None` when the file is not MP4, has no audio track, no edit list,
/// or one this reader does not apply (several edits, a rate change). The reader is left at the
/// start.
pub(crate) fn audio_edit<R: Read + Seek + ?Sized>(r: &mut R) -> Option<TrackEdit> {
    let moov = find_moov(r);
    r.seek(SeekFrom::Start(0)).ok()?;
    let moov = moov?;
    let movie_scale = child(&moov, b"mvhd").and_then(timescale)?;
    let edit = boxes(&moov)
        .filter(|(kind, _)| kind == b"trak")
        .find_map(|(_, trak)| track_edit(trak, movie_scale));
    edit
}

/// The body of the top-level `moov` box, walking the top-level boxes from the start.
fn find_moov<R: Read + Seek + ?Sized>(r: &mut R) -> Option<Vec<u8>> {
    let mut head = [0u8; 8];
    r.seek(SeekFrom::Start(0)).ok()?;
    r.read_exact(&mut head).ok()?;
    if &head[4..8] != b"ftyp" {
        return None;
    }
    let mut at = 0u64;
    loop {
        r.seek(SeekFrom::Start(at)).ok()?;
        r.read_exact(&mut head).ok()?;
        let mut size = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        let mut header = 8;
        if size == 1 {
            let mut large = [0u8; 8];
            r.read_exact(&mut large).ok()?;
            size = u64::from_be_bytes(large);
            header = 16;
        }
        if size != 0 && size < header {
            return None;
        }
        if &head[4..8] == b"moov" {
            let len = if size == 0 { MAX_MOOV } else { size - header };
            let mut body = Vec::new();
            r.take(len.min(MAX_MOOV)).read_to_end(&mut body).ok()?;
            return Some(body);
        }
        if size == 0 {
            return None;
        }
        at = at.checked_add(size)?;
    }
}

/// The edit of one `trak`, if it is the audio track.
fn track_edit(trak: &[u8], movie_scale: u32) -> Option<TrackEdit> {
    let mdia = child(trak, b"mdia")?;
    let hdlr = child(mdia, b"hdlr")?;
    if hdlr.get(8..12)? != b"soun" {
        return None;
    }
    let media_scale = child(mdia, b"mdhd").and_then(timescale)?;
    let elst = child(child(trak, b"edts")?, b"elst")?;
    let version = *elst.first()?;
    let count = be_u32(elst.get(4..8)?)?;
    let entry_len = if version == 1 { 20 } else { 12 };
    let mut real = Vec::new();
    for i in 0..count as usize {
        let e = elst.get(8 + i * entry_len..8 + (i + 1) * entry_len)?;
        let (duration, media_time, rate) = if version == 1 {
            (be_u64(&e[..8])?, be_u64(&e[8..16])? as i64, &e[16..20])
        } else {
            (
                u64::from(be_u32(&e[..4])?),
                i64::from(be_u32(&e[4..8])? as i32),
                &e[8..12],
            )
        };
        // An empty edit (media_time -1) delays the track in the presentation; it holds no
        // samples, so it changes nothing in what is decoded.
        if media_time >= 0 {
            real.push((duration, media_time as u64, rate));
        }
    }
    let [(duration, media_time, rate)] = real[..] else {
        return None;
    };
    if rate != [0, 1, 0, 0] {
        return None;
    }
    Some(TrackEdit {
        media_time,
        media_scale,
        duration,
        movie_scale,
    })
}

/// The timescale of an `mvhd` or `mdhd` body (version 0 or 1).
fn timescale(body: &[u8]) -> Option<u32> {
    let at = if *body.first()? == 1 { 20 } else { 12 };
    be_u32(body.get(at..at + 4)?).filter(|&s| s > 0)
}

/// The body of the first child box of kind `kind` in `body`.
fn child<'a>(body: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    boxes(body).find(|(k, _)| k == kind).map(|(_, b)| b)
}

/// The boxes laid end to end in `body`, as (kind, body); stops at the first malformed one.
fn boxes(body: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    let mut rest = body;
    std::iter::from_fn(move || {
        let size = be_u32(rest.get(..4)?)? as usize;
        let kind: [u8; 4] = rest.get(4..8)?.try_into().ok()?;
        let (header, size) = match size {
            0 => (8, rest.len()),
            1 => (16, usize::try_from(be_u64(rest.get(8..16)?)?).ok()?),
            n => (8, n),
        };
        let inner = rest.get(header..size)?;
        rest = &rest[size..];
        Some((kind, inner))
    })
}

fn be_u32(b: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(b.try_into().ok()?))
}

fn be_u64(b: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(b.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v
    }

    fn header_with_scale(scale: u32) -> Vec<u8> {
        let mut b = vec![0u8; 12];
        b.extend_from_slice(&scale.to_be_bytes());
        b.extend_from_slice(&[0u8; 8]);
        b
    }

    fn file(elst: &[u8], handler: &[u8; 4]) -> Vec<u8> {
        let mut hdlr = vec![0u8; 8];
        hdlr.extend_from_slice(handler);
        hdlr.extend_from_slice(&[0u8; 12]);
        let mdia = [bx(b"mdhd", &header_with_scale(44_100)), bx(b"hdlr", &hdlr)].concat();
        let trak = [bx(b"edts", &bx(b"elst", elst)), bx(b"mdia", &mdia)].concat();
        let moov = [bx(b"mvhd", &header_with_scale(1000)), bx(b"trak", &trak)].concat();
        [
            bx(b"ftyp", b"M4A \0\0\0\0"),
            bx(b"free", &[0u8; 5]),
            bx(b"moov", &moov),
        ]
        .concat()
    }

    fn elst_v0(entries: &[(u32, i32)]) -> Vec<u8> {
        let mut b = vec![0u8; 4];
        b.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        for &(d, t) in entries {
            b.extend_from_slice(&d.to_be_bytes());
            b.extend_from_slice(&t.to_be_bytes());
            b.extend_from_slice(&[0, 1, 0, 0]);
        }
        b
    }

    #[test]
    fn the_audio_edit_is_read_in_frames() {
        let f = file(&elst_v0(&[(2000, 1024)]), b"soun");
        let mut c = std::io::Cursor::new(f);
        c.set_position(17);
        let e = audio_edit(&mut c);
        assert_eq!(
            e.map(|e| e.frames(44_100)),
            Some(Edit {
                skip: 1024,
                length: Some(88_200)
            })
        );
        assert_eq!(c.position(), 0);
        // An empty edit first changes nothing; a video track or two real edits give none.
        let f = file(&elst_v0(&[(500, -1), (2000, 1024)]), b"soun");
        assert_eq!(audio_edit(&mut std::io::Cursor::new(f)), e);
        let f = file(&elst_v0(&[(2000, 1024)]), b"vide");
        assert_eq!(audio_edit(&mut std::io::Cursor::new(f)), None);
        let f = file(&elst_v0(&[(1000, 1024), (1000, 50_000)]), b"soun");
        assert_eq!(audio_edit(&mut std::io::Cursor::new(f)), None);
    }

    #[test]
    fn other_and_broken_files_give_none() {
        let f = file(&elst_v0(&[(2000, 1024)]), b"soun");
        for n in 0..f.len() {
            let _ = audio_edit(&mut std::io::Cursor::new(&f[..n]));
        }
        let riff = b"RIFF\x24\0\0\0WAVEfmt ".to_vec();
        assert_eq!(audio_edit(&mut std::io::Cursor::new(riff)), None);
    }
}
