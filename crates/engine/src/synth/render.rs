//! MIDI rendering: events from a parsed [`MidiFile`] drive SoundFont synthesizers, one per
//! channel group, which run on several threads and are summed in a fixed order, so the output is
//! bit-identical whatever the thread count. The tail after the last event runs until the output
//! falls below -90 dBFS (capped by `max_tail_s`). Then the effects run on the whole mix (the
//! convolution reverb when `reverb` is on, then `effects`; their tail follows the same policy) and
//! the gain stage sets the level.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::font::{load_soundfont, LoadedSoundFont, SoundFontSource, DEFAULT_MAX_SOUNDFONT_BYTES};
use super::synth_impl as rs;
use crate::audio::AudioBuffer;
use crate::effects::{Chain, Convolution, ConvolutionParams, Effect, EffectSpec};
use crate::error::{Error, Result};
use crate::gain::{self, Normalize};
use crate::io::{self, check_output_path, OutputFormat};
use crate::progress::Progress;
use crate::error::catch_panics;
use crate::midi::{EventKind, MidiFile, MidiLimits};

/// The impulse response `reverb: true` uses unless `reverb_ir` says otherwise.
pub const DEFAULT_REVERB_IR: &str = "hall";
/// Wet fraction of the render reverb: the built-in IRs are normalised to unit energy, so the wet
/// path is about as loud as the dry one; a quarter of it sounds like a room, not a cave.
pub const RENDER_REVERB_MIX: f32 = 0.25;

/// The effects a render applies after synthesis: the reverb, then `opts.effects`. Built before
/// synthesis so a bad impulse response or parameter fails fast.
fn render_chain(opts: &RenderOptions) -> Result<Option<Chain>> {
    if !opts.reverb && opts.effects.is_empty() {
        return Ok(None);
    }
    let mut chain = Chain::default();
    if opts.reverb {
        chain.push(Box::new(Convolution::new(
            &opts.reverb_ir,
            ConvolutionParams {
                mix: RENDER_REVERB_MIX,
                ..Default::default()
            },
        )?));
    }
    for spec in &opts.effects {
        chain.push(spec.build()?);
    }
    Ok(Some(chain))
}

/// Limits that protect a server from hostile or absurd input. Each is configurable.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Longest output accepted, in seconds (default 60 minutes).
    pub max_audio_s: f64,
    /// Largest MIDI file, in bytes (default 64 MiB).
    pub max_midi_bytes: u64,
    /// Largest SoundFont file, in bytes (default 4 GiB).
    pub max_soundfont_bytes: u64,
    /// Fastest tempo accepted, in BPM (default 3000).
    pub max_tempo_bpm: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_audio_s: 3600.0,
            max_midi_bytes: 64 * 1024 * 1024,
            max_soundfont_bytes: DEFAULT_MAX_SOUNDFONT_BYTES,
            max_tempo_bpm: 3000.0,
        }
    }
}

impl Limits {
    fn midi_limits(&self) -> MidiLimits {
        MidiLimits {
            max_file_bytes: self.max_midi_bytes,
            max_tempo_bpm: self.max_tempo_bpm,
            max_duration_s: self.max_audio_s,
        }
    }
}

/// How to render.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    /// 22050 to 96000 Hz (default 44100).
    pub sample_rate: u32,
    /// Voice limit of each channel group's synthesizer, 8 to 256 (default 256).
    pub polyphony: usize,
    /// Convolution reverb after the synthesizer with the impulse response `reverb_ir` (default
    /// the built-in `hall`), mixed at [`RENDER_REVERB_MIX`].
    pub reverb: bool,
    /// A built-in impulse response name (`room`, `hall`, `plate`, `church`) or an IR file, used
    /// when `reverb` is on.
    pub reverb_ir: String,
    /// The SoundFont synthesizer's own reverb and chorus (what `reverb` meant before the effects
    /// module); off by default.
    pub synth_effects: bool,
    /// Effects applied in order to the render after the reverb and before the gain stage.
    pub effects: Vec<EffectSpec>,
    /// Longest tail after the last event, in seconds (default 10).
    pub max_tail_s: f64,
    /// Gain stage (default: a transparent limiter at -1 dBFS).
    pub normalize: Normalize,
    /// Worker threads (default: all cores). The output does not depend on it.
    pub threads: Option<usize>,
    /// Asks for the GPU. Nothing in MIDI rendering runs on a GPU yet: the report says "cpu".
    pub use_gpu: bool,
    pub limits: Limits,
    /// Called from the rendering thread with the fraction done (0 to 1) as work progresses.
    pub progress: Progress,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            sample_rate: 44100,
            polyphony: 256,
            reverb: false,
            reverb_ir: DEFAULT_REVERB_IR.into(),
            synth_effects: false,
            effects: Vec::new(),
            max_tail_s: 10.0,
            normalize: Normalize::default(),
            threads: None,
            use_gpu: false,
            limits: Limits::default(),
            progress: Progress::default(),
        }
    }
}

