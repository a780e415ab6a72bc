//! SF3 samples. SF3 is MuseScore's format: `smpl` holds one Ogg Vorbis stream per sample, the
//! sample headers give byte offsets of the streams and loop points relative to the start of the
//! decoded sample, and the sample type has bit 0x10 set.
//!
//! A font is laid out without decoding anything: each stream's length is read from its Ogg
//! pages (the granule position of its last page, which is how many points a decoder gives), so
//! the headers can be placed in a SF2 `smpl` layout and validated like any SF2 font. The streams
//! are then decoded with `lewton`, on several threads, straight into their places: all of them
//! for a SF2 conversion, or only those a render needs (see `synth::on_demand`).

use std::io::Cursor;
use std::ops::Range;
use std::sync::Mutex;

use super::error::{SampleDecodeError, SoundFontError};
use super::hydra::{text, SampleHeader, SAMPLE_TYPE_VORBIS};
use super::writer::GUARD_POINTS;

/// Most sample points in the sample data: the `smpl` chunk and the file must fit a RIFF size.
const MAX_PCM_SAMPLES: usize = (u32::MAX as usize - (1 << 24)) / 2;

/// Most threads that decode SF3 samples (the calling one included).
const MAX_DECODE_THREADS: usize = 8;

/// Most points one Vorbis packet decodes to: half the largest block size (8192).
const MAX_POINTS_PER_PACKET: usize = 4096;

/// Where one SF3 sample's Ogg Vorbis stream is, and where its decoded points go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompressedSample {
    /// Its stream's bytes in the `smpl` chunk; empty when it cannot be decoded.
    pub bytes: Range<usize>,
    /// Its first point in the sample data that all samples, decoded, take.
    pub start: usize,
    /// Its length in points.
    pub len: usize,
}

/// Lays the SF3 samples out as a SF2 `smpl` chunk, without decoding: guard points, then each
/// sample followed by guard points. Rewrites the headers to point into it and returns where
/// each sample is, and the total number of points. A sample that cannot be decoded gets no
/// points, and `notes` says why.
pub(super) fn layout_sf3(
    smpl: &mut dyn ChunkBytes,
    samples: &mut [SampleHeader],
    notes: &mut [Option<SampleDecodeError>],
) -> Result<(Vec<CompressedSample>, usize), SoundFontError> {
    let smpl_len = smpl.size();
    let mut layout = Vec::with_capacity(samples.len());
    let mut total = GUARD_POINTS;
    for (i, s) in samples.iter_mut().enumerate() {
        if s.sample_type & SAMPLE_TYPE_VORBIS == 0 {
            if s.start != s.end {
                return Err(SoundFontError::MixedSamples {
                    sample: i,
                    name: text(&s.name),
                });
            }
            place(s, total, 0)?;
            layout.push(CompressedSample {
                bytes: 0..0,
                start: total,
                len: 0,
            });
            continue;
        }
        let (start, end) = (s.start as usize, s.end as usize);
        let measured = if start < end && end <= smpl_len {
            stream_length(smpl, start..end)
        } else {
            Err(SampleDecodeError::OutsideData {
                start,
                end,
                len: smpl_len,
            })
        };
        let (bytes, len) = match measured {
            Ok(len) => (start..end, len),
            Err(e) => {
                if let Some(note) = notes.get_mut(i) {
                    *note = Some(e);
                }
                (0..0, 0)
            }
        };
        place(s, total, len)?;
        layout.push(CompressedSample {
            bytes,
            start: total,
            len,
        });
        if len > 0 {
            total = total.saturating_add(len).saturating_add(GUARD_POINTS);
        }
        if total > MAX_PCM_SAMPLES {
            return Err(SoundFontError::DecodedTooLarge);
        }
    }
    Ok((layout, total))
}

/// The bytes of a `smpl` chunk, wherever they are: in memory, or in a file read as needed.
pub(super) trait ChunkBytes {
    /// The chunk's size in bytes.
    fn size(&self) -> usize;
    /// Fills `buf` from byte `at` of the chunk; false when it cannot.
    fn read_at(&mut self, at: usize, buf: &mut [u8]) -> bool;
}

impl ChunkBytes for &[u8] {
    fn size(&self) -> usize {
        self.len()
    }

    fn read_at(&mut self, at: usize, buf: &mut [u8]) -> bool {
        match at.checked_add(buf.len()).and_then(|end| self.get(at..end)) {
            Some(src) => {
                buf.copy_from_slice(src);
                true
            }
            None => false,
        }
    }
}

