//! The engine's one error type. Every variant names the file (or "<bytes>") and what is wrong, so
//! a message can be shown to a user as it is; the CLI and Python layers map kinds to exit codes and
//! exception classes.

use std::path::PathBuf;

/// Result with the engine's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input file does not exist.
    #[error("{path}: file not found")]
    NotFound { path: PathBuf },

    /// Any other I/O failure (permissions, disk full, ...).
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The MIDI data is not a valid Standard MIDI File.
    #[error("{path}: invalid MIDI at byte {offset}: {message}")]
    Midi {
        path: PathBuf,
        offset: u64,
        message: String,
    },

    /// The SoundFont is malformed or unsupported.
    #[error("{path}: invalid SoundFont: {message}")]
    SoundFont { path: PathBuf, message: String },

    /// Audio data or an audio format request that cannot be honoured.
    #[error("{path}: {message}")]
    AudioFormat { path: PathBuf, message: String },

    /// A configured limit protecting against hostile input was exceeded.
    #[error("{path}: {message}")]
    Limit { path: PathBuf, message: String },

    /// A batch manifest line that cannot be run: bad JSON, an unknown field or option, a
    /// duplicate id or output, or a line or job count over its limit. `line` counts from 1.
    #[error("{path}:{line}: {message}")]
    Manifest {
        path: PathBuf,
        line: usize,
        message: String,
    },

    /// A take that cannot be assessed against its lesson: the lesson has no notes, or an
    /// audio take of a polyphonic lesson (which needs the transcription).
    #[error("{path}: {message}")]
    Assessment { path: PathBuf, message: String },

    /// An argument outside its valid range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// A bug: a panic inside the engine was caught. Please report it.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The variant's name in snake case, as batch result records give it.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "not_found",
            Error::Io { .. } => "io",
            Error::Midi { .. } => "midi",
            Error::SoundFont { .. } => "soundfont",
            Error::AudioFormat { .. } => "audio_format",
            Error::Limit { .. } => "limit",
            Error::Manifest { .. } => "manifest",
            Error::Assessment { .. } => "assessment",
            Error::InvalidArgument(_) => "invalid_argument",
            Error::Internal(_) => "internal",
        }
    }

    /// Wraps an I/O error on `path`, turning "not found" into [`Error::NotFound`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound { path }
        } else {
            Error::Io { path, source }
        }
    }
}

/// The value that `names` pairs with `name` (in any case): the parser of the engine's named
/// choices (output formats, waveform formats, interpolations). An unknown name is an
/// [`Error::InvalidArgument`] naming `what` and the names accepted.
pub fn find_name<T: Copy>(names: &[(&'static str, T)], name: &str, what: &str) -> Result<T> {
    names
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, value)| value)
        .ok_or_else(|| {
            let accepted: Vec<&str> = names.iter().map(|&(n, _)| n).collect();
            Error::InvalidArgument(format!(
                "unknown {what} '{name}' (expected one of {})",
                accepted.join(", ")
            ))
        })
}

/// Runs `f`, turning a panic anywhere inside it into [`Error::Internal`] so no panic crosses into
/// a caller such as the Python interpreter.
pub fn catch_panics<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(Error::Internal(msg))
        }
    }
}
