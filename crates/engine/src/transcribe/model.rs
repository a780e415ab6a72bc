//! Spotify's Basic Pitch model (ICASSP 2022, `nmp.onnx` from the basic-pitch 0.4.0 wheel,
//! Apache-2.0; see `crates/engine/models/basic_pitch/NOTICE`) run with tract-onnx, and the
//! package's windowing and unwrapping around it.
//!
//! The package pads the start of the signal with half the overlap (15 frames, 3,840 samples),
//! cuts it into windows of 43,844 samples that start 36,164 samples apart (the last one padded
//! with zeros), runs each window, drops the first and last 15 of each window's 172 frames and
//! joins what is left, keeping `floor(samples * 86 / 22050)` frames.

use std::sync::{Arc, OnceLock};

use tract_onnx::prelude::*;

use super::{Activations, Transcriber, CONTOUR_BINS, KEYS};
use crate::error::{Error, Result};

/// The model file, embedded.
const MODEL_ONNX: &[u8] = include_bytes!("../../models/basic_pitch/nmp.onnx");

/// The model's sample rate.
pub const SAMPLE_RATE: u32 = 22_050;
/// Samples per frame (the model's hop).
pub const FFT_HOP: usize = 256;
/// Samples in one window of the model's input.
pub const WINDOW_SAMPLES: usize = 2 * SAMPLE_RATE as usize - FFT_HOP;
/// Frames the model gives per window.
pub const WINDOW_FRAMES: usize = 172;
/// Frames two consecutive windows share, as the package runs them.
pub const OVERLAP_FRAMES: usize = 30;
/// Samples between the starts of two windows.
pub const HOP_SAMPLES: usize = WINDOW_SAMPLES - OVERLAP_FRAMES * FFT_HOP;
/// Frames each window contributes once its overlap is trimmed.
pub const KEPT_FRAMES: usize = WINDOW_FRAMES - OVERLAP_FRAMES;
/// The package's frame rate for trimming and frame counts: `22050 // 256` (an integer).
const ANNOTATIONS_FPS: usize = SAMPLE_RATE as usize / FFT_HOP;

/// The runnable model and where its outputs are: (contour, note, onset).
struct Loaded {
    plan: Arc<TypedRunnableModel>,
    outputs: [usize; 3],
}

static MODEL: OnceLock<std::result::Result<Loaded, String>> = OnceLock::new();

/// The model, parsed and optimised once per process, shared by every thread.
fn model() -> Result<&'static Loaded> {
    MODEL
        .get_or_init(load)
        .as_ref()
        .map_err(|e| Error::Internal(format!("loading the Basic Pitch model: {e}")))
}

fn load() -> std::result::Result<Loaded, String> {
    let text = |e: TractError| format!("{e:#}");
    let model = tract_onnx::onnx()
        .model_for_read(&mut std::io::Cursor::new(MODEL_ONNX))
        .and_then(|m| m.with_input_fact(0, f32::fact([1, WINDOW_SAMPLES, 1]).into()))
        .map_err(text)?;
    // The ONNX outputs are named after the saved model's: :0 contour, :1 note, :2 onset.
    let mut outputs = [usize::MAX; 3];
    for (i, outlet) in model.output_outlets().map_err(text)?.iter().enumerate() {
        let label = model.outlet_label(*outlet).unwrap_or_default().to_string();
        let name = if label.is_empty() {
            model.node(outlet.node).name.clone()
        } else {
            label
        };
        for (slot, suffix) in [":0", ":1", ":2"].iter().enumerate() {
            if name.ends_with(suffix) {
                outputs[slot] = i;
            }
        }
    }
    if outputs.contains(&usize::MAX) {
        return Err("unexpected output names".into());
    }
    let plan = model
        .into_optimized()
        .and_then(|m| m.into_runnable())
        .map_err(text)?;
    Ok(Loaded { plan, outputs })
}

/// Basic Pitch through tract-onnx: the engine's pure-Rust transcriber.
#[derive(Debug, Clone, Copy, Default)]
pub struct BasicPitch;

