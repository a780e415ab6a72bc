//! Polyphonic transcription, audio to notes: a [`Transcriber`] turns mono audio at its rate into
//! frame-wise [`Activations`] (onset, note and pitch-contour probabilities); note creation turns
//! those into [`TranscribedNote`]s in one of two [`Mode`]s; [`midi_bytes`] writes them as a
//! Standard MIDI File.
//!
//! The one transcriber so far is [`BasicPitch`]: Spotify's Basic Pitch model (Apache-2.0), run
//! with tract-onnx. The trait leaves room for a piano-specific model.
//!
//! - [`Mode::Reference`] reproduces the `basic-pitch` package's note creation at its defaults
//!   (`output_to_notes_polyphonic` and its pitch bends), so its results can be checked against
//!   the package's.
//! - [`Mode::Piano`] is this project's note creation for piano: no notes without an onset, no
//!   harmonic ghosts, no re-triggers, offsets from the note activations.

mod model;
mod piano;
mod reference;

pub use model::{BasicPitch, FFT_HOP, HOP_SAMPLES, KEPT_FRAMES, SAMPLE_RATE, WINDOW_SAMPLES};
pub use reference::ReferenceParams;

use serde::Serialize;

use crate::audio::AudioBuffer;
use crate::error::{find_name, Error, Result};

/// Piano keys the note and onset activations cover (A0 to C8).
pub const KEYS: usize = 88;
/// MIDI note of key 0 (A0).
pub const MIDI_OFFSET: u8 = 21;
/// Contour bins: three per semitone from A0 (27.5 Hz).
pub const CONTOUR_BINS: usize = 264;
/// Shortest audio transcribed, in seconds: nothing shorter can hold a note.
pub const MIN_DURATION_S: f64 = 0.2;
/// Longest audio transcribed, in seconds (the activations of 20 minutes take about 180 MB).
pub const MAX_DURATION_S: f64 = 1200.0;

/// A model's frame-wise output over a whole recording. Frame 0 is at time 0; frame `k` is at
/// [`Activations::frame_time`]. Every value is a probability from 0 to 1.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Activations {
    /// Frames per second (about 86.13: one frame per 256 samples at 22,050 Hz).
    pub frame_rate: f64,
    /// Onset probability per frame and key (key 0 is MIDI note 21, A0).
    pub onsets: Vec<[f32; KEYS]>,
    /// Probability that the key sounds, per frame and key.
    pub frames: Vec<[f32; KEYS]>,
    /// Pitch salience per frame, three bins per semitone from 27.5 Hz (bin `3 * key` is the
    /// key's own pitch).
    pub contour: Vec<[f32; CONTOUR_BINS]>,
}

impl Activations {
    fn with_capacity(n: usize) -> Self {
        Self {
            frame_rate: f64::from(SAMPLE_RATE) / FFT_HOP as f64,
            onsets: Vec::with_capacity(n),
            frames: Vec::with_capacity(n),
            contour: Vec::with_capacity(n),
        }
    }

    fn push_frame(&mut self, w: &model::WindowOut, f: usize) {
        let mut onset = [0.0; KEYS];
        onset.copy_from_slice(&w.onset[f * KEYS..(f + 1) * KEYS]);
        let mut note = [0.0; KEYS];
        note.copy_from_slice(&w.note[f * KEYS..(f + 1) * KEYS]);
        let mut contour = [0.0; CONTOUR_BINS];
        contour.copy_from_slice(&w.contour[f * CONTOUR_BINS..(f + 1) * CONTOUR_BINS]);
        self.onsets.push(onset);
        self.frames.push(note);
        self.contour.push(contour);
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// True when there are no frames.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The time of frame `k` in seconds, exactly as the windows place it: each model window
    /// contributes [`KEPT_FRAMES`] frames 256 samples apart, starting at the window's
    /// [`HOP_SAMPLES`] multiple, so `t = (k / 142 * 36164 + k % 142 * 256) / 22050`.
    pub fn frame_time(&self, k: usize) -> f64 {
        let samples = k / KEPT_FRAMES * HOP_SAMPLES + k % KEPT_FRAMES * FFT_HOP;
        samples as f64 / f64::from(SAMPLE_RATE)
    }

    /// The time the `basic-pitch` package gives frame `k` (its `model_frames_to_time`):
    /// `k * 256 / 22050 - floor(k / 172) * (256 / 22050 * (172 - 43844 / 256) + 0.0018)`.
    /// Within about 10 ms of [`Activations::frame_time`].
    pub fn package_frame_time(k: usize) -> f64 {
        let hop_s = FFT_HOP as f64 / f64::from(SAMPLE_RATE);
        let window_offset = hop_s * (172.0 - WINDOW_SAMPLES as f64 / FFT_HOP as f64) + 0.0018;
        k as f64 * hop_s - window_offset * (k / 172) as f64
    }

    /// The frame nearest to time `t` seconds (clamped to the last frame; 0 when empty).
    pub fn frame_at(&self, t: f64) -> usize {
        let hop_s = FFT_HOP as f64 / f64::from(SAMPLE_RATE);
        let window_s = HOP_SAMPLES as f64 / f64::from(SAMPLE_RATE);
        let w = (t.max(0.0) / window_s).floor();
        let k = w as usize * KEPT_FRAMES + ((t.max(0.0) - w * window_s) / hop_s).round() as usize;
        k.min(self.len().saturating_sub(1))
    }
}

/// Turns mono audio at [`Transcriber::sample_rate`] into activations.
pub trait Transcriber: Send + Sync {
    /// The model and runtime, for reports.
    fn name(&self) -> &'static str;
    /// The sample rate the model takes.
    fn sample_rate(&self) -> u32;
    /// Activations of `mono` (at [`Transcriber::sample_rate`]), using up to `threads` threads.
    fn activations(&self, mono: &[f32], threads: usize) -> Result<Activations>;
}

/// How notes are made from the activations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The `basic-pitch` package's note creation at its defaults, pitch bends included.
    Reference,
    /// This project's note creation for piano (the default): every note starts at an onset,
    /// harmonic ghosts and re-triggers are dropped, offsets follow the note activations.
    #[default]
    Piano,
}

