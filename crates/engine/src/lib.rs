//! rust-audio-engine: MIDI rendering through SoundFonts (SF2 and SF3), with a built-in General MIDI
//! sound and a SoundFont cache shared across requests; audio effects (convolution and algorithmic
//! reverb, EQ, dynamics, loudness) that run on whole buffers or stream, alone or as a [`Chain`];
//! analysis of a performance (pitch, notes, onsets, dynamics, tempo); transcription (audio to
//! notes) and lesson feedback (a take assessed against its lesson, offline or live); waveforms for
//! web players.
//!
//! Read this file first: everything a user needs is re-exported here. Each user-facing operation
//! is one function in [`ops`] whose result serialises:
//!
//! ```no_run
//! use rust_audio_engine::{render_to_file, MidiSource, RenderOptions, RenderOutput, SoundFontSource};
//! let report = render_to_file(
//!     MidiSource::Path("song.mid".as_ref()),
//!     &SoundFontSource::Default,
//!     &RenderOptions { reverb: true, ..Default::default() },
//!     &RenderOutput::to("song.wav"),
//! )?;
//! println!("{:.1} s of audio, peak {:.1} dBFS", report.duration_s, report.peak_dbfs);
//! # Ok::<(), rust_audio_engine::Error>(())
//! ```
//!
//! The modules form layers, each using only those below it: `error`; `audio`, `progress` and
//! `threads`; `io`, `dsp` and `midi`; `gain`, `compute` and `level`; then the domains `synth`, `effects`,
//! `analysis`, `transcribe`, `follow` and `waveform`, which do not use each other; then `assess`,
//! which judges a take against a lesson from MIDI, analysis and transcription; then `ops`, which
//! combines them.

pub mod analysis;
pub mod assess;
pub mod audio;
pub mod compute;
pub mod demo;
pub(crate) mod dsp;
pub mod effects;
pub mod error;
pub mod follow;
pub mod gain;
pub mod io;
pub mod level;
pub mod midi;
pub mod ops;
pub mod progress;
pub mod synth;
pub mod threads;
pub mod transcribe;
pub mod waveform;

pub use assess::{AssessOptions, Assessment, Level};
pub use audio::AudioBuffer;
pub use effects::{Chain, ChainSpec, Effect, EffectSpec};
pub use error::{catch_panics, Error, Result};
pub use gain::Normalize;
pub use io::{decode_audio, read_audio, write_audio, OutputFormat};
pub use midi::{MidiFile, MidiLimits, MidiSummary, MidiWarning, Recovery};
pub use ops::batch::{run_batch, BatchOptions, BatchReport, JobRecord, Manifest, Shard};
pub use ops::{
    analyze, analyze_file, midi_info, render, render_midi, render_to_file, Analysis,
    AnalyzeOptions, Limits, MidiInfo, MidiSource, RenderOptions, RenderOutput, RenderReport,
    Rendered,
};
pub use ops::{
    transcribe_audio, transcribe_file, transcribe_to_midi, TranscribeOptions, Transcription,
};
pub use progress::Progress;
pub use synth::font::{
    cache_stats, clear_cache, load_soundfont, load_soundfont_bytes, resolve_default,
    set_cache_budget, CacheStats, LoadedSoundFont, SoundFontSource, SYSTEM_SOUNDFONTS,
};
pub use synth::interpolation::Interpolation;
pub use synth::soundfont::{PresetSummary, SoundFontKind, SoundFontSummary};
