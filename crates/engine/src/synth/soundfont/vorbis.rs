//! SF3 sample decoding. SF3 is MuseScore's format: `smpl` holds one Ogg Vorbis stream per
//! sample, the sample headers give byte offsets of the streams and loop points relative to the
//! start of the decoded sample, and the sample type has bit 0x10 set. The streams are decoded
//! with `lewton`, on several threads, into 16-bit PCM laid out as a SF2 `smpl` chunk at the
//! samples' own rates.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::error::{SampleDecodeError, SoundFontError};
use super::hydra::{text, SampleHeader, SAMPLE_TYPE_VORBIS};
use super::writer::GUARD_POINTS;

/// Most sample points in the sample data: the `smpl` chunk and the file must fit a RIFF size.
const MAX_PCM_SAMPLES: usize = (u32::MAX as usize - (1 << 24)) / 2;

/// Most threads that decode SF3 samples (the calling one included).
const MAX_DECODE_THREADS: usize = 8;

type Decoded = Result<Vec<i16>, SampleDecodeError>;

/// Decodes every compressed sample and lays the PCM out as a SF2 `smpl` chunk: guard points,
/// then each sample followed by guard points. Rewrites the headers to point into it. A sample
/// that cannot be decoded becomes empty, and `notes` says why.
pub(super) fn convert_sf3(
    smpl: &[u8],
    samples: &mut [SampleHeader],
    notes: &mut [Option<SampleDecodeError>],
) -> Result<Vec<i16>, SoundFontError> {
    let jobs = decode_jobs(smpl, samples, notes)?;
    let budget = AtomicUsize::new(0);
    let decoded = decode_all(&jobs, &budget);
    if budget.load(Ordering::Relaxed) > MAX_PCM_SAMPLES {
        return Err(SoundFontError::DecodedTooLarge);
    }
    let total: usize = decoded
        .iter()
        .map(|d| d.as_ref().map_or(0, |v| v.len() + GUARD_POINTS))
        .sum::<usize>()
        + GUARD_POINTS;
    if total > MAX_PCM_SAMPLES {
        return Err(SoundFontError::DecodedTooLarge);
    }
    let mut pcm: Vec<i16> = Vec::new();
    pcm.try_reserve_exact(total)
        .map_err(|_| SoundFontError::OutOfMemoryForSamples { points: total })?;
    pcm.resize(GUARD_POINTS, 0);
    let mut by_sample: BTreeMap<usize, Decoded> = BTreeMap::new();
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
                pcm.resize(pcm.len() + GUARD_POINTS, 0);
            }
            Some(Err(e)) => {
                if let Some(note) = notes.get_mut(i) {
                    *note = Some(e);
                }
            }
            None => {}
        }
        place(s, start, len)?;
    }
    Ok(pcm)
}

/// What to decode: (sample index, its bytes). Samples whose bytes lie outside the data get a
/// note instead.
fn decode_jobs<'a>(
    smpl: &'a [u8],
    samples: &[SampleHeader],
    notes: &mut [Option<SampleDecodeError>],
) -> Result<Vec<(usize, &'a [u8])>, SoundFontError> {
    let mut jobs = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        if s.sample_type & SAMPLE_TYPE_VORBIS == 0 {
            if s.start != s.end {
                return Err(SoundFontError::MixedSamples {
                    sample: i,
                    name: text(&s.name),
                });
            }
            continue;
        }
        let (start, end) = (s.start as usize, s.end as usize);
        match smpl.get(start..end) {
            Some(data) if start < end => jobs.push((i, data)),
            _ => {
                if let Some(note) = notes.get_mut(i) {
                    *note = Some(SampleDecodeError::OutsideData {
                        start,
                        end,
                        len: smpl.len(),
                    });
                }
            }
        }
    }
    Ok(jobs)
}

/// Points a header at its decoded sample: `len` points from `start`.
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

/// Decodes the jobs on the available cores (the calling thread and up to
/// [`MAX_DECODE_THREADS`] - 1 more) and returns the results in the jobs' order.
///
/// The threads take the next job from a shared counter, largest compressed size first, so they
/// finish together however the work (stream setup and audio) is spread over the samples.
fn decode_all(jobs: &[(usize, &[u8])], budget: &AtomicUsize) -> Vec<Decoded> {
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&n| std::cmp::Reverse(jobs.get(n).map_or(0, |(_, d)| d.len())));
    let next = AtomicUsize::new(0);
    let run = || -> Vec<(usize, Decoded)> {
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
    let mut out: Vec<Option<Decoded>> = (0..jobs.len()).map(|_| None).collect();
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
        .map(|r| r.unwrap_or(Err(SampleDecodeError::DecoderLost)))
        .collect()
}

/// Decodes one mono Ogg Vorbis stream to 16-bit PCM.
fn decode_vorbis(data: &[u8], budget: &AtomicUsize) -> Decoded {
    // lewton had panics on malformed input in the past; keep one from taking the process down.
    std::panic::catch_unwind(|| decode_vorbis_inner(data, budget))
        .unwrap_or(Err(SampleDecodeError::DecoderPanicked))
}

fn decode_vorbis_inner(data: &[u8], budget: &AtomicUsize) -> Decoded {
    let vorbis_error = |e: lewton::VorbisError| SampleDecodeError::Vorbis(e.to_string());
    let mut reader =
        lewton::inside_ogg::OggStreamReader::new(Cursor::new(data)).map_err(vorbis_error)?;
    let channels = reader.ident_hdr.audio_channels;
    if channels != 1 {
        return Err(SampleDecodeError::NotMono(channels));
    }
    let serial = reader.stream_serial();
    let mut out: Vec<i16> = Vec::new();
    while let Some(packet) = reader.read_dec_packet_itl().map_err(vorbis_error)? {
        if reader.stream_serial() != serial {
            break; // the next sample's stream: the byte range was too long
        }
        let used = budget.fetch_add(packet.len(), Ordering::Relaxed) + packet.len();
        if used > MAX_PCM_SAMPLES {
            return Err(SampleDecodeError::TooLarge);
        }
        out.extend_from_slice(&packet);
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
