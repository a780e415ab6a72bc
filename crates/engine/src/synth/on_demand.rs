//! SF3 samples decoded on first use. A loaded SF3 font keeps its hydra, as a synthesizer font
//! without sample data whose headers place every sample where it would be if all were decoded,
//! and reads the compressed streams (from the file, kept open, or from memory) only when a
//! render needs them.
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
use super::soundfont::{decode_all, CompressedSample, DecodeJob, Sf3Font};
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
}

/// An SF3 font's samples, decoded as renders need them.
#[derive(Debug)]
pub(crate) struct OnDemand {
    /// The hydra, samples at their places in the layout of all samples decoded, no data.
    skeleton: rs::SoundFont,
    samples: Vec<CompressedSample>,
    source: Compressed,
    current: Mutex<Arc<Decoded>>,
    /// Held while samples are added, so that each is decoded once.
    growing: Mutex<()>,
    decodes: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves its data consistent: recover from a panic elsewhere.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl OnDemand {
    /// The font `prepared` describes, with its streams in `source`. `name` is for messages.
    pub(crate) fn new(prepared: Sf3Font, source: Compressed, name: &Path) -> Result<Self> {
        let skeleton =
            rs::SoundFont::without_wave_data(&prepared.hydra, prepared.points).map_err(|e| {
                Error::SoundFont {
                    path: name.to_path_buf(),
                    message: e.to_string(),
                }
            })?;
        // Nothing decoded: every sample lies past the end of the (empty) data, and plays silence.
        let empty = skeleton
            .with_wave_data(Vec::new(), &[])
            .map_err(|e| Error::SoundFont {
                path: name.to_path_buf(),
                message: e.to_string(),
            })?;
        let n = prepared.samples.len();
        Ok(OnDemand {
            skeleton,
            samples: prepared.samples,
            source,
            current: Mutex::new(Arc::new(Decoded {
                font: Arc::new(empty),
                at: vec![None; n],
            })),
            growing: Mutex::new(()),
            decodes: AtomicUsize::new(0),
        })
    }

    /// The hydra, for working out which samples a render needs.
    pub(crate) fn hydra(&self) -> &rs::SoundFont {
        &self.skeleton
    }

    /// Bytes of decoded sample data held.
    pub(crate) fn memory_bytes(&self) -> usize {
        std::mem::size_of_val(lock(&self.current).font.get_wave_data())
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
        let next = self.grow(&current, &kept, &missing, name)?;
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
            .map_err(|e| Error::SoundFont {
                path: name.to_path_buf(),
                message: e.to_string(),
            })?;
        Ok(Decoded {
            font: Arc::new(font),
            at,
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

fn read_range(file: &mut File, base: u64, r: Range<usize>) -> std::io::Result<Vec<u8>> {
    let mut out = vec![0u8; r.len()];
    file.seek(SeekFrom::Start(base + r.start as u64))?;
    file.read_exact(&mut out)?;
    Ok(out)
}
