//! SF3 samples decoded, and SF2 samples read, on first use. A loaded SF3 font keeps its hydra,
//! as a synthesizer font without sample data whose headers place every sample where it would be
//! if all were decoded, and reads the compressed streams (from the file, kept open, or from
//! memory) only when a render needs them.
//!
//! A plain SF2 font is held the same way, with two differences: its samples stay at their
//! places in the file's `smpl` chunk (a sample buffer as large as the chunk, whose pages are
//! only made resident where samples are read), and what is read for a sample is every point an
//! instrument zone playing it can reach (its offsets and loop included), with a margin for the
//! interpolation. A render with a lazily read SF2 font is the same as one with the whole font.
//!
//! A render asks for the samples its notes reach. Those not decoded yet are decoded on all
//! cores, straight into a new sample buffer that also takes a copy of the samples decoded
//! before; the synthesizer font made from that buffer (samples moved to their new places)
//! replaces the previous one for later renders. A render keeps the font it started with, so the
//! synthesizer reads one contiguous 16-bit buffer exactly as it does for a SF2 font, and
//! concurrent renders never see a buffer change. One render at a time adds samples to a font:
//! another that needs the same ones waits and finds them decoded.

use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use super::soundfont::writer::GUARD_POINTS;
use super::soundfont::{decode_all, CompressedSample, DecodeJob, LazyFont, SampleCodec};
use super::synth_impl as rs;
use crate::error::{Error, Result};

/// Where the compressed streams are read from.
#[derive(Debug)]
pub(crate) enum Compressed {
    /// The `smpl` chunk's bytes.
    Memory(Vec<u8>),
    /// The file the font was loaded from, open since (a file replaced since, under the same
    /// name, is still read as it was loaded), and where its `smpl` chunk's data starts.
    File {
        file: Mutex<File>,
        smpl_at: u64,
        /// Size and modification time at load: a file rewritten in place is refused.
        identity: (u64, Option<SystemTime>),
    },
}

impl Compressed {
    /// Reads a font's `smpl` chunk from an open file, recording the file's identity.
    pub(crate) fn file(file: File, smpl_at: u64) -> std::io::Result<Self> {
        let meta = file.metadata()?;
        Ok(Compressed::File {
            file: Mutex::new(file),
            smpl_at,
            identity: (meta.len(), meta.modified().ok()),
        })
    }
}

/// The samples decoded so far, and the synthesizer font that plays them.
#[derive(Debug)]
struct Decoded {
    font: Arc<rs::SoundFont>,
    /// Where each sample starts in `font`'s sample data, when it is there.
    at: Vec<Option<usize>>,
    /// Sample points held (for SF2, where the buffer is as large as the whole chunk but only
    /// the samples read are resident).
    held_points: usize,
}

/// Points read around what an SF2 zone can address, for the interpolation's neighbours.
const PCM_MARGIN: usize = 64;

/// An SF3 font's samples, decoded as renders need them.
#[derive(Debug)]
pub(crate) struct OnDemand {
    /// The hydra, samples at their places in the layout of all samples decoded, no data.
    skeleton: rs::SoundFont,
    samples: Vec<CompressedSample>,
    codec: SampleCodec,
    /// Points of the whole sample data (the size of an SF2 font's sample buffer).
    points: usize,
    source: Compressed,
    current: Mutex<Arc<Decoded>>,
    /// Held while samples are added, so that each is decoded once.
    growing: Mutex<()>,
    decodes: AtomicUsize,
}

