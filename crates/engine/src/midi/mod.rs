//! Standard MIDI Files (formats 0, 1 and 2, bare or in a RIFF RMID wrapper): a bounds-checked
//! reader that turns bytes into one time-ordered list of events with times in seconds, after the
//! tempo map. It plays what a broken file clearly means, as players do, and records each repair
//! as a [`MidiWarning`] with its byte offset; [`MidiLimits::strict`] refuses such files instead.
//! Errors carry the byte offset of the problem, so a user can find it in a hex editor.
//!
//! `write` writes a type-0 file from notes. `smf` reads the header and chunks, `track` the events of a track, `recovery` holds the rules
//! for broken files, `tempo` the tempo map, `meter` bars and beats; `summary` and `rpn` describe a parsed file.

use std::path::Path;

use crate::error::{Error, Result};

mod meter;
mod recovery;
mod rpn;
mod smf;
mod summary;
mod tempo;
mod track;
mod write;

pub use meter::{BarBeat, Meter};
pub use recovery::{MidiWarning, Recovery, MAX_WARNINGS};
pub use rpn::{ParameterChange, RegisteredParameter};
pub use summary::{MidiNote, MidiSummary, MidiText, TimeSignature};
pub use write::{write_smf, write_smf_with_bends, Note};

/// How to read a MIDI file: limits that guard the parser against hostile files, and whether a
/// file that needs repairs is refused.
#[derive(Debug, Clone, PartialEq)]
pub struct MidiLimits {
    /// Largest MIDI file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Fastest tempo accepted, in quarter notes per minute.
    pub max_tempo_bpm: f64,
    /// Longest song accepted (last event), in seconds.
    pub max_duration_s: f64,
    /// Refuse a file that breaks the standard in a way that needs a repair (a [`Recovery`] whose
    /// [`Recovery::refused_in_strict`] is true) with an [`Error::Midi`], instead of playing it
    /// with a warning. Off by default.
    pub strict: bool,
}

impl Default for MidiLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 64 * 1024 * 1024,
            max_tempo_bpm: 3000.0,
            max_duration_s: 3600.0,
            strict: false,
        }
    }
}

/// What an event does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A channel voice message: status high nibble (0x80..=0xE0), channel 0-15, data bytes.
    Channel {
        command: u8,
        channel: u8,
        data1: u8,
        data2: u8,
    },
    /// A set-tempo meta event (microseconds per quarter note).
    Tempo(u32),
    /// A system-exclusive message, without the leading 0xF0; the packets of a message split
    /// over several events are joined.
    SysEx(Vec<u8>),
    /// A text meta event (0x01 to 0x0F: text, copyright, track name, lyric, marker, ...).
    Text { kind: u8, text: String },
    /// A time signature meta event.
    TimeSignature { numerator: u8, denominator: u32 },
    /// The end of a track (meta 0x2F): it sets the song's length, so trailing silence written
    /// by the composer is kept.
    EndOfTrack,
}

/// One event at its absolute time.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Seconds from the start of the song.
    pub time_s: f64,
    /// Absolute tick.
    pub tick: u64,
    /// Index of the track it came from.
    pub track: u16,
    pub kind: EventKind,
}

/// A parsed Standard MIDI File.
#[derive(Debug, Clone)]
pub struct MidiFile {
    /// 0, 1 or 2.
    pub format: u16,
    /// Number of MTrk chunks.
    pub track_count: usize,
    /// Ticks per quarter note, or `None` for SMPTE time.
    pub ticks_per_quarter: Option<u16>,
    /// All events of all tracks, ordered by time, then track, then position in the track. The
    /// tracks of a format 2 file follow one another.
    pub events: Vec<Event>,
    /// Time of the last event (including end-of-track), in seconds.
    pub duration_s: f64,
    /// Track names (meta 0x03), where present.
    pub track_names: Vec<String>,
    /// The repairs and tolerances applied while reading, in file order (at most
    /// [`MAX_WARNINGS`], and one more counting the rest).
    pub warnings: Vec<MidiWarning>,
}

impl MidiFile {
    /// Reads and parses a MIDI file, enforcing `limits`.
    pub fn open(path: &Path, limits: &MidiLimits) -> Result<Self> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.len() > limits.max_file_bytes {
            return Err(Error::Limit {
                path: path.to_path_buf(),
                message: format!(
                    "MIDI file is {} bytes, above the limit of {} bytes",
                    meta.len(),
                    limits.max_file_bytes
                ),
            });
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&bytes, path, limits)
    }

    /// Parses MIDI bytes; `name` is used in error messages.
    pub fn parse(bytes: &[u8], name: &Path, limits: &MidiLimits) -> Result<Self> {
        if bytes.len() as u64 > limits.max_file_bytes {
            return Err(Error::Limit {
                path: name.to_path_buf(),
                message: format!(
                    "MIDI data is {} bytes, above the limit of {} bytes",
                    bytes.len(),
                    limits.max_file_bytes
                ),
            });
        }
        let mut rec = recovery::Recorder::new(name, limits.strict);
        let mut chunks = smf::read_chunks(bytes, &mut rec)?;
        // Stable: events at one tick keep their track order and their order in the track.
        chunks.events.sort_by_key(|e| (e.tick, e.track));
        let division = (chunks.division, chunks.division_offset);
        let (events, duration_s) = tempo::apply(chunks.events, division, limits, name, &rec)?;
        Ok(MidiFile {
            format: chunks.format,
            track_count: chunks.track_count,
            ticks_per_quarter: (chunks.division & 0x8000 == 0).then_some(chunks.division),
            events,
            duration_s,
            track_names: chunks.track_names,
            warnings: rec.finish(),
        })
    }
}

#[cfg(test)]
mod tests;
