//! The engine's errors as Python exceptions: a missing file is `FileNotFoundError`, bad content a
//! subclass of `AudioEngineError` (itself a `ValueError`), a bad argument a `ValueError`.

use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyValueError};
use pyo3::prelude::*;
use rust_audio_engine as rae;

pyo3::create_exception!(
    rust_audio_engine,
    AudioEngineError,
    PyValueError,
    "Base class of the engine's errors about bad content or arguments."
);
pyo3::create_exception!(
    rust_audio_engine,
    MidiError,
    AudioEngineError,
    "Invalid MIDI data."
);
pyo3::create_exception!(
    rust_audio_engine,
    SoundFontError,
    AudioEngineError,
    "Invalid or unsupported SoundFont."
);
pyo3::create_exception!(
    rust_audio_engine,
    AudioFormatError,
    AudioEngineError,
    "Audio data or an output format that cannot be handled."
);
pyo3::create_exception!(
    rust_audio_engine,
    LimitError,
    AudioEngineError,
    "A limit protecting against hostile input was exceeded."
);

pyo3::create_exception!(
    rust_audio_engine,
    ManifestError,
    AudioEngineError,
    "A batch manifest line that cannot be run; the message names the file and line."
);

/// The Python exception for an engine error.
pub(crate) fn to_py_err(e: rae::Error) -> PyErr {
    let msg = e.to_string();
    match e {
        rae::Error::NotFound { path } => PyFileNotFoundError::new_err((
            2,
            "No such file or directory",
            path.display().to_string(),
        )),
        rae::Error::Io { .. } => PyOSError::new_err(msg),
        rae::Error::Midi { .. } => MidiError::new_err(msg),
        rae::Error::SoundFont { .. } => SoundFontError::new_err(msg),
        rae::Error::AudioFormat { .. } => AudioFormatError::new_err(msg),
        rae::Error::Limit { .. } => LimitError::new_err(msg),
        rae::Error::Manifest { .. } => ManifestError::new_err(msg),
        rae::Error::InvalidArgument(_) => PyValueError::new_err(msg),
        _ => AudioEngineError::new_err(msg),
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("AudioEngineError", py.get_type::<AudioEngineError>())?;
    m.add("MidiError", py.get_type::<MidiError>())?;
    m.add("SoundFontError", py.get_type::<SoundFontError>())?;
    m.add("AudioFormatError", py.get_type::<AudioFormatError>())?;
    m.add("LimitError", py.get_type::<LimitError>())?;
    m.add("ManifestError", py.get_type::<ManifestError>())?;
    Ok(())
}