/// A synthesizer error about the font `name`.
fn font_error(name: &Path, e: impl std::fmt::Display) -> Error {
    Error::SoundFont {
        path: name.to_path_buf(),
        message: e.to_string(),
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves its data consistent: recover from a panic elsewhere.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl OnDemand {
    /// The font `prepared` describes, with its streams in `source`. `name` is for messages.
    pub(crate) fn new(prepared: LazyFont, source: Compressed, name: &Path) -> Result<Self> {
        let skeleton = rs::SoundFont::without_wave_data(&prepared.hydra, prepared.points)
            .map_err(|e| font_error(name, e))?;
        // Nothing decoded: every sample lies past the end of the (empty) data, and plays silence.
        let empty = skeleton
            .with_wave_data(Vec::new(), &[])
            .map_err(|e| font_error(name, e))?;
        let n = prepared.samples.len();
        let mut samples = prepared.samples;
        if prepared.codec == SampleCodec::Pcm16 {
            widen_to_zones(&skeleton, &mut samples, prepared.points);
        }
        Ok(OnDemand {
            skeleton,
            samples,
            codec: prepared.codec,
            points: prepared.points,
            source,
            current: Mutex::new(Arc::new(Decoded {
                font: Arc::new(empty),
                at: vec![None; n],
                held_points: 0,
            })),
            growing: Mutex::new(()),
            decodes: AtomicUsize::new(0),
        })
    }

    /// The hydra, for working out which samples a render needs.
    pub(crate) fn hydra(&self) -> &rs::SoundFont {
        &self.skeleton
    }

    /// Bytes of decoded (or read) sample data held.
    pub(crate) fn memory_bytes(&self) -> usize {
        lock(&self.current).held_points * std::mem::size_of::<i16>()
    }

    /// Samples decoded since the font was loaded (a sample dropped for the budget and needed
    /// again counts twice).
    pub(crate) fn decodes(&self) -> usize {
        self.decodes.load(Ordering::Relaxed)
    }

    /// A synthesizer font holding at least the samples `needed` marks, decoding those it lacks.
    /// Samples decoded before are kept while the total stays within `budget_bytes`; beyond it,
    /// only the needed ones are (a render's own samples are held whatever their size). On an
    /// error nothing changes: the font stays as it was for other renders.
    pub(crate) fn font_for(
        &self,
        needed: &[bool],
        budget_bytes: usize,
        name: &Path,
    ) -> Result<Arc<rs::SoundFont>> {
        let wanted = |d: &Decoded, i: usize| {
            needed.get(i).copied().unwrap_or(false)
                && d.at.get(i).is_some_and(Option::is_none)
                && self.samples.get(i).is_some_and(|s| s.len > 0)
        };
        let lacks = |d: &Decoded| (0..self.samples.len()).any(|i| wanted(d, i));
        let current = Arc::clone(&lock(&self.current));
        if !lacks(&current) {
            return Ok(Arc::clone(&current.font));
        }
        let _growing = lock(&self.growing);
        let current = Arc::clone(&lock(&self.current));
        if !lacks(&current) {
            return Ok(Arc::clone(&current.font));
        }
        let missing: Vec<usize> = (0..self.samples.len())
            .filter(|&i| wanted(&current, i))
            .collect();
        let held = current.at.iter().enumerate().filter(|(_, a)| a.is_some());
        let held: Vec<usize> = held.map(|(i, _)| i).collect();
        let points = |set: &[usize]| -> usize {
            set.iter()
                .filter_map(|&i| self.samples.get(i))
                .map(|s| s.len + GUARD_POINTS)
                .sum()
        };
        let keep_all = (points(&held) + points(&missing)).saturating_mul(2) <= budget_bytes;
        let kept: Vec<usize> = held
            .into_iter()
            .filter(|&i| keep_all || needed.get(i).copied().unwrap_or(false))
            .collect();
        let next = match self.codec {
            SampleCodec::Vorbis => self.grow(&current, &kept, &missing, name)?,
            SampleCodec::Pcm16 => self.grow_in_place(&current, &kept, &missing, name)?,
        };
        let font = Arc::clone(&next.font);
        *lock(&self.current) = Arc::new(next);
        Ok(font)
    }

    /// The next samples: `kept` copied from `current`, `missing` decoded.
    fn grow(
        &self,
        current: &Decoded,
        kept: &[usize],
        missing: &[usize],
        name: &Path,
    ) -> Result<Decoded> {
        let mut order: Vec<usize> = kept.iter().chain(missing).copied().collect();
        order.sort_unstable();
        let (at, total) = self.layout(&order);
        let mut wave: Vec<i16> = Vec::new();
        wave.try_reserve_exact(total)
            .map_err(|_| Error::SoundFont {
                path: name.to_path_buf(),
                message: format!("out of memory for {total} decoded sample points"),
            })?;
        wave.resize(total, 0);
        let streams = self.read_streams(missing, name)?;
        let jobs = self.fill(&mut wave, &order, &at, current, &streams);
        self.decodes.fetch_add(jobs.len(), Ordering::Relaxed);
        let mut failed: Vec<_> = decode_all(jobs)
            .into_iter()
            .filter_map(|(i, r)| r.err().map(|e| (i, e)))
            .collect();
        failed.sort_by_key(|(i, _)| *i);
        if let Some((i, cause)) = failed.into_iter().next() {
            let sample = self.skeleton.get_sample_headers().get(i);
            return Err(Error::SoundFont {
                path: name.to_path_buf(),
                message: format!(
                    "sample {i} '{}' cannot be played: {cause}",
                    sample.map_or("", |s| s.get_name())
                ),
            });
        }
        // Samples not held move past the end of the data, where reads are silent.
        let shifts: Vec<i64> = (0..self.samples.len())
            .map(|i| {
                let to = at.get(i).copied().flatten().unwrap_or(total);
                let from = self.samples.get(i).map_or(0, |s| s.start);
                to as i64 - from as i64
            })
            .collect();
        let font = self
            .skeleton
            .with_wave_data(wave, &shifts)
            .map_err(|e| font_error(name, e))?;
        Ok(Decoded {
            font: Arc::new(font),
            at,
            held_points: total,
        })
    }

    /// [`grow`](Self::grow) for an SF2 font: a new buffer as large as the whole sample data,
    /// with `kept` copied from `current` and `missing` read from the file, each at its own
    /// place. The rest of the buffer is never written, so it takes no memory.
    fn grow_in_place(
        &self,
        current: &Decoded,
        kept: &[usize],
        missing: &[usize],
        name: &Path,
    ) -> Result<Decoded> {
        let streams = self.read_streams(missing, name)?;
        // Zeroed by the allocator: pages nobody writes are never made resident.
        let mut wave = vec![0_i16; self.points];
        let old = current.font.get_wave_data();
        let mut at = vec![None; self.samples.len()];
        let mut spans: Vec<Range<usize>> = Vec::with_capacity(kept.len() + missing.len());
        for &i in kept {
            let Some(s) = self.samples.get(i) else {
                continue;
            };
            let span = s.start..s.start + s.len;
            if let (Some(to), Some(from)) = (wave.get_mut(span.clone()), old.get(span.clone())) {
                to.copy_from_slice(from);
                at[i] = Some(s.start);
                spans.push(span);
            }
        }
        for (&i, bytes) in missing.iter().zip(&streams) {
            let Some(s) = self.samples.get(i) else {
                continue;
            };
            let span = s.start..s.start + s.len;
            if let Some(to) = wave.get_mut(span.clone()) {
                for (p, b) in to.iter_mut().zip(bytes.chunks_exact(2)) {
                    *p = i16::from_le_bytes([b[0], b[1]]);
                }
                at[i] = Some(s.start);
                spans.push(span);
            }
        }
        self.decodes.fetch_add(missing.len(), Ordering::Relaxed);
        let font = self
            .skeleton
            .with_wave_data(wave, &[])
            .map_err(|e| font_error(name, e))?;
        Ok(Decoded {
            font: Arc::new(font),
            at,
            held_points: covered(spans),
        })
    }

    /// Places the samples of `order` as all samples decoded are laid out, the others left out:
    /// guard points before, between and after them. Returns each one's start and the total.
    fn layout(&self, order: &[usize]) -> (Vec<Option<usize>>, usize) {
        let mut at: Vec<Option<usize>> = vec![None; self.samples.len()];
        let mut total = GUARD_POINTS;
        for &i in order {
            let len = self.samples.get(i).map_or(0, |s| s.len);
            if let Some(a) = at.get_mut(i) {
                *a = Some(total);
            }
            total = total.saturating_add(len + GUARD_POINTS);
        }
        (at, total)
    }

    /// Copies the samples `current` holds into `wave` and returns the decoding jobs of the
    /// others, whose `streams` come in the order of `order`.
    fn fill<'a>(
        &self,
        wave: &'a mut [i16],
        order: &[usize],
        at: &[Option<usize>],
        current: &Decoded,
        streams: &'a [Cow<'a, [u8]>],
    ) -> Vec<DecodeJob<'a>> {
        let old = current.font.get_wave_data();
        let mut jobs = Vec::with_capacity(streams.len());
        let mut streams = streams.iter();
        let mut rest = wave;
        let mut pos = 0usize;
        for &i in order {
            let (Some(start), Some(s)) = (at.get(i).copied().flatten(), self.samples.get(i)) else {
                continue;
            };
            let gap = start.saturating_sub(pos);
            let Some((_, tail)) = std::mem::take(&mut rest).split_at_mut_checked(gap) else {
                break;
            };
            let Some((out, tail)) = tail.split_at_mut_checked(s.len) else {
                break;
            };
            rest = tail;
            pos = start + s.len;
            match current.at.get(i).copied().flatten() {
                Some(from) => {
                    if let Some(src) = old.get(from..from + s.len) {
                        out.copy_from_slice(src);
                    }
                }
                None => {
                    if let Some(data) = streams.next() {
                        jobs.push(DecodeJob {
                            sample: i,
                            data,
                            out,
                        });
                    }
                }
            }
        }
        jobs
    }

    /// The compressed streams of `samples` (in their order).
    fn read_streams(&self, samples: &[usize], name: &Path) -> Result<Vec<Cow<'_, [u8]>>> {
        let ranges = samples
            .iter()
            .map(|&i| self.samples.get(i).map_or(0..0, |s| s.bytes.clone()));
        match &self.source {
            Compressed::Memory(smpl) => Ok(ranges
                .map(|r| Cow::Borrowed(smpl.get(r).unwrap_or_default()))
                .collect()),
            Compressed::File {
                file,
                smpl_at,
                identity,
            } => {
                let mut file = lock(file);
                let io = |e| Error::io(name, e);
                let meta = file.metadata().map_err(io)?;
                if (meta.len(), meta.modified().ok()) != *identity {
                    return Err(Error::SoundFont {
                        path: name.to_path_buf(),
                        message: "the file has changed since it was loaded; load it again".into(),
                    });
                }
                ranges
                    .map(|r| {
                        read_range(&mut file, *smpl_at, r)
                            .map(Cow::Owned)
                            .map_err(io)
                    })
                    .collect()
            }
        }
    }
}

