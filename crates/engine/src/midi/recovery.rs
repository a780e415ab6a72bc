//! The recovery rules: what the reader does with a file that breaks the Standard MIDI File
//! specification, and the warnings that say so. Each rule is a [`Recovery`]; a repair (a guess
//! about what the file means) is refused in strict mode with the error the reader has always
//! given, while a tolerance (something players have always ignored) is only reported.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};

/// At most this many warnings are kept per file; a hostile file could otherwise produce one per
/// byte. The count of the rest is reported in one last warning.
pub const MAX_WARNINGS: usize = 100;

/// One rule of lenient reading. `docs/midi.md` describes each with an example.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Recovery {
    /// Format 2 (independent sequences): the tracks play one after another, each starting where
    /// the previous one ended.
    SequentialTracks,
    /// A status byte 0xF1-0xFE other than the meta (0xFF) and SysEx (0xF0, 0xF7) forms, which
    /// belongs to a live MIDI stream, not a file: skipped with its data bytes.
    IllegalStatus,
    /// Data bytes after a meta or SysEx event, which cancel running status: the last channel
    /// status is used again.
    RunningStatusAfterMeta,
    /// A track chunk declares more bytes than the file holds: what is there is read.
    TruncatedChunk,
    /// A track ends inside an event: the incomplete event is dropped.
    TruncatedEvent,
    /// A set-tempo event that is not 3 bytes or is 0: ignored.
    InvalidTempo,
    /// A track without an End-of-Track event: it ends after its last event.
    MissingEndOfTrack,
    /// Bytes after a track's End-of-Track, or after the last chunk: ignored.
    TrailingBytes,
    /// A header whose format or track count disagrees with the chunks found (such as a format 0
    /// file with several tracks, or a truncated file with fewer tracks): the tracks found play
    /// together.
    TrackCount,
    /// A time signature event shorter than 2 bytes: ignored.
    InvalidTimeSignature,
}

impl Recovery {
    /// Whether strict mode refuses the file instead. Repairs change what is heard or guess what
    /// the file means; tolerances do neither and were always accepted.
    pub fn refused_in_strict(self) -> bool {
        matches!(
            self,
            Recovery::SequentialTracks
                | Recovery::IllegalStatus
                | Recovery::RunningStatusAfterMeta
                | Recovery::TruncatedChunk
                | Recovery::TruncatedEvent
                | Recovery::InvalidTempo
        )
    }
}

/// A recovery applied while reading a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MidiWarning {
    /// Byte offset in the file (from its first byte, RIFF wrapper included).
    pub offset: u64,
    /// The rule applied.
    pub rule: Recovery,
    /// What was wrong and what the reader did about it.
    pub message: String,
}

impl std::fmt::Display for MidiWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "byte {}: {}", self.offset, self.message)
    }
}

/// "1 byte", "2 bytes".
pub(crate) fn bytes(n: usize) -> String {
    if n == 1 {
        "1 byte".into()
    } else {
        format!("{n} bytes")
    }
}

/// Collects the warnings of one file, or turns a repair into an error in strict mode.
pub(crate) struct Recorder {
    name: PathBuf,
    strict: bool,
    warnings: Vec<MidiWarning>,
    unlisted: u64,
}

impl Recorder {
    pub(crate) fn new(name: &Path, strict: bool) -> Self {
        Self {
            name: name.to_path_buf(),
            strict,
            warnings: Vec::new(),
            unlisted: 0,
        }
    }

    /// The error for bytes that cannot be read in any mode.
    pub(crate) fn error(&self, offset: usize, message: impl Into<String>) -> Error {
        Error::Midi {
            path: self.name.clone(),
            offset: offset as u64,
            message: message.into(),
        }
    }

    /// Applies `rule` at `offset`: in strict mode a refused rule is the error `strict_message`
    /// (the reader's message before it learned to recover); otherwise `warning` is recorded.
    pub(crate) fn recover(
        &mut self,
        rule: Recovery,
        offset: usize,
        strict_message: impl Into<String>,
        warning: impl FnOnce() -> String,
    ) -> Result<()> {
        if self.strict && rule.refused_in_strict() {
            return Err(self.error(offset, strict_message));
        }
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(MidiWarning {
                offset: offset as u64,
                rule,
                message: warning(),
            });
        } else {
            self.unlisted += 1;
        }
        Ok(())
    }

    /// The warnings in file order, with a last one counting those not listed.
    pub(crate) fn finish(mut self) -> Vec<MidiWarning> {
        self.warnings.sort_by_key(|w| w.offset);
        if self.unlisted > 0 {
            let last = self.warnings.last().map_or(0, |w| w.offset);
            let rule = self
                .warnings
                .last()
                .map_or(Recovery::TrailingBytes, |w| w.rule);
            self.warnings.push(MidiWarning {
                offset: last,
                rule,
                message: format!(
                    "{} more warnings after this one are not listed",
                    self.unlisted
                ),
            });
        }
        self.warnings
    }
}