/// The length in points of a mono Ogg Vorbis stream, from its page headers alone: the last
/// granule position of the first stream in the byte range (a range that runs into the next
/// stream ends there, as it does for the decoder). The claim is checked against the most its
/// packets can hold, so a hostile header cannot reserve memory the data could never fill.
fn stream_length(
    smpl: &mut dyn ChunkBytes,
    range: Range<usize>,
) -> Result<usize, SampleDecodeError> {
    let mut at = range.start;
    let mut serial = None;
    let mut granule = None;
    let mut packets = 0usize;
    while let Some(page) = OggPage::read(smpl, at, range.end) {
        if *serial.get_or_insert(page.serial) != page.serial {
            break;
        }
        if page.granule != u64::MAX {
            granule = Some(page.granule);
        }
        packets += page.packets_ended;
        at += page.len;
    }
    if serial.is_none() {
        return Err(SampleDecodeError::Vorbis("no Ogg page at its start".into()));
    }
    let Some(granule) = granule.and_then(|g| usize::try_from(g).ok()) else {
        return Err(SampleDecodeError::NoLength);
    };
    let most = packets.saturating_mul(MAX_POINTS_PER_PACKET);
    if granule > most {
        return Err(SampleDecodeError::LengthTooLarge {
            points: granule,
            packets,
        });
    }
    Ok(granule)
}

/// The header of one Ogg page.
struct OggPage {
    granule: u64,
    serial: u32,
    /// Packets that end on this page.
    packets_ended: usize,
    /// Bytes of the whole page.
    len: usize,
}

impl OggPage {
    /// The page at byte `at`, when a whole one lies there before `end`.
    fn read(smpl: &mut dyn ChunkBytes, at: usize, end: usize) -> Option<OggPage> {
        let mut head = [0u8; 27];
        let mut lacing = [0u8; 255];
        if at.checked_add(head.len())? > end || !smpl.read_at(at, &mut head) {
            return None;
        }
        if head.get(..5)? != b"OggS\0" {
            return None;
        }
        let granule = u64::from_le_bytes(head.get(6..14)?.try_into().ok()?);
        let serial = u32::from_le_bytes(head.get(14..18)?.try_into().ok()?);
        let lacing = lacing.get_mut(..usize::from(head[26]))?;
        if at + 27 + lacing.len() > end || !smpl.read_at(at + 27, lacing) {
            return None;
        }
        let body: usize = lacing.iter().map(|&l| usize::from(l)).sum();
        let len = 27 + lacing.len() + body;
        if at + len > end {
            return None;
        }
        Some(OggPage {
            granule,
            serial,
            packets_ended: lacing.iter().filter(|&&l| l < 255).count(),
            len,
        })
    }
}

/// Points a header at its place in the layout: `len` points from `start`.
fn place(s: &mut SampleHeader, start: usize, len: usize) -> Result<(), SoundFontError> {
    let start = u32::try_from(start).map_err(|_| SoundFontError::DecodedTooLarge)?;
    let len = u32::try_from(len).map_err(|_| SoundFontError::DecodedTooLarge)?;
    let end = start.saturating_add(len);
    // MuseScore's SF3 loop points count from the start of the decoded sample (as FluidSynth
    // and SpessaSynth read them). Out-of-range ones are reset as FluidSynth does.
    let loop_start = start.checked_add(s.loop_start).filter(|v| *v <= end);
    let loop_end = start.checked_add(s.loop_end).filter(|v| *v <= end);
    s.loop_start = loop_start.unwrap_or(start);
    s.loop_end = loop_end.unwrap_or(end);
    s.start = start;
    s.end = end;
    s.sample_type &= !SAMPLE_TYPE_VORBIS;
    Ok(())
}

/// A sample that could not be decoded: its index and why.
pub type Failed = (usize, SampleDecodeError);