/// Widens each SF2 sample's span to every point an instrument zone that plays it can address:
/// start and end with the zone's offsets, and its loop when it loops, plus [`PCM_MARGIN`] on
/// either side; all within the `points` of the sample data.
fn widen_to_zones(font: &rs::SoundFont, samples: &mut [CompressedSample], points: usize) {
    let mut spans: Vec<(usize, usize)> =
        samples.iter().map(|s| (s.start, s.start + s.len)).collect();
    for zone in font.get_instruments().iter().flat_map(|i| i.get_regions()) {
        let Some(span) = spans.get_mut(zone.get_sample_id()) else {
            continue;
        };
        let mut reach = vec![zone.get_sample_start(), zone.get_sample_end()];
        if zone.get_sample_modes() != rs::LoopMode::NoLoop {
            reach.extend([zone.get_sample_start_loop(), zone.get_sample_end_loop()]);
        }
        for p in reach {
            let p = usize::try_from(p).unwrap_or(0).min(points);
            span.0 = span.0.min(p);
            span.1 = span.1.max(p);
        }
    }
    for (s, (lo, hi)) in samples.iter_mut().zip(spans) {
        if s.len == 0 {
            continue;
        }
        let lo = lo.saturating_sub(PCM_MARGIN);
        let hi = hi.saturating_add(PCM_MARGIN).min(points);
        s.start = lo;
        s.len = hi.saturating_sub(lo);
        s.bytes = 2 * lo..2 * hi;
    }
}

/// Points covered by `spans`, overlaps counted once.
fn covered(mut spans: Vec<Range<usize>>) -> usize {
    spans.sort_unstable_by_key(|r| r.start);
    let mut total = 0;
    let mut end = 0;
    for r in spans {
        let from = r.start.max(end);
        if r.end > from {
            total += r.end - from;
            end = r.end;
        }
    }
    total
}

fn read_range(file: &mut File, base: u64, r: Range<usize>) -> std::io::Result<Vec<u8>> {
    let mut out = vec![0u8; r.len()];
    file.seek(SeekFrom::Start(base + r.start as u64))?;
    file.read_exact(&mut out)?;
    Ok(out)
}
