//! Python bindings, mirroring the engine: `errors` (exception classes), `convert` (numpy arrays,
//! paths and bytes, results as dicts), then one file per part of the engine. This file only
//! registers them. Every call that loads, renders or analyses releases the GIL for all of its
//! work.

use pyo3::prelude::*;

mod analysis;
mod assess;
mod batch;
mod convert;
mod effects;
mod errors;
mod follow;
mod render;
mod transcribe;
mod waveform;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    render::register(m)?;
    waveform::register(m)?;
    effects::register(m)?;
    analysis::register(m)?;
    batch::register(m)?;
    assess::register(m)?;
    follow::register(m)?;
    transcribe::register(m)?;
    m.add_function(wrap_pyfunction!(convert::load_audio, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
