//! MIDI synthesis: events from a parsed [`MidiFile`] drive SoundFont synthesizers, one per
//! channel group, which run on several threads and are summed in a fixed order, so the output is
//! bit-identical whatever the thread count. The tail after the last event runs until the output
//! falls below [`TAIL_SILENCE`] (capped by `max_tail_s`). Effects and the gain stage are the
//! render operation's business (`ops::render`), not this module's.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::font::LoadedSoundFont;
use super::interpolation::Interpolation;
use super::synth_impl as rs;
use super::sysex::{self, SysEx};
use crate::audio::AudioBuffer;
use crate::error::{Error, Result};
use crate::midi::{EventKind, MidiFile};
use crate::progress::Progress;

/// The level below which a tail counts as silent: -90 dBFS.
pub const TAIL_SILENCE: f32 = 3.162_277_7e-5;

/// How to synthesise.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthOptions {
    /// 22050 to 96000 Hz.
    pub sample_rate: u32,
    /// Voice limit of each channel group's synthesizer, 8 to 256.
    pub polyphony: usize,
    /// The SoundFont synthesizer's own reverb and chorus.
    pub synth_effects: bool,
    /// How samples are read between their points (default cubic).
    pub interpolation: Interpolation,
    /// Longest tail after the last event, in seconds.
    pub max_tail_s: f64,
    /// Longest output accepted, in seconds.
    pub max_audio_s: f64,
    /// Worker threads (default: all cores). The output does not depend on it.
    pub threads: Option<usize>,
    /// Called with the fraction done (0 to 1).
    pub progress: Progress,
}

impl Default for SynthOptions {
    fn default() -> Self {
        Self {
            sample_rate: 44100,
            polyphony: 256,
            synth_effects: false,
            interpolation: Interpolation::default(),
            max_tail_s: 10.0,
            max_audio_s: 3600.0,
            threads: None,
            progress: Progress::default(),
        }
    }
}

impl SynthOptions {
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

/// Synthesised audio and what the synthesizer reports about it.
#[derive(Debug, Clone)]
pub struct Synthesized {
    pub audio: AudioBuffer,
    /// The frame of the last MIDI event.
    pub end_frame: usize,
    /// The most frames the output may have: the last event plus the longest tail, within the
    /// length limit. Effects after synthesis follow the same cap.
    pub cap_frames: usize,
    /// Notes that took over a voice still sounding because the polyphony limit was reached.
    pub notes_dropped: u64,
    /// Threads and channel groups used.
    pub threads: usize,
    pub channel_groups: usize,
}

const BLOCK: usize = 64;
const SEGMENT_BLOCKS: usize = 128;
const MAX_GROUPS: usize = 6;

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
    /// Master tuning (fine plus coarse), in semitones.
    MasterTune(f32),
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
                    SynthEvent::MasterTune(semitones) => self.synth.set_master_tune(semitones),
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

/// Synthesises a parsed MIDI file with a loaded SoundFont.
pub fn synthesize(
    midi: &MidiFile,
    font: &LoadedSoundFont,
    opts: &SynthOptions,
) -> Result<Synthesized> {
    opts.validate()?;
    let sr = opts.sample_rate;
    let max_frames_total = (opts.max_audio_s * f64::from(sr)) as usize;
    let end_frame = (midi.duration_s * f64::from(sr)).round() as usize;
    let tail_frames = (opts.max_tail_s * f64::from(sr)).round() as usize;
    if end_frame > max_frames_total {
        return Err(Error::Limit {
            path: PathBuf::from("<midi>"),
            message: format!(
                "song lasts {:.0} s, above the limit of {} s",
                midi.duration_s, opts.max_audio_s
            ),
        });
    }
    let cap_frames = (end_frame + tail_frames).min(max_frames_total);
    let mut settings = rs::SynthesizerSettings::new(sr as i32);
    settings.block_size = BLOCK;
    settings.maximum_polyphony = opts.polyphony;
    settings.interpolation = opts.interpolation.synth_kernel();
    // Each group renders dry + effect sends; one shared reverb/chorus runs on their sum, so
    // the effects cost the same whatever the number of groups.
    settings.enable_reverb_and_chorus = false;
    let settings_err = |e| Error::InvalidArgument(format!("synthesizer settings: {e}"));
    let effects = if opts.synth_effects {
        Some(rs::Effects::new(&settings).map_err(settings_err)?)
    } else {
        None
    };
    let groups = schedule(midi, font, &settings, opts.synth_effects)?;
    let threads = opts
        .threads
        .unwrap_or_else(crate::threads::available)
        .clamp(1, groups.len() + usize::from(effects.is_some()));
    let groups: Vec<Mutex<Group>> = groups.into_iter().map(Mutex::new).collect();
    // The shared reverb/chorus runs one segment behind the synthesizers, as one more job beside
    // them, so it overlaps the next segment's synthesis instead of running alone.
    let fx = effects.map(|effects| Mutex::new(FxJob::new(effects)));
    let out = run_segments(
        &groups,
        fx.as_ref(),
        end_frame,
        cap_frames,
        threads,
        &opts.progress,
    );
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
    Ok(Synthesized {
        audio: AudioBuffer::from_trusted(vec![left, right], sr),
        end_frame,
        cap_frames,
        notes_dropped: groups.iter().map(|g| g.synth.stolen_voice_count()).sum(),
        threads,
        channel_groups: groups.len(),
    })
}

/// One synthesizer per channel group, each with the events of its channels at the block before
/// which they apply (SysEx resets and master tuning go to every group).
fn schedule(
    midi: &MidiFile,
    font: &LoadedSoundFont,
    settings: &rs::SynthesizerSettings,
    split: bool,
) -> Result<Vec<Group>> {
    let groups_channels = channel_groups(midi);
    let mut group_of = [0usize; 16];
    for (g, chans) in groups_channels.iter().enumerate() {
        for &c in chans {
            group_of[usize::from(c)] = g;
        }
    }
    // A SF3 font first decodes the samples this song reaches that no render needed before.
    let synth_font = font.synth_font(midi)?;
    let mut groups = Vec::with_capacity(groups_channels.len());
    for _ in &groups_channels {
        let synth = rs::Synthesizer::new(&synth_font, settings)
            .map_err(|e| Error::InvalidArgument(format!("synthesizer settings: {e}")))?;
        groups.push(Group {
            synth,
            events: Vec::new(),
            next: 0,
            split,
            left: Vec::new(),
            right: Vec::new(),
            reverb: Vec::new(),
            chorus_left: Vec::new(),
            chorus_right: Vec::new(),
        });
    }
    let sr = f64::from(settings.sample_rate);
    // Master fine and coarse tuning, in semitones: the synthesizer takes their sum.
    let mut master = (0.0f32, 0.0f32);
    for e in &midi.events {
        let block = ((e.time_s * sr).round() as usize) / BLOCK;
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
            EventKind::SysEx(data) => {
                let event = match sysex::decode(data) {
                    Some(SysEx::Reset) => SynthEvent::Reset,
                    Some(SysEx::MasterFineTuning(semitones)) => {
                        master.0 = semitones;
                        SynthEvent::MasterTune(master.0 + master.1)
                    }
                    Some(SysEx::MasterCoarseTuning(semitones)) => {
                        master.1 = semitones;
                        SynthEvent::MasterTune(master.0 + master.1)
                    }
                    None => continue,
                };
                for g in &mut groups {
                    g.events.push((block, event));
                }
            }
            _ => {}
        }
    }
    Ok(groups)
}

