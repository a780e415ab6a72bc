//! The transcription operation: a recording to notes (and a MIDI file), with the model's
//! activations kept for callers that check notes against them (lesson assessment).

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::audio::AudioBuffer;
use crate::error::{catch_panics, Result};
use crate::io::{check_output_path, read_audio, write_atomic, DEFAULT_MAX_INPUT_S};
use crate::transcribe::{
    midi_bytes, model_input, notes, Activations, BasicPitch, Mode, TranscribedNote, Transcriber,
};

/// How to transcribe.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TranscribeOptions {
    /// How notes are made from the model's activations.
    pub mode: Mode,
    /// Most threads the model's windows run on (`None`: [`crate::threads::available`]).
    pub threads: Option<usize>,
}

/// A transcription: the notes and how they were made. Serialises to the CLI's and Python's
/// JSON (the activations are left out).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transcription {
    /// The file transcribed, when it came from one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The MIDI file written, when one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub midi: Option<String>,
    pub duration_s: f64,
    pub sample_rate: u32,
    pub channels: usize,
    pub mode: Mode,
    /// The model and the runtime that ran it.
    pub model: &'static str,
    /// Threads the model ran on.
    pub threads: usize,
    /// Seconds spent: resampling and the model, then note creation.
    pub model_s: f64,
    pub notes_s: f64,
    pub notes: Vec<TranscribedNote>,
    /// The model's frame-wise output.
    #[serde(skip)]
    pub activations: Activations,
}

impl Transcription {
    /// The transcription as one JSON document.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self)
            .map_err(|e| crate::Error::Internal(format!("transcription to JSON: {e}")))
    }

    /// The notes as a Standard MIDI File (see [`midi_bytes`]).
    pub fn midi_bytes(&self) -> Vec<u8> {
        midi_bytes(&self.notes)
    }
}

/// Transcribes `audio` (any rate, any channel count: the channels are averaged). `what` names
/// it in errors.
pub fn transcribe_audio(
    audio: &AudioBuffer,
    opts: &TranscribeOptions,
    what: &str,
) -> Result<Transcription> {
    catch_panics(|| {
        let t0 = Instant::now();
        let model = BasicPitch;
        let input = model_input(audio, model.sample_rate(), what)?;
        let threads = opts
            .threads
            .unwrap_or_else(crate::threads::available)
            .max(1);
        let activations = model.activations(&input, threads)?;
        let t1 = Instant::now();
        let notes = notes(&activations, opts.mode);
        Ok(Transcription {
            file: None,
            midi: None,
            duration_s: audio.duration_s(),
            sample_rate: audio.sample_rate(),
            channels: audio.channel_count(),
            mode: opts.mode,
            model: model.name(),
            threads,
            model_s: (t1 - t0).as_secs_f64(),
            notes_s: t1.elapsed().as_secs_f64(),
            notes,
            activations,
        })
    })
}

/// Decodes and transcribes an audio file.
pub fn transcribe_file(path: &Path, opts: &TranscribeOptions) -> Result<Transcription> {
    let audio = read_audio(path, DEFAULT_MAX_INPUT_S)?;
    let mut t = transcribe_audio(&audio, opts, &path.display().to_string())?;
    t.file = Some(path.display().to_string());
    Ok(t)
}

/// Transcribes the audio file `input` and writes the notes to the MIDI file `output`
/// atomically (nothing is written when transcription fails).
pub fn transcribe_to_midi(
    input: &Path,
    output: &Path,
    opts: &TranscribeOptions,
) -> Result<Transcription> {
    check_output_path(output, input)?;
    let mut t = transcribe_file(input, opts)?;
    write_atomic(output, &t.midi_bytes())?;
    t.midi = Some(output.display().to_string());
    Ok(t)
}