impl Transcriber for BasicPitch {
    fn name(&self) -> &'static str {
        "basic-pitch icassp_2022 (tract-onnx)"
    }

    fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }

    fn activations(&self, mono: &[f32], threads: usize) -> Result<Activations> {
        let loaded = model()?;
        let pad = OVERLAP_FRAMES / 2 * FFT_HOP;
        let padded_len = mono.len() + pad;
        let starts: Vec<usize> = (0..padded_len).step_by(HOP_SAMPLES).collect();
        let threads = threads.clamp(1, starts.len().max(1));
        let mut per_window: Vec<Option<Result<WindowOut>>> =
            (0..starts.len()).map(|_| None).collect();
        let window_of = |start: usize| -> Vec<f32> {
            // Sample `s` of the padded signal is mono[s - pad] (zeros before and after).
            (start..start + WINDOW_SAMPLES)
                .map(|s| {
                    s.checked_sub(pad)
                        .and_then(|i| mono.get(i))
                        .copied()
                        .unwrap_or(0.0)
                })
                .collect()
        };
        std::thread::scope(|scope| {
            let chunks: Vec<_> = per_window
                .chunks_mut(starts.len().div_ceil(threads))
                .enumerate()
                .map(|(c, slots)| {
                    let first = c * starts.len().div_ceil(threads);
                    let starts = &starts;
                    let window_of = &window_of;
                    scope.spawn(move || {
                        let state = loaded.plan.spawn();
                        let mut state = match state {
                            Ok(s) => s,
                            Err(e) => {
                                for slot in slots.iter_mut() {
                                    *slot = Some(Err(run_error(&e)));
                                }
                                return;
                            }
                        };
                        for (j, slot) in slots.iter_mut().enumerate() {
                            let input = window_of(starts[first + j]);
                            *slot = Some(run_window(&mut state, loaded, input));
                        }
                    })
                })
                .collect();
            for c in chunks {
                let _ = c.join();
            }
        });
        let keep = (mono.len() * ANNOTATIONS_FPS) / SAMPLE_RATE as usize;
        let mut acts = Activations::with_capacity(keep);
        let lo = OVERLAP_FRAMES / 2;
        'windows: for w in per_window {
            let w =
                w.ok_or_else(|| Error::Internal("a transcription window did not run".into()))??;
            for f in lo..WINDOW_FRAMES - lo {
                if acts.frames.len() == keep {
                    break 'windows;
                }
                acts.push_frame(&w, f);
            }
        }
        Ok(acts)
    }
}

/// One window's outputs, frame-major: contour (172 x 264), note and onset (172 x 88).
pub(super) struct WindowOut {
    pub contour: Vec<f32>,
    pub note: Vec<f32>,
    pub onset: Vec<f32>,
}

fn run_error(e: &dyn std::fmt::Display) -> Error {
    Error::Internal(format!("running the Basic Pitch model: {e}"))
}

fn run_window(state: &mut TypedSimpleState, loaded: &Loaded, input: Vec<f32>) -> Result<WindowOut> {
    let tensor = Tensor::from_shape(&[1, WINDOW_SAMPLES, 1], &input).map_err(|e| run_error(&e))?;
    let out = state.run(tvec!(tensor.into())).map_err(|e| run_error(&e))?;
    let take = |slot: usize, bins: usize| -> Result<Vec<f32>> {
        let t = out
            .get(loaded.outputs[slot])
            .ok_or_else(|| run_error(&"missing output"))?;
        let view = t.try_as_plain_ram().map_err(|e| run_error(&e))?;
        let v = view.as_slice::<f32>().map_err(|e| run_error(&e))?;
        if v.len() != WINDOW_FRAMES * bins {
            return Err(run_error(&format!(
                "output {slot} has {} values, expected {}",
                v.len(),
                WINDOW_FRAMES * bins
            )));
        }
        Ok(v.to_vec())
    };
    Ok(WindowOut {
        contour: take(0, CONTOUR_BINS)?,
        note: take(1, KEYS)?,
        onset: take(2, KEYS)?,
    })
}
