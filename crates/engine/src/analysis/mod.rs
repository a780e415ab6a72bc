//! Analysis of a performance: pitch (YIN, pYIN), notes, onsets, dynamics, tempo,
//! offline and streaming.
//!
//! Pitch, notes and the streaming analyser live in `pitch`, `pyin`, `notes`, `streaming`;
//! onsets, dynamics and tempo in `onsets`, `dynamics`, `tempo`. All take planar audio of any
//! channel count (mixed to mono with [`AudioBuffer::to_mono`](crate::AudioBuffer::to_mono) where an
//! algorithm needs one signal).

pub mod dynamics;
pub mod notes;
pub mod onsets;
pub mod pitch;
pub mod pitch_params;
pub mod pyin;
pub mod streaming;
pub mod tempo;

pub use dynamics::{analyze_dynamics, level_db, Dynamics, DynamicsParams};
pub use notes::{detect_notes, notes_from_track, notes_with_onsets, Note, NoteParams};
pub use onsets::{
    detect_onsets, onset_strength, Onset, OnsetMethod, OnsetParams, OnsetTracker, Onsets,
};
pub use pitch::{
    analyze_pitch, analyze_pitch_mono, analyze_pitch_mono_progress, PitchMethod, PitchParams,
    PitchTrack,
};
pub use streaming::{Event, PitchFrame, StreamingAnalyzer, StreamingParams};
pub use tempo::{estimate_tempo, Tempo, TempoParams};
