//! The waveform operation end to end: peaks or a picture of audio (a buffer or a file), with the
//! pitch contour drawn over a waveform picture when asked, written atomically.

use std::path::Path;

use crate::analysis::{analyze_pitch, PitchParams, PitchTrack};
use crate::audio::AudioBuffer;
use crate::error::{Error, Result};
use crate::io::{check_output_path, read_audio, write_atomic, DEFAULT_MAX_INPUT_S};
use crate::waveform::png::PitchContour;
use crate::waveform::{
    encode_buffer, encode_file, Encoded, Format, WaveformOptions, WaveformReport,
};

/// The contour of a pitch track, to draw over a waveform picture in `color`; `None` when no
/// frame is voiced.
pub fn contour_of(track: &PitchTrack, color: [u8; 4]) -> Option<PitchContour> {
    PitchContour::fit(track.times_s.clone(), track.f0_hz.clone(), color)
}

/// The waveform of `audio`. With `pitch_contour`, a waveform picture also shows the pitch (pYIN
/// at its defaults) in that colour.
pub fn waveform_of(
    audio: &AudioBuffer,
    opts: &WaveformOptions,
    pitch_contour: Option<[u8; 4]>,
    name: &Path,
) -> Result<Encoded> {
    let mut opts = opts.clone();
    if let Some(color) = pitch_contour {
        check_contour_format(opts.format)?;
        let track = analyze_pitch(audio, &PitchParams::default())?;
        opts.image.pitch_contour = contour_of(&track, color);
    }
    encode_buffer(audio, &opts, name)
}

/// The waveform of the audio file `input`, written atomically to `output`. Peaks stream the
/// file (`progress` gets the fraction decoded, `None` when the length is unknown).
pub fn waveform_to_file(
    input: &Path,
    output: &Path,
    opts: &WaveformOptions,
    pitch_contour: Option<[u8; 4]>,
    progress: &mut dyn FnMut(Option<f64>),
) -> Result<WaveformReport> {
    check_output_path(output, input)?;
    let encoded = match pitch_contour {
        Some(color) => {
            check_contour_format(opts.format)?;
            let audio = read_audio(input, DEFAULT_MAX_INPUT_S)?;
            waveform_of(&audio, opts, Some(color), input)?
        }
        None => encode_file(input, opts, progress)?,
    };
    write_atomic(output, &encoded.bytes)?;
    Ok(encoded.report)
}

fn check_contour_format(format: Format) -> Result<()> {
    if format == Format::Png {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "a pitch contour is drawn on a waveform picture (png), not on {} output",
            format.name()
        )))
    }
}
