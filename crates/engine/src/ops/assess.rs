//! The assessment operation: a take (a MIDI performance or a recording) against a lesson MIDI
//! file. MIDI takes are read as key presses; recordings of monophonic lessons through the pYIN
//! pitch track, notes and onsets; recordings of polyphonic lessons through the transcription
//! (Basic Pitch, piano mode) and its onset and note activations. The method is in
//! [`crate::assess`] and docs/assess.md.

use std::path::Path;

use crate::analysis::{
    analyze_pitch_mono, detect_onsets, notes_with_onsets, NoteParams, OnsetParams, PitchParams,
};
use crate::assess::{
    assess as assess_evidence, ActivationEvidence, AssessOptions, Assessment, Lesson, MidiEvidence,
    NoteEvidence, PitchTrackEvidence,
};
use crate::audio::AudioBuffer;
use crate::error::{catch_panics, Error, Result};
use crate::io::{decode_audio, DEFAULT_MAX_INPUT_S};
use crate::midi::{MidiFile, MidiLimits};

use super::transcribe::{transcribe_audio, TranscribeOptions};
use super::MidiSource;

/// Where a take comes from.
#[derive(Debug, Clone, Copy)]
pub enum TakeSource<'a> {
    /// A file: a Standard MIDI File (recognised by its header, bare or RIFF RMID), else audio
    /// in any format the engine decodes.
    Path(&'a Path),
    /// A decoded recording.
    Audio(&'a AudioBuffer),
    /// A MIDI performance in memory (named `<bytes>` in messages).
    MidiBytes(&'a [u8]),
}

/// Whether bytes start like a Standard MIDI File.
pub fn looks_like_midi(head: &[u8]) -> bool {
    head.starts_with(b"MThd") || (head.starts_with(b"RIFF") && head.get(8..12) == Some(b"RMID"))
}

fn midi_hz(p: f64) -> f64 {
    440.0 * 2f64.powf((p - 69.0) / 12.0)
}

/// The evidence of a recording: the pYIN track over the lesson's range (an octave and more
/// either side, so octave slips are heard), its notes and the onsets that split them.
fn audio_evidence(audio: &AudioBuffer, lesson: &Lesson) -> Result<PitchTrackEvidence> {
    let lo = lesson.notes.iter().map(|n| n.pitch).min().unwrap_or(60);
    let hi = lesson.notes.iter().map(|n| n.pitch).max().unwrap_or(72);
    let sr = f64::from(audio.sample_rate());
    let params = PitchParams {
        fmin_hz: midi_hz(f64::from(lo) - 14.0).max(30.0),
        fmax_hz: midi_hz(f64::from(hi) + 14.0).min(sr / 4.0),
        ..Default::default()
    };
    let mono = audio.to_mono();
    let track = analyze_pitch_mono(&mono, audio.sample_rate(), &params)?;
    let onsets = detect_onsets(audio, &OnsetParams::default())?;
    let notes = notes_with_onsets(&track, Some(&mono), &onsets, &NoteParams::default())?;
    Ok(PitchTrackEvidence::new(&track, &notes, &onsets))
}

/// Assesses `take` against the lesson in `lesson`.
pub fn assess(
    take: TakeSource<'_>,
    lesson: MidiSource<'_>,
    opts: &AssessOptions,
) -> Result<Assessment> {
    catch_panics(|| {
        let limits = MidiLimits::default();
        let lesson_name = match lesson {
            MidiSource::Path(p) => p.to_path_buf(),
            MidiSource::Bytes(_) => "<bytes>".into(),
        };
        let lesson_file = lesson.parse(&limits)?;
        let lesson = Lesson::from_midi(&lesson_file, &lesson_name)?;
        let take_name = match take {
            TakeSource::Path(p) => p.to_path_buf(),
            TakeSource::Audio(_) => "<audio>".into(),
            TakeSource::MidiBytes(_) => "<bytes>".into(),
        };
        let midi_take = |bytes: &[u8]| -> Result<MidiEvidence> {
            let file = MidiFile::parse(bytes, &take_name, &limits)?;
            Ok(MidiEvidence::new(&file.notes()))
        };
        let audio_take = |audio: &AudioBuffer| -> Result<Box<dyn NoteEvidence>> {
            if lesson.is_monophonic() && !opts.polyphonic {
                return Ok(Box::new(audio_evidence(audio, &lesson)?));
            }
            let t = transcribe_audio(
                audio,
                &TranscribeOptions::default(),
                &take_name.display().to_string(),
            )?;
            Ok(Box::new(ActivationEvidence::new(&t.notes, t.activations)))
        };
        let evidence: Box<dyn NoteEvidence> = match take {
            TakeSource::MidiBytes(b) => Box::new(midi_take(b)?),
            TakeSource::Audio(a) => audio_take(a)?,
            TakeSource::Path(p) => {
                let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
                if meta.len() > 1 << 30 {
                    return Err(Error::Limit {
                        path: p.to_path_buf(),
                        message: format!("the take is {} bytes, too large", meta.len()),
                    });
                }
                let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
                if looks_like_midi(&bytes) {
                    Box::new(midi_take(&bytes)?)
                } else {
                    let audio = decode_audio(bytes, p, DEFAULT_MAX_INPUT_S)?;
                    audio_take(&audio)?
                }
            }
        };
        if evidence.notes().is_empty() {
            return Err(Error::Assessment {
                path: take_name.clone(),
                message: "the take has no notes (nothing played, or silence)".into(),
            });
        }
        let mut a = assess_evidence(evidence.as_ref(), &lesson, opts)?;
        a.take = Some(take_name.display().to_string());
        a.lesson = Some(lesson_name.display().to_string());
        Ok(a)
    })
}
