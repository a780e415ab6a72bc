//! `rae waveform`: peaks for web players or a picture of an audio file, or a peaks file in
//! another format, through the engine's [`rae::ops::waveform_to_file`]. Option names follow
//! audiowaveform's.

use std::path::PathBuf;

use clap::Args;
use indicatif::ProgressStyle;
use rae::waveform::png::parse_color;
use rae::waveform::{AmplitudeScale, Bits, Format, WaveformOptions, Zoom};
use rust_audio_engine as rae;

use crate::Failure;

#[derive(Args)]
pub(crate) struct WaveformArgs {
    /// Audio file (WAV, FLAC, MP3, Ogg Vorbis/Opus, WebM, M4A), or audiowaveform peaks (.dat,
    /// .json) to convert to another peaks format.
    input: PathBuf,
    /// Output: .dat, .json or .txt (audiowaveform), .png, or any name with --output-format.
    #[arg(short, long)]
    output: PathBuf,
    /// dat, json, wavesurfer, txt, png or spectrogram (a PNG). Default: from the output's
    /// extension.
    #[arg(long)]
    output_format: Option<String>,
    /// Audio frames per pixel (audiowaveform's default: 256).
    #[arg(short, long, conflicts_with_all = ["pixels_per_second", "width"])]
    zoom: Option<u32>,
    /// Pixels per second of audio.
    #[arg(long, conflicts_with = "width")]
    pixels_per_second: Option<u32>,
    /// Fit the whole input in this many pixels (for pictures: the image width, default 800).
    #[arg(short, long)]
    width: Option<u32>,
    /// Picture height in pixels.
    #[arg(long, default_value_t = 250)]
    height: u32,
    /// Picture colours as rrggbb or rrggbbaa (audiowaveform's defaults).
    #[arg(long, default_value = "3f4d9b")]
    waveform_color: String,
    #[arg(long, default_value = "d6d6d6")]
    background_color: String,
    /// Draw a border and a time axis on the waveform picture.
    #[arg(long)]
    with_axis_labels: bool,
    /// Multiply the waveform's amplitude (peaks and pictures), or "auto": audiowaveform's, which
    /// scales until the lowest minimum reaches full scale.
    #[arg(long, default_value = "1.0")]
    amplitude_scale: String,
    /// Draw the pitch contour (pYIN) over the waveform picture (.png output).
    #[arg(long)]
    pitch_contour: bool,
    /// Colour of the pitch contour (rrggbb[aa]).
    #[arg(long, default_value = "e8590c")]
    pitch_color: String,
    /// Spectrogram rows on a logarithmic frequency scale.
    #[arg(long)]
    log_frequency: bool,
    /// Resolution of the peaks: 8 or 16. Default: 16 from audio, the input's from peaks.
    #[arg(short, long)]
    bits: Option<u32>,
    /// One waveform per channel instead of one for their mix.
    #[arg(long)]
    split_channels: bool,
    /// Compute a spectrogram's spectra on the GPU when one is available (RAE_GPU=auto|off|force);
    /// the summary names the backend that ran.
    #[arg(long)]
    gpu: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

fn options(args: &WaveformArgs) -> Result<WaveformOptions, Failure> {
    let format = match &args.output_format {
        Some(name) => Format::from_name(name)?,
        None => Format::from_path(&args.output)?,
    };
    let mut opts = WaveformOptions::new(format);
    opts.bits = args
        .bits
        .map(Bits::from_u32)
        .transpose()
        .map_err(|e| Failure::Usage(e.to_string()))?;
    opts.amplitude_scale = AmplitudeScale::parse(&args.amplitude_scale)?;
    opts.split_channels = args.split_channels;
    let width = args.width.unwrap_or(800);
    opts.zoom = Zoom::from_options(args.zoom, args.pixels_per_second, args.width)?;
    opts.image.width = width;
    opts.image.height = args.height;
    opts.image.waveform_color = parse_color(&args.waveform_color)?;
    opts.image.background = parse_color(&args.background_color)?;
    opts.image.with_axis_labels = args.with_axis_labels;
    opts.spectrogram.width = width;
    opts.spectrogram.height = args.height;
    opts.spectrogram.log_frequency = args.log_frequency;
    opts.spectrogram.use_gpu = args.gpu;
    Ok(opts)
}

pub(crate) fn run(args: &WaveformArgs) -> Result<(), Failure> {
    let opts = options(args)?;
    let contour = args
        .pitch_contour
        .then(|| parse_color(&args.pitch_color))
        .transpose()?;
    let bar = crate::progress_bar(None, args.quiet);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% reading",
    ) {
        bar.set_style(style);
    }
    let r = rae::ops::waveform_to_file(
        &args.input,
        &args.output,
        &opts,
        contour,
        &mut |f| match f {
            Some(f) => bar.set_position((f * 1000.0) as u64),
            None => bar.tick(),
        },
    )?;
    bar.finish_and_clear();
    if args.quiet {
        return Ok(());
    }
    let (input, output) = (args.input.display(), args.output.display());
    match (r.pixels, r.channels, r.samples_per_pixel, r.bits) {
        (Some(pixels), Some(channels), Some(spp), Some(bits)) => println!(
            "{input} -> {output}: {pixels} pixels x {channels} channel(s), {spp} frames per pixel, {bits}-bit, {}",
            r.format.name()
        ),
        _ => println!(
            "{input} -> {output}: {} {}x{}, {} frequency scale, backend {}",
            r.format.name(),
            r.width.unwrap_or(0),
            r.height.unwrap_or(0),
            if args.log_frequency { "log" } else { "linear" },
            r.backend.as_deref().unwrap_or("cpu")
        ),
    }
    Ok(())
}
