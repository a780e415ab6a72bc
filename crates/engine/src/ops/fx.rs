//! The effects operation: a chain of effects, given as data, over a whole signal or a file.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::audio::AudioBuffer;
use crate::compute;
use crate::effects::{ChainSpec, Effect};
use crate::error::{catch_panics, Error, Result};
use crate::io::{check_output_path, read_audio, write_audio, OutputFormat, DEFAULT_MAX_INPUT_S};

/// What an effects run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FxReport {
    /// The effects that ran, in order.
    pub effects: Vec<String>,
    /// The output's length (the input plus the effects' tails), rate, channels and peak.
    pub duration_s: f64,
    pub sample_rate: u32,
    pub channels: usize,
    pub peak_dbfs: f64,
    /// Seconds spent processing (not decoding or writing).
    pub process_s: f64,
    /// Where the convolutions ran: `"cpu"`, `"gpu: <adapter> (<api>)"` or `"cpu: <reason>"`
    /// (see [`crate::compute::select`]); `"cpu"` when no effect uses a compute backend.
    pub backend: String,
}

/// `audio` through the chain `spec` as one whole signal: latency removed, tails appended.
pub fn process(audio: &AudioBuffer, spec: &ChainSpec) -> Result<(AudioBuffer, FxReport)> {
    process_on(audio, spec, false)
}

/// As [`process`], every convolution on the GPU when `use_gpu` and one is available.
pub fn process_on(
    audio: &AudioBuffer,
    spec: &ChainSpec,
    use_gpu: bool,
) -> Result<(AudioBuffer, FxReport)> {
    if spec.effects.is_empty() {
        return Err(Error::InvalidArgument("no effect given".into()));
    }
    catch_panics(|| {
        let selected = use_gpu.then(|| compute::select(true));
        let mut chain = spec.build_on(selected.as_ref().map(|s| &s.backend))?;
        let start = Instant::now();
        let out = chain.process_buffer(audio)?;
        let report = FxReport {
            effects: chain
                .effects()
                .iter()
                .map(|e| e.name().to_string())
                .collect(),
            duration_s: out.duration_s(),
            sample_rate: out.sample_rate(),
            channels: out.channel_count(),
            peak_dbfs: out.peak_dbfs(),
            process_s: start.elapsed().as_secs_f64(),
            backend: chain.backend().unwrap_or_else(|| "cpu".into()),
        };
        Ok((out, report))
    })
}

/// The file `input` through the chain to `output` (format from `format`, else the extension),
/// written atomically. The chain is built (impulse responses loaded) before the input is read.
pub fn process_file(
    input: &Path,
    output: &Path,
    spec: &ChainSpec,
    format: Option<OutputFormat>,
) -> Result<FxReport> {
    process_file_on(input, output, spec, format, false)
}

/// As [`process_file`], every convolution on the GPU when `use_gpu` and one is available.
pub fn process_file_on(
    input: &Path,
    output: &Path,
    spec: &ChainSpec,
    format: Option<OutputFormat>,
    use_gpu: bool,
) -> Result<FxReport> {
    check_output_path(output, input)?;
    if spec.effects.is_empty() {
        return Err(Error::InvalidArgument("no effect given".into()));
    }
    spec.build()?;
    let audio = read_audio(input, DEFAULT_MAX_INPUT_S)?;
    let (out, report) = process_on(&audio, spec, use_gpu)?;
    write_audio(
        output,
        &out,
        format.unwrap_or_else(|| OutputFormat::from_path(output)),
    )?;
    Ok(report)
}