impl RenderOptions {
    fn validate(&self) -> Result<()> {
        if !(22050..=96000).contains(&self.sample_rate) {
            return Err(Error::InvalidArgument(format!(
                "sample rate {} Hz is outside 22050..96000",
                self.sample_rate
            )));
        }
        if !(8..=256).contains(&self.polyphony) {
            return Err(Error::InvalidArgument(format!(
                "polyphony {} is outside 8..256",
                self.polyphony
            )));
        }
        if !self.max_tail_s.is_finite() || !(0.0..=600.0).contains(&self.max_tail_s) {
            return Err(Error::InvalidArgument(format!(
                "max_tail_s {} is outside 0..600",
                self.max_tail_s
            )));
        }
        if self.threads == Some(0) {
            return Err(Error::InvalidArgument("threads must be at least 1".into()));
        }
        Ok(())
    }
}

/// What a render did.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderReport {
    /// Length of the output in seconds (= frames / sample_rate).
    pub duration_s: f64,
    pub sample_rate: u32,
    pub channels: usize,
    pub frames: usize,
    /// Sample peak of the output after the gain stage.
    pub peak_dbfs: f64,
    /// Where the work ran: "cpu" (MIDI rendering has no GPU path yet).
    pub backend: &'static str,
    pub gpu_requested: bool,
    /// The SoundFont used: its path, or "builtin".
    pub soundfont: String,
    /// Seconds spent loading the SoundFont (0 when it came from the cache).
    pub soundfont_load_s: f64,
    /// Seconds spent synthesising and gain staging (not loading or writing).
    pub render_s: f64,
    /// Notes that took over a voice still sounding because the polyphony limit was reached, when
    /// the synthesizer can tell.
    pub notes_dropped: Option<u64>,
    /// Threads and channel groups used.
    pub threads: usize,
    pub channel_groups: usize,
    /// Time of the last MIDI event, in seconds.
    pub midi_duration_s: f64,
}

/// Audio and its report.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub audio: AudioBuffer,
    pub report: RenderReport,
}

/// A MIDI file given by path or as bytes.
#[derive(Debug, Clone)]
pub enum MidiSource<'a> {
    Path(&'a Path),
    Bytes(&'a [u8]),
}

impl MidiSource<'_> {
    fn parse(&self, limits: &Limits) -> Result<MidiFile> {
        match self {
            MidiSource::Path(p) => MidiFile::open(p, &limits.midi_limits()),
            MidiSource::Bytes(b) => MidiFile::parse(b, Path::new("<bytes>"), &limits.midi_limits()),
        }
    }
}

const BLOCK: usize = 64;
const SEGMENT_BLOCKS: usize = 128;
const MAX_GROUPS: usize = 6;
const SILENCE: f32 = 3.162_277_7e-5; // -90 dBFS

/// An event the synthesizer understands, at the block before which it is applied.
#[derive(Debug, Clone, Copy)]
enum SynthEvent {
    Message {
        channel: u8,
        command: u8,
        data1: u8,
        data2: u8,
    },
    /// GM System On / GS Reset / XG System On: controllers back to defaults.
    Reset,
}

struct Group {
    synth: rs::Synthesizer,
    events: Vec<(usize, SynthEvent)>,
    next: usize,
    /// Render dry signal plus effect sends (for the shared reverb/chorus) instead of a finished mix.
    split: bool,
    left: Vec<f32>,
    right: Vec<f32>,
    reverb: Vec<f32>,
    chorus_left: Vec<f32>,
    chorus_right: Vec<f32>,
}

