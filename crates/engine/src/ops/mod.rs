//! The engine's operations, one function each: render, MIDI information, analyse, transcribe,
//! assess a take against a lesson, waveform, effects, and a batch of them from a manifest. Each takes its options and returns a result that
//! serialises (`serde`), so the CLI's JSON, Python's `to_dict()` and the service's responses are
//! views of one value. The layers above (CLI, Python, the service) translate arguments, results
//! and errors, and nothing else.

pub mod analyze;
pub mod assess;
pub mod batch;
pub mod fx;
pub mod info;
pub mod render;
pub mod transcribe;
pub mod waveform;

pub use crate::compute::gpu_report;
pub use analyze::{analyze, analyze_file, Analysis, AnalyzeOptions};
pub use assess::{assess, looks_like_midi, TakeSource};
pub use fx::{process, process_file, process_file_on, process_on, FxReport};
pub use info::{midi_info, MidiInfo};
pub use render::{
    render, render_many, render_midi, render_to_file, Limits, MidiSource, RenderOptions,
    RenderOutput, RenderReport, Rendered, DEFAULT_REVERB_IR, RENDER_REVERB_MIX,
};
pub use transcribe::{
    transcribe_audio, transcribe_file, transcribe_to_midi, TranscribeOptions, Transcription,
};
pub use waveform::{contour_of, waveform_of, waveform_to_file};