/// Renders segment after segment until the output reaches `cap_frames` or falls silent after
/// the last event, summing the groups in their fixed order.
fn run_segments(
    groups: &[Mutex<Group>],
    fx: Option<&Mutex<FxJob>>,
    end_frame: usize,
    cap_frames: usize,
    threads: usize,
    progress: &Progress,
) -> Output {
    let mut out = Output {
        // Room for the longest possible tail, so growing never copies the whole song.
        left: Vec::with_capacity(cap_frames + BLOCK * SEGMENT_BLOCKS),
        right: Vec::with_capacity(cap_frames + BLOCK * SEGMENT_BLOCKS),
        end_frame,
        last_loud: 0,
        quiet_after_end: false,
    };
    let mut block = 0usize;
    while out.left.len() < cap_frames && !out.quiet_after_end {
        let blocks = SEGMENT_BLOCKS.min((cap_frames - out.left.len()).div_ceil(BLOCK));
        run_jobs(groups, fx, block, blocks, threads);
        block += blocks;
        if let Some(fx) = fx {
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
        let mut fx_job = fx.map(lock);
        if let Some(job) = fx_job.as_mut() {
            job.clear_sends(seg_len);
        }
        for g in groups {
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
        progress.report(out.left.len() as f64 / (end_frame.max(1) as f64 * 1.02));
    }
    if let Some(fx) = fx {
        let mut job = lock(fx);
        job.process();
        if let Some(at) = job.pending_at {
            out.add_wet(at, &job.wet_left, &job.wet_right);
        }
    }
    out
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
        // Searched from the end: a loud segment is settled by its last few frames.
        let left = self.left.get(at..).unwrap_or_default();
        let right = self.right.get(at..).unwrap_or_default();
        let last = left
            .iter()
            .zip(right)
            .rposition(|(l, r)| l.abs() > TAIL_SILENCE || r.abs() > TAIL_SILENCE);
        match last {
            Some(i) => self.last_loud = at + i + 1,
            None if at >= self.end_frame => self.quiet_after_end = true,
            None => {}
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
