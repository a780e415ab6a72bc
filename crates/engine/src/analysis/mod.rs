//! Analysis of a performance (issue 4): pitch (YIN, pYIN), notes, onsets, dynamics, tempo,
//! offline and streaming.
//!
//! Pitch, notes and the streaming analyser live in `pitch`, `pyin`, `notes`, `streaming`;
//! onsets, dynamics and tempo in `onsets`, `dynamics`, `tempo`. All take planar audio of any
//! channel count (mixed to mono with [`to_mono`] where an algorithm needs one signal).

pub mod dynamics;
pub mod notes;
pub mod onsets;
pub mod pitch;
pub mod pyin;
pub mod streaming;
pub mod tempo;

pub use dynamics::{analyze_dynamics, level_db, Dynamics, DynamicsParams};
pub use notes::{detect_notes, notes_from_track, notes_with_onsets, Note, NoteParams};
pub use onsets::{detect_onsets, onset_strength, Onset, OnsetMethod, OnsetParams, OnsetTracker};
pub use pitch::{
    analyze_pitch, analyze_pitch_mono, analyze_pitch_mono_progress, PitchMethod, PitchParams,
    PitchTrack,
};
pub use streaming::{Event, PitchFrame, StreamingAnalyzer, StreamingParams};
pub use tempo::{estimate_tempo, Tempo, TempoParams};

use crate::{AudioBuffer, Error, Result};

/// The average of all channels, after checking every sample is finite (NaN or infinite
/// samples are refused with an error naming the channel and frame).
pub fn to_mono(audio: &AudioBuffer) -> Result<Vec<f32>> {
    crate::effects::check_finite(audio, "analysis")?;
    let frames = audio.frames();
    if audio.channels.iter().any(|c| c.len() != frames) {
        return Err(Error::InvalidArgument(
            "analysis: channels have different lengths".into(),
        ));
    }
    match audio.channels.len() {
        0 => Ok(Vec::new()),
        1 => Ok(audio.channels[0].clone()),
        n => {
            let scale = 1.0 / n as f32;
            let mut out = audio.channels[0].clone();
            for c in &audio.channels[1..] {
                for (o, x) in out.iter_mut().zip(c) {
                    *o += x;
                }
            }
            for o in &mut out {
                *o *= scale;
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_mix_averages_and_refuses_nan() {
        let a = AudioBuffer {
            channels: vec![vec![1.0, 0.0], vec![0.0, 1.0]],
            sample_rate: 8000,
        };
        assert_eq!(to_mono(&a).unwrap(), vec![0.5, 0.5]);
        let b = AudioBuffer {
            channels: vec![vec![f32::INFINITY]],
            sample_rate: 8000,
        };
        assert!(to_mono(&b).is_err());
    }
}