/// Decodes every sample of `layout` into the sample data of `total` points; a sample that
/// cannot be decoded is left silent and reported with its index.
pub(super) fn decode_layout(
    smpl: &[u8],
    layout: &[CompressedSample],
    total: usize,
) -> Result<(Vec<i16>, Vec<Failed>), SoundFontError> {
    let mut pcm: Vec<i16> = Vec::new();
    pcm.try_reserve_exact(total)
        .map_err(|_| SoundFontError::OutOfMemoryForSamples { points: total })?;
    pcm.resize(total, 0);
    let mut jobs = Vec::new();
    let mut rest: &mut [i16] = &mut pcm;
    let mut at = 0usize;
    for (i, s) in layout.iter().enumerate() {
        if s.len == 0 {
            continue;
        }
        let Some(data) = smpl.get(s.bytes.clone()) else {
            continue;
        };
        let Some(gap) = s.start.checked_sub(at) else {
            continue;
        };
        // The layout is in order and inside `total`: a split can only fail for a broken one.
        let Some((_, tail)) = std::mem::take(&mut rest).split_at_mut_checked(gap) else {
            break;
        };
        let Some((out, tail)) = tail.split_at_mut_checked(s.len) else {
            break;
        };
        jobs.push(DecodeJob {
            sample: i,
            data,
            out,
        });
        rest = tail;
        at = s.start + s.len;
    }
    let failed = decode_all(jobs)
        .into_iter()
        .filter_map(|(i, r)| r.err().map(|e| (i, e)))
        .collect();
    Ok((pcm, failed))
}

/// One stream to decode into its place.
pub struct DecodeJob<'a> {
    /// The sample's index, which the results carry.
    pub sample: usize,
    /// Its Ogg Vorbis stream.
    pub data: &'a [u8],
    /// Where its points go: exactly its length.
    pub out: &'a mut [i16],
}

/// Decodes the jobs on the available cores (the calling thread and up to
/// [`MAX_DECODE_THREADS`] - 1 more), largest stream first so that the threads finish together,
/// and returns each sample's result.
pub fn decode_all(mut jobs: Vec<DecodeJob<'_>>) -> Vec<(usize, Result<(), SampleDecodeError>)> {
    jobs.sort_by_key(|j| std::cmp::Reverse(j.data.len()));
    let samples: Vec<usize> = jobs.iter().map(|j| j.sample).collect();
    let threads = crate::threads::available()
        .clamp(1, MAX_DECODE_THREADS)
        .min(jobs.len().max(1));
    let queue = Mutex::new(jobs.into_iter());
    let run = || -> Vec<(usize, Result<(), SampleDecodeError>)> {
        let mut done = Vec::new();
        loop {
            let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
            let Some(job) = next else {
                break;
            };
            done.push((job.sample, decode_into(job.data, job.out)));
        }
        done
    };
    let mut results = Vec::with_capacity(samples.len());
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
        results.extend(run());
        for h in helpers {
            results.extend(h.join().unwrap_or_default());
        }
    });
    // A job is missing only when a helper thread panicked outside the decoder's own guard.
    let done: std::collections::BTreeSet<usize> = results.iter().map(|(s, _)| *s).collect();
    for sample in samples {
        if !done.contains(&sample) {
            results.push((sample, Err(SampleDecodeError::DecoderLost)));
        }
    }
    results
}

/// Decodes one mono Ogg Vorbis stream into `out`, which has its measured length: points past
/// that length are not decoded, and a stream that ends early leaves the rest silent.
pub fn decode_into(data: &[u8], out: &mut [i16]) -> Result<(), SampleDecodeError> {
    // lewton had panics on malformed input in the past; keep one from taking the process down.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode_inner(data, out)))
        .unwrap_or(Err(SampleDecodeError::DecoderPanicked))
}

fn decode_inner(data: &[u8], out: &mut [i16]) -> Result<(), SampleDecodeError> {
    let vorbis_error = |e: lewton::VorbisError| SampleDecodeError::Vorbis(e.to_string());
    let mut reader =
        lewton::inside_ogg::OggStreamReader::new(Cursor::new(data)).map_err(vorbis_error)?;
    let channels = reader.ident_hdr.audio_channels;
    if channels != 1 {
        return Err(SampleDecodeError::NotMono(channels));
    }
    let serial = reader.stream_serial();
    let mut filled = 0usize;
    while filled < out.len() {
        let Some(packet) = reader.read_dec_packet_itl().map_err(vorbis_error)? else {
            break;
        };
        if reader.stream_serial() != serial {
            break; // the next sample's stream: the byte range was too long
        }
        let n = packet.len().min(out.len() - filled);
        if let (Some(dst), Some(src)) = (out.get_mut(filled..filled + n), packet.get(..n)) {
            dst.copy_from_slice(src);
        }
        filled += n;
    }
    Ok(())
}
