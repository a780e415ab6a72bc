//! Python bindings for the engine's analysis module (onsets, dynamics, tempo): conversions only.

use pyo3::prelude::*;

/// Adds this module's classes and functions to `_native`.
pub(crate) fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
