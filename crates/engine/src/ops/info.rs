//! The MIDI information operation: everything `rae info FILE.mid --json` and Python's
//! `midi_info()` show about a MIDI file, as one serialisable document: the summary, what the
//! reader repaired, the notes, the registered parameters, the texts and the time signatures.

use serde::Serialize;

use crate::error::{catch_panics, Result};
use crate::midi::{
    MidiLimits, MidiNote, MidiSummary, MidiText, MidiWarning, ParameterChange, TimeSignature,
};

use super::render::MidiSource;

/// A MIDI file described.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MidiInfo {
    /// The file read, or `<bytes>`.
    pub file: String,
    /// Format, tracks, division, duration, counts, channels, programs, tempo, track names.
    #[serde(flatten)]
    pub summary: MidiSummary,
    /// What the reader repaired or tolerated, with byte offsets (empty for a well-formed file).
    pub warnings: Vec<MidiWarning>,
    /// Every note in the order they start.
    pub notes: Vec<MidiNote>,
    /// Registered parameter changes (pitch-bend range, fine and coarse tuning, modulation depth
    /// range) in time order.
    pub parameters: Vec<ParameterChange>,
    /// Text, lyric and marker events in time order.
    pub texts: Vec<MidiText>,
    pub time_signatures: Vec<TimeSignature>,
}

impl MidiInfo {
    /// The document as one line of JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self)
            .map_err(|e| crate::Error::Internal(format!("MIDI information to JSON: {e}")))
    }
}

/// Reads `midi` under `limits` (strict or not) and describes it.
pub fn midi_info(midi: MidiSource<'_>, limits: &MidiLimits) -> Result<MidiInfo> {
    catch_panics(|| {
        let file = midi.parse(limits)?;
        Ok(MidiInfo {
            file: match midi {
                MidiSource::Path(p) => p.display().to_string(),
                MidiSource::Bytes(_) => "<bytes>".into(),
            },
            summary: file.summary(),
            notes: file.notes(),
            parameters: file.parameters(),
            texts: file.texts(),
            time_signatures: file.time_signatures(),
            warnings: file.warnings,
        })
    })
}