impl Group {
    /// Renders `blocks` blocks starting at block `first` into its own buffers.
    fn render(&mut self, first: usize, blocks: usize) {
        let n = blocks * BLOCK;
        let mut bufs = [
            &mut self.left,
            &mut self.right,
            &mut self.reverb,
            &mut self.chorus_left,
            &mut self.chorus_right,
        ];
        let used = if self.split { 5 } else { 2 };
        for b in bufs.iter_mut().take(used) {
            b.clear();
            b.resize(n, 0.0);
        }
        for b in 0..blocks {
            while let Some(&(at, ev)) = self.events.get(self.next) {
                if at > first + b {
                    break;
                }
                self.next += 1;
                match ev {
                    SynthEvent::Message {
                        channel,
                        command,
                        data1,
                        data2,
                    } => self.synth.process_midi_message(
                        i32::from(channel),
                        i32::from(command),
                        i32::from(data1),
                        i32::from(data2),
                    ),
                    SynthEvent::Reset => self.synth.reset_all_controllers(),
                }
            }
            let r = b * BLOCK..(b + 1) * BLOCK;
            if self.split {
                self.synth.render_split(
                    &mut self.left[r.clone()],
                    &mut self.right[r.clone()],
                    &mut self.reverb[r.clone()],
                    &mut self.chorus_left[r.clone()],
                    &mut self.chorus_right[r],
                );
            } else {
                self.synth
                    .render(&mut self.left[r.clone()], &mut self.right[r]);
            }
        }
    }
}

fn is_reset_sysex(data: &[u8]) -> bool {
    // GM System On: F0 7E 7F 09 01 F7 (the leading F0 is stripped by the parser).
    // GS Reset: F0 41 dd 42 12 40 00 7F 00 41 F7; XG System On: F0 43 1n 4C 00 00 7E 00 F7.
    data.starts_with(&[0x7E, 0x7F, 0x09, 0x01])
        || data.starts_with(&[0x7E, 0x7F, 0x09, 0x03])
        || (data.len() >= 7 && data[0] == 0x41 && data[2..7] == [0x42, 0x12, 0x40, 0x00, 0x7F])
        || (data.len() >= 6 && data[0] == 0x43 && data[2..6] == [0x4C, 0x00, 0x00, 0x7E])
}

