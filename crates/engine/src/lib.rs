//! rust-audio-engine: MIDI rendering through SoundFonts (SF2 and SF3), with a built-in General MIDI
//! sound, a SoundFont cache shared across requests, a transparent safety limiter and loudness
//! normalisation, and atomic WAV/FLAC output; audio effects (convolution and algorithmic reverb,
//! EQ, dynamics, loudness) that run on whole buffers or stream, alone or as a [`Chain`].
//!
//! Read this file first: everything a user needs is re-exported here.
//!
//! ```no_run
//! use rust_audio_engine::{render_to_file, RenderOptions, SoundFontSource};
//! let report = render_to_file(
//!     "song.mid".as_ref(),
//!     "song.wav".as_ref(),
//!     &SoundFontSource::Default,
//!     &RenderOptions { reverb: true, ..Default::default() },
//!     None,
//! )?;
//! println!("{:.1} s of audio, peak {:.1} dBFS", report.duration_s, report.peak_dbfs);
//! # Ok::<(), rust_audio_engine::Error>(())
//! ```

pub mod analysis;
pub mod audio;
pub mod demo;
pub(crate) mod dsp;
pub mod effects;
pub mod error;
pub mod gain;
pub mod io;
pub mod midi;
pub mod synth;
pub mod waveform;

pub use audio::AudioBuffer;
pub use effects::{Chain, ChainSpec, Effect, EffectSpec};
pub use error::{Error, Result};
pub use gain::Normalize;
pub use io::{decode_audio, read_audio, write_audio, OutputFormat};
pub use midi::{MidiFile, MidiLimits, MidiSummary};
pub use synth::font::{
    cache_stats, clear_cache, load_soundfont, load_soundfont_bytes, resolve_default,
    set_cache_budget, CacheStats, LoadedSoundFont, SoundFontSource, SYSTEM_SOUNDFONTS,
};
pub use synth::render::{
    render, render_midi, render_to_file, render_with_font, Limits, MidiSource, Progress,
    RenderOptions, RenderReport, Rendered,
};
pub use synth::soundfont::{PresetSummary, SoundFontKind, SoundFontSummary};
