//! SoundFont loading (SF2, SF3, the built-in font), the process-wide cache, and MIDI rendering
//! with a choice of sample interpolation.

pub mod builtin;
pub mod font;
pub mod interpolation;
mod on_demand;
mod reach;
pub mod render;
pub mod soundfont;
mod sysex;

/// The synthesizer implementation in use.
pub(crate) use rae_synth as synth_impl;