/// Splits the 16 channels into at most [`MAX_GROUPS`] groups of similar note counts. Depends on
/// the MIDI content only, never on the thread count, so the output is the same on any machine.
fn channel_groups(midi: &MidiFile) -> Vec<Vec<u8>> {
    let mut notes = [0usize; 16];
    let mut used = [false; 16];
    for e in &midi.events {
        if let EventKind::Channel {
            command, channel, ..
        } = e.kind
        {
            used[usize::from(channel)] = true;
            if command == 0x90 {
                notes[usize::from(channel)] += 1;
            }
        }
    }
    let mut channels: Vec<u8> = (0u8..16).filter(|&c| used[usize::from(c)]).collect();
    if channels.is_empty() {
        channels.push(0);
    }
    channels.sort_by_key(|&c| (std::cmp::Reverse(notes[usize::from(c)]), c));
    let n = channels.len().min(MAX_GROUPS);
    let mut groups: Vec<(usize, Vec<u8>)> = vec![(0, Vec::new()); n];
    for c in channels {
        // Greedy: the next busiest channel goes to the group with the fewest notes so far.
        if let Some(g) = groups.iter_mut().min_by_key(|(load, _)| *load) {
            g.0 += notes[usize::from(c)].max(1);
            g.1.push(c);
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// Renders a parsed MIDI file with a loaded SoundFont.
pub fn render_midi(
    midi: &MidiFile,
    font: &LoadedSoundFont,
    opts: &RenderOptions,
) -> Result<Rendered> {
    opts.validate()?;
    let start = Instant::now();
    let mut chain = render_chain(opts)?;
    let sr = opts.sample_rate;
    let max_frames_total = (opts.limits.max_audio_s * f64::from(sr)) as usize;
    let end_frame = (midi.duration_s * f64::from(sr)).round() as usize;
    let tail_frames = (opts.max_tail_s * f64::from(sr)).round() as usize;
    if end_frame > max_frames_total {
        return Err(Error::Limit {
            path: PathBuf::from("<midi>"),
            message: format!(
                "song lasts {:.0} s, above the limit of {} s",
                midi.duration_s, opts.limits.max_audio_s
            ),
        });
    }
    let cap_frames = (end_frame + tail_frames).min(max_frames_total);

    let groups_channels = channel_groups(midi);
    let mut group_of = [0usize; 16];
    for (g, chans) in groups_channels.iter().enumerate() {
        for &c in chans {
            group_of[usize::from(c)] = g;
        }
    }
    let mut settings = rs::SynthesizerSettings::new(sr as i32);
    settings.block_size = BLOCK;
    settings.maximum_polyphony = opts.polyphony;
    // Each group renders dry + effect sends; one shared reverb/chorus runs on their sum, so
    // the effects cost the same whatever the number of groups.
    settings.enable_reverb_and_chorus = false;
    let effects = if opts.synth_effects {
        Some(
            rs::Effects::new(&settings)
                .map_err(|e| Error::InvalidArgument(format!("synthesizer settings: {e}")))?,
        )
    } else {
        None
    };
    let mut groups = Vec::with_capacity(groups_channels.len());
    for _ in &groups_channels {
        let synth = rs::Synthesizer::new(&font.font, &settings)
            .map_err(|e| Error::InvalidArgument(format!("synthesizer settings: {e}")))?;
        groups.push(Group {
            synth,
            events: Vec::new(),
            next: 0,
            split: opts.synth_effects,
            left: Vec::new(),
            right: Vec::new(),
            reverb: Vec::new(),
            chorus_left: Vec::new(),
            chorus_right: Vec::new(),
        });
    }
    for e in &midi.events {
        let block = ((e.time_s * f64::from(sr)).round() as usize) / BLOCK;
        match &e.kind {
            EventKind::Channel {
                command,
                channel,
                data1,
                data2,
            } => {
                groups[group_of[usize::from(*channel)]].events.push((
                    block,
                    SynthEvent::Message {
                        channel: *channel,
                        command: *command,
                        data1: *data1,
                        data2: *data2,
                    },
                ));
            }
            EventKind::SysEx(data) if is_reset_sysex(data) => {
                for g in &mut groups {
                    g.events.push((block, SynthEvent::Reset));
                }
            }
            _ => {}
        }
    }

    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, groups.len() + usize::from(effects.is_some()));

    let mut out = Output {
        // Room for the longest possible tail, so growing never copies the whole song.
        left: Vec::with_capacity(cap_frames + BLOCK * SEGMENT_BLOCKS),
        right: Vec::with_capacity(cap_frames + BLOCK * SEGMENT_BLOCKS),
        end_frame,
        last_loud: 0,
        quiet_after_end: false,
    };
    let groups: Vec<Mutex<Group>> = groups.into_iter().map(Mutex::new).collect();
    // The shared reverb/chorus runs one segment behind the synthesizers, as one more job beside
    // them, so it overlaps the next segment's synthesis instead of running alone.
    let fx = effects.map(|effects| Mutex::new(FxJob::new(effects)));
    let mut block = 0usize;
    while out.left.len() < cap_frames && !out.quiet_after_end {
        let blocks = SEGMENT_BLOCKS.min((cap_frames - out.left.len()).div_ceil(BLOCK));
        run_jobs(&groups, fx.as_ref(), block, blocks, threads);
        block += blocks;
        if let Some(fx) = fx.as_ref() {
            let fx = lock(fx);
            if let Some(at) = fx.pending_at {
                out.add_wet(at, &fx.wet_left, &fx.wet_right);
            }
        }
        let seg_start = out.left.len();
        let seg_len = blocks * BLOCK;
        out.left.resize(seg_start + seg_len, 0.0);
        out.right.resize(seg_start + seg_len, 0.0);
        // Sum in group order: fixed, so the result never depends on the thread count.
        let mut fx_job = fx.as_ref().map(lock);
        if let Some(job) = fx_job.as_mut() {
            job.clear_sends(seg_len);
        }
        for g in &groups {
            let g = lock(g);
            add_into(&mut out.left[seg_start..], &g.left);
            add_into(&mut out.right[seg_start..], &g.right);
            if let Some(job) = fx_job.as_mut() {
                add_into(&mut job.reverb, &g.reverb);
                add_into(&mut job.chorus_left, &g.chorus_left);
                add_into(&mut job.chorus_right, &g.chorus_right);
            }
        }
        match fx_job {
            // This segment is complete once its wet signal arrives with the next round.
            Some(mut job) => job.pending_at = Some(seg_start),
            None => out.check_loudness(seg_start),
        }
        opts.progress
            .report(out.left.len() as f64 / (end_frame.max(1) as f64 * 1.02));
    }
    if let Some(fx) = fx.as_ref() {
        let mut job = lock(fx);
        job.process();
        if let Some(at) = job.pending_at {
            out.add_wet(at, &job.wet_left, &job.wet_right);
        }
    }
    let groups: Vec<Group> = groups
        .into_iter()
        .map(|g| g.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect();
    let Output {
        mut left,
        mut right,
        last_loud,
        ..
    } = out;
    opts.progress.report(1.0);
    let frames = end_frame.max(last_loud).min(cap_frames).min(left.len());
    left.truncate(frames);
    right.truncate(frames);
    if left.iter().chain(right.iter()).any(|x| !x.is_finite()) {
        return Err(Error::Internal(
            "the synthesizer produced non-finite samples".into(),
        ));
    }
    let mut audio = AudioBuffer::from_trusted(vec![left, right], sr);
    if let Some(chain) = chain.as_mut() {
        audio = apply_chain(chain, &audio, end_frame, cap_frames)?;
    }
    gain::apply(&mut audio, opts.normalize)?;
    let report = RenderReport {
        duration_s: audio.duration_s(),
        sample_rate: sr,
        channels: audio.channel_count(),
        frames: audio.frames(),
        peak_dbfs: audio.peak_dbfs(),
        backend: "cpu",
        gpu_requested: opts.use_gpu,
        soundfont: font.label.clone(),
        soundfont_load_s: font.load_seconds,
        render_s: start.elapsed().as_secs_f64(),
        notes_dropped: Some(groups.iter().map(|g| g.synth.stolen_voice_count()).sum()),
        threads,
        channel_groups: groups.len(),
        midi_duration_s: midi.duration_s,
    };
    Ok(Rendered { audio, report })
}

/// Runs the render's effects over the whole mix. The reverb's tail follows the same policy as the
/// synthesizer's: it ends at the last frame above -90 dBFS, no later than `cap_frames`.
fn apply_chain(
    chain: &mut Chain,
    audio: &AudioBuffer,
    end_frame: usize,
    cap_frames: usize,
) -> Result<AudioBuffer> {
    let mut out = chain.process_buffer(audio)?;
    let frames = out.frames();
    let last_loud = (0..frames)
        .rev()
        .find(|&i| out.channels().iter().any(|c| c[i].abs() > SILENCE))
        .map_or(0, |i| i + 1);
    let keep = last_loud
        .max(end_frame.min(frames))
        .min(cap_frames.max(audio.frames()));
    for c in out.channels_mut() {
        c.truncate(keep);
    }
    Ok(out)
}

/// The rendered mix and the tail policy's state.
struct Output {
    left: Vec<f32>,
    right: Vec<f32>,
    end_frame: usize,
    /// One past the last frame above -90 dBFS.
    last_loud: usize,
    /// A whole segment after the last event was silent: rendering can stop.
    quiet_after_end: bool,
}

impl Output {
    /// Adds the wet signal of the segment starting at `at`, which completes it.
    fn add_wet(&mut self, at: usize, wet_left: &[f32], wet_right: &[f32]) {
        add_into(&mut self.left[at..], wet_left);
        add_into(&mut self.right[at..], wet_right);
        self.check_loudness(at);
    }

    /// Updates the tail state with the complete segment starting at `at` (it runs to the end).
    fn check_loudness(&mut self, at: usize) {
        let mut loud = false;
        for i in at..self.left.len() {
            if self.left[i].abs() > SILENCE || self.right[i].abs() > SILENCE {
                self.last_loud = i + 1;
                loud = true;
            }
        }
        if at >= self.end_frame && !loud {
            self.quiet_after_end = true;
        }
    }
}

/// The shared reverb/chorus with the summed sends of one segment waiting to be processed.
struct FxJob {
    effects: rs::Effects,
    reverb: Vec<f32>,
    chorus_left: Vec<f32>,
    chorus_right: Vec<f32>,
    wet_left: Vec<f32>,
    wet_right: Vec<f32>,
    /// Where the segment whose sends are held starts in the output.
    pending_at: Option<usize>,
}

impl FxJob {
    fn new(effects: rs::Effects) -> Self {
        FxJob {
            effects,
            reverb: Vec::new(),
            chorus_left: Vec::new(),
            chorus_right: Vec::new(),
            wet_left: Vec::new(),
            wet_right: Vec::new(),
            pending_at: None,
        }
    }

    fn clear_sends(&mut self, len: usize) {
        for b in [
            &mut self.reverb,
            &mut self.chorus_left,
            &mut self.chorus_right,
        ] {
            b.clear();
            b.resize(len, 0.0);
        }
    }

    /// Turns the held sends into the wet signal.
    fn process(&mut self) {
        let n = self.reverb.len();
        for b in [&mut self.wet_left, &mut self.wet_right] {
            b.clear();
            b.resize(n, 0.0);
        }
        if self.pending_at.is_some() {
            self.effects.process(
                &self.reverb,
                &self.chorus_left,
                &self.chorus_right,
                &mut self.wet_left,
                &mut self.wet_right,
            );
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic inside a job is reported by the scope; the data is not used after it.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn add_into(dst: &mut [f32], src: &[f32]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d += *s;
    }
}

/// Renders one segment: every group's synthesizer and, when it holds a segment's sends, the
/// shared effects. Threads take the next job from a counter, so uneven groups balance out;
/// each job writes only its own buffers, so the result does not depend on who ran what.
fn run_jobs(
    groups: &[Mutex<Group>],
    fx: Option<&Mutex<FxJob>>,
    first: usize,
    blocks: usize,
    threads: usize,
) {
    let jobs = groups.len() + usize::from(fx.is_some());
    let next = AtomicUsize::new(0);
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        // The effects job goes first: it is the longest single job.
        match (fx, i) {
            (Some(fx), 0) => lock(fx).process(),
            (Some(_), i) if i <= groups.len() => lock(&groups[i - 1]).render(first, blocks),
            (None, i) if i < groups.len() => lock(&groups[i]).render(first, blocks),
            _ => break,
        }
    };
    if threads <= 1 || jobs <= 1 {
        work();
        return;
    }
    std::thread::scope(|s| {
        for _ in 1..threads.min(jobs) {
            s.spawn(work);
        }
        work();
    });
}

/// Parses `midi`, loads `soundfont` (through the cache) and renders.
pub fn render(
    midi: MidiSource<'_>,
    soundfont: &SoundFontSource,
    opts: &RenderOptions,
) -> Result<Rendered> {
    catch_panics(|| {
        let parsed = midi.parse(&opts.limits)?;
        let font = load_soundfont(soundfont, opts.limits.max_soundfont_bytes)?;
        render_midi(&parsed, &font, opts)
    })
}

/// Renders with an already loaded font.
pub fn render_with_font(
    midi: MidiSource<'_>,
    font: &Arc<LoadedSoundFont>,
    opts: &RenderOptions,
) -> Result<Rendered> {
    catch_panics(|| {
        let parsed = midi.parse(&opts.limits)?;
        render_midi(&parsed, font, opts)
    })
}

/// Renders `midi_path` to `output_path` (format from `format`, else from the extension), written
/// atomically. The output may not be the input MIDI or SoundFont.
pub fn render_to_file(
    midi_path: &Path,
    output_path: &Path,
    soundfont: &SoundFontSource,
    opts: &RenderOptions,
    format: Option<OutputFormat>,
) -> Result<RenderReport> {
    check_output_path(output_path, midi_path)?;
    if let SoundFontSource::Path(sf) = soundfont {
        check_output_path(output_path, sf)?;
    }
    let rendered = render(MidiSource::Path(midi_path), soundfont, opts)?;
    let format = format.unwrap_or_else(|| OutputFormat::from_path(output_path));
    io::write_audio(output_path, &rendered.audio, format)?;
    Ok(rendered.report)
}