impl Mode {
    const NAMES: [(&'static str, Mode); 2] =
        [("reference", Mode::Reference), ("piano", Mode::Piano)];

    /// The mode named `name` ("reference" or "piano", any case).
    pub fn from_name(name: &str) -> Result<Self> {
        find_name(&Self::NAMES, name, "transcription mode")
    }

    /// The mode's name.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Reference => "reference",
            Mode::Piano => "piano",
        }
    }
}

/// One transcribed note.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TranscribedNote {
    pub start_s: f64,
    pub end_s: f64,
    /// MIDI note number.
    pub pitch: u8,
    /// 1 to 127: `round(127 * mean note activation)`, as the package gives it.
    pub velocity: u8,
    /// Pitch bend per frame of the note, in thirds of a semitone (reference mode; empty in
    /// piano mode).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pitch_bends: Vec<i32>,
}

/// Notes from `acts` in `mode`, sorted by start time, then pitch.
pub fn notes(acts: &Activations, mode: Mode) -> Vec<TranscribedNote> {
    let mut notes = match mode {
        Mode::Reference => reference::notes(acts, &ReferenceParams::default()),
        Mode::Piano => piano::notes(acts),
    };
    notes.sort_by(|a, b| a.start_s.total_cmp(&b.start_s).then(a.pitch.cmp(&b.pitch)));
    notes
}

/// `audio` as the transcriber's input: mono (the channels' average) at `sample_rate` (resampled
/// with a passband as wide as librosa's, which the package uses), after
/// checking its length against [`MIN_DURATION_S`] and [`MAX_DURATION_S`]. `what` names the
/// input in errors.
pub fn model_input(audio: &AudioBuffer, sample_rate: u32, what: &str) -> Result<Vec<f32>> {
    let d = audio.duration_s();
    if audio.channel_count() == 0 || d < MIN_DURATION_S {
        return Err(Error::AudioFormat {
            path: what.into(),
            message: format!(
                "audio is {d:.3} s long; transcription needs at least {MIN_DURATION_S} s"
            ),
        });
    }
    if d > MAX_DURATION_S {
        return Err(Error::Limit {
            path: what.into(),
            message: format!(
                "audio is {d:.0} s long; transcription takes at most {MAX_DURATION_S:.0} s"
            ),
        });
    }
    let mono = audio.to_mono();
    let mut out = crate::dsp::resample(
        &[mono],
        audio.sample_rate(),
        sample_rate,
        crate::dsp::Passband::Wide,
        what,
    )?;
    Ok(out.pop().unwrap_or_default())
}

/// A type-0 Standard MIDI File of `notes`: 480 ticks per quarter at 120 BPM (960 ticks a
/// second), acoustic grand piano on channel 1. Pitch bends (reference mode) are written for
/// notes that overlap no other note, as the package does, with a bend range of 2 semitones.
pub fn midi_bytes(notes: &[TranscribedNote]) -> Vec<u8> {
    const TICKS_PER_S: f64 = 960.0;
    let tick = |s: f64| {
        (s.max(0.0) * TICKS_PER_S)
            .round()
            .min(f64::from(u32::MAX / 2)) as u32
    };
    let mut sorted: Vec<&TranscribedNote> = notes.iter().collect();
    sorted.sort_by(|a, b| a.start_s.total_cmp(&b.start_s).then(a.pitch.cmp(&b.pitch)));
    let smf_notes: Vec<crate::midi::Note> = sorted
        .iter()
        .map(|n| {
            let start = tick(n.start_s);
            crate::midi::Note {
                start,
                length: tick(n.end_s).saturating_sub(start).max(1),
                channel: 0,
                key: n.pitch.min(127),
                velocity: n.velocity.clamp(1, 127),
            }
        })
        .collect();
    // A note overlaps another when an earlier one ends after it starts or the next starts
    // before it ends (sorted by start).
    let mut bends = Vec::new();
    let mut latest_end = f64::NEG_INFINITY;
    for (i, n) in sorted.iter().enumerate() {
        let overlaps =
            latest_end > n.start_s || sorted.get(i + 1).is_some_and(|m| m.start_s < n.end_s);
        latest_end = latest_end.max(n.end_s);
        if n.pitch_bends.is_empty() || overlaps {
            continue;
        }
        let count = n.pitch_bends.len();
        for (b, &bend) in n.pitch_bends.iter().enumerate() {
            let t = if count > 1 {
                n.start_s + (n.end_s - n.start_s) * b as f64 / (count - 1) as f64
            } else {
                n.start_s
            };
            // Thirds of a semitone to bend units at +-2 semitones (4096 per semitone).
            bends.push((
                tick(t),
                0u8,
                ((f64::from(bend) * 4096.0 / 3.0).round() as i32),
            ));
        }
        bends.push((tick(n.end_s), 0u8, 0));
    }
    crate::midi::write_smf_with_bends(480, 120.0, &[(0, 0)], &smf_notes, &[], &bends)
}

#[cfg(test)]
mod tests;
