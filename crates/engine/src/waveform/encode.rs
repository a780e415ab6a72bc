//! The waveform operation's registry and encoder: [`Format`] names every output a user can ask
//! for (peaks for web players, text, pictures), and [`encode_buffer`] / [`encode_file`] turn
//! audio, or a peaks file (`.dat`, `.json`), into that output's bytes. Peak formats stream a file
//! through in constant memory; pictures look at the whole signal.

use std::path::Path;

use serde::Serialize;

use super::png::{render_waveform_png, WaveformImageOptions};
use super::spectrogram::{render_spectrogram, SpectrogramOptions};
use super::{peaks_of, peaks_of_file, read_peaks, AmplitudeScale, Bits, Peaks, PeaksFile, Zoom};
use crate::audio::AudioBuffer;
use crate::error::{find_name, Error, Result};
use crate::io::DEFAULT_MAX_INPUT_S;

/// An output of the waveform operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// audiowaveform binary peaks (`.dat`; peaks.js `dataUri.arraybuffer`).
    Dat,
    /// audiowaveform JSON peaks (`.json`; peaks.js `dataUri.json`).
    Json,
    /// wavesurfer.js JSON: `{"duration": s, "peaks": [[...], ...]}`.
    Wavesurfer,
    /// audiowaveform text: one line of `min,max` pairs per pixel (`.txt`).
    Txt,
    /// A PNG picture of the waveform, audiowaveform's look.
    Png,
    /// A PNG spectrogram.
    Spectrogram,
}

impl Format {
    /// Every format with the name a user types.
    pub const NAMES: [(&'static str, Format); 6] = [
        ("dat", Format::Dat),
        ("json", Format::Json),
        ("wavesurfer", Format::Wavesurfer),
        ("txt", Format::Txt),
        ("png", Format::Png),
        ("spectrogram", Format::Spectrogram),
    ];

    /// The format named `name` (case-insensitive).
    pub fn from_name(name: &str) -> Result<Self> {
        find_name(&Self::NAMES, name, "waveform format")
    }

    /// The format an output name implies: `.dat`, `.json`, `.txt` (audiowaveform) or `.png`
    /// (waveform picture). Other formats share these extensions, so they are only chosen by name.
    pub fn from_path(path: &Path) -> Result<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("dat") => Ok(Format::Dat),
            Some("json") => Ok(Format::Json),
            Some("txt") => Ok(Format::Txt),
            Some("png") => Ok(Format::Png),
            _ => Err(Error::InvalidArgument(format!(
                "{}: cannot tell the waveform format from the name; use .dat, .json, .txt or \
                 .png, or name the format",
                path.display()
            ))),
        }
    }

    /// The name a user types.
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("?", |(n, _)| n)
    }

    /// Peaks as data (`dat`, `json`, `wavesurfer`, `txt`), as opposed to a picture.
    pub fn is_peaks(self) -> bool {
        matches!(
            self,
            Format::Dat | Format::Json | Format::Wavesurfer | Format::Txt
        )
    }

    /// The bytes of `peaks` in this format; `duration_s` is the audio's exact length (wavesurfer
    /// JSON carries it). A spectrogram is drawn from the audio, not from peaks: asking one of
    /// this function is an error.
    pub fn encode(
        self,
        peaks: &Peaks,
        duration_s: f64,
        image: &WaveformImageOptions,
    ) -> Result<Vec<u8>> {
        match self {
            Format::Dat => Ok(peaks.to_dat()),
            Format::Json => Ok(peaks.to_json().into_bytes()),
            Format::Wavesurfer => Ok(peaks
                .to_wavesurfer_json_with_duration(duration_s)
                .into_bytes()),
            Format::Txt => Ok(peaks.to_txt().into_bytes()),
            Format::Png => render_waveform_png(peaks, image),
            Format::Spectrogram => Err(Error::InvalidArgument(
                "a spectrogram is drawn from the audio, not from peaks".into(),
            )),
        }
    }
}

impl Zoom {
    /// The zoom of audiowaveform's three options, of which at most one may be given; `None` when
    /// none is.
    pub fn from_options(
        samples_per_pixel: Option<u32>,
        pixels_per_second: Option<u32>,
        width: Option<u32>,
    ) -> Result<Option<Self>> {
        match (samples_per_pixel, pixels_per_second, width) {
            (Some(z), None, None) => Ok(Some(Zoom::SamplesPerPixel(z))),
            (None, Some(p), None) => Ok(Some(Zoom::PixelsPerSecond(p))),
            (None, None, Some(w)) => Ok(Some(Zoom::Width(w))),
            (None, None, None) => Ok(None),
            _ => Err(Error::InvalidArgument(
                "give at most one of samples_per_pixel (zoom), pixels_per_second and width".into(),
            )),
        }
    }
}

/// How to make a waveform.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveformOptions {
    pub format: Format,
    /// Pixel width. `None`: audiowaveform's default (256 frames per pixel) for peaks, and for a
    /// waveform picture the whole audio fitted to the image width.
    pub zoom: Option<Zoom>,
    /// Resolution of the peaks (audiowaveform's `-b`). `None`: 16 bits from audio, and the
    /// file's own from a peaks file.
    pub bits: Option<Bits>,
    /// Amplitude scaling of the peaks, applied to their 16-bit values before any reduction to 8
    /// bits (audiowaveform's `--amplitude-scale`, `auto` included).
    pub amplitude_scale: AmplitudeScale,
    /// One waveform per channel instead of one for their mix.
    pub split_channels: bool,
    /// How a waveform picture looks (`png`).
    pub image: WaveformImageOptions,
    /// How a spectrogram looks (`spectrogram`).
    pub spectrogram: SpectrogramOptions,
}

impl WaveformOptions {
    /// `format` at every default.
    pub fn new(format: Format) -> Self {
        Self {
            format,
            zoom: None,
            bits: None,
            amplitude_scale: AmplitudeScale::default(),
            split_channels: false,
            image: WaveformImageOptions::default(),
            spectrogram: SpectrogramOptions::default(),
        }
    }

    fn zoom(&self) -> Zoom {
        self.zoom.unwrap_or(match self.format {
            Format::Png => Zoom::Width(self.image.width),
            _ => Zoom::default(),
        })
    }
}

/// What a waveform is: its format and size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaveformReport {
    pub format: Format,
    /// Duration of the audio described, in seconds.
    pub duration_s: f64,
    /// Peak pixels, channels, frames per pixel and bits (absent for a spectrogram).
    pub pixels: Option<usize>,
    pub channels: Option<usize>,
    pub samples_per_pixel: Option<u32>,
    pub bits: Option<u32>,
    /// Picture size (absent for peaks).
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Where a spectrogram's spectra ran (`"cpu"`, `"gpu: ..."`, `"cpu: <reason>"`); absent
    /// for peaks.
    pub backend: Option<String>,
}

/// Encoded waveform bytes and their description.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub report: WaveformReport,
}

/// Computed or read peaks (16-bit from audio) as `opts` asks for them: amplitude scaled, then
/// at the resolution asked (`default_bits` when none is).
fn shaped(peaks: Peaks, opts: &WaveformOptions, default_bits: Bits, name: &Path) -> Result<Peaks> {
    peaks
        .adjusted(opts.amplitude_scale, opts.bits.unwrap_or(default_bits))
        .map_err(|e| Error::AudioFormat {
            path: name.to_path_buf(),
            message: format!("waveform: {e}"),
        })
}

fn encoded(bytes: Vec<u8>, peaks: &Peaks, duration_s: f64, opts: &WaveformOptions) -> Encoded {
    let picture = opts.format == Format::Png;
    Encoded {
        bytes,
        report: WaveformReport {
            format: opts.format,
            duration_s,
            pixels: Some(peaks.length()),
            channels: Some(peaks.channels),
            samples_per_pixel: Some(peaks.samples_per_pixel),
            bits: Some(peaks.bits.as_u32()),
            width: picture.then_some(opts.image.width),
            height: picture.then_some(opts.image.height),
            backend: None,
        },
    }
}

/// The waveform of `audio`; `name` names it in error messages.
pub fn encode_buffer(audio: &AudioBuffer, opts: &WaveformOptions, name: &Path) -> Result<Encoded> {
    if opts.format == Format::Spectrogram {
        let (bytes, backend) = render_spectrogram(audio, &opts.spectrogram)?;
        return Ok(Encoded {
            bytes,
            report: WaveformReport {
                format: Format::Spectrogram,
                duration_s: audio.duration_s(),
                pixels: None,
                channels: None,
                samples_per_pixel: None,
                bits: None,
                width: Some(opts.spectrogram.width),
                height: Some(opts.spectrogram.height),
                backend: Some(backend),
            },
        });
    }
    let peaks = peaks_of(audio, opts.zoom(), Bits::Sixteen, opts.split_channels, name)?;
    let peaks = shaped(peaks, opts, Bits::Sixteen, name)?;
    let bytes = opts
        .format
        .encode(&peaks, audio.duration_s(), &opts.image)?;
    Ok(encoded(bytes, &peaks, audio.duration_s(), opts))
}

/// The waveform of an audio file, or of a peaks file (`.dat`, `.json`: see [`convert_file`]).
/// Peaks and waveform pictures stream the audio through in constant memory (`progress` gets the
/// fraction decoded, `None` when the length is unknown); spectrograms decode it whole.
pub fn encode_file(
    path: &Path,
    opts: &WaveformOptions,
    progress: &mut dyn FnMut(Option<f64>),
) -> Result<Encoded> {
    if PeaksFile::of_input(path).is_some() {
        return convert_file(path, opts);
    }
    if opts.format.is_peaks() || opts.format == Format::Png {
        let (peaks, duration_s) = peaks_of_file(
            path,
            opts.zoom(),
            Bits::Sixteen,
            opts.split_channels,
            DEFAULT_MAX_INPUT_S,
            progress,
        )?;
        let peaks = shaped(peaks, opts, Bits::Sixteen, path)?;
        let bytes = opts.format.encode(&peaks, duration_s, &opts.image)?;
        return Ok(encoded(bytes, &peaks, duration_s, opts));
    }
    let audio = crate::io::read_audio(path, DEFAULT_MAX_INPUT_S)?;
    encode_buffer(&audio, opts, path)
}

/// A peaks file (`.dat`, `.json`) in another format, as `audiowaveform -i x.dat -o y.json`
/// converts: the pixels as they are, at the file's resolution unless `opts.bits` asks for another
/// (and amplitude scaled when asked). Zoom and channel options, which need the audio, are
/// refused, as are pictures of any kind.
pub fn convert_file(path: &Path, opts: &WaveformOptions) -> Result<Encoded> {
    let from = PeaksFile::of_input(path).map_or("audio", PeaksFile::name);
    if !opts.format.is_peaks() {
        return Err(Error::AudioFormat {
            path: path.to_path_buf(),
            message: format!(
                "Can't generate {} format output from {from} format input",
                opts.format.name()
            ),
        });
    }
    if opts.zoom.is_some() || opts.split_channels {
        return Err(Error::InvalidArgument(format!(
            "{}: zoom and split channels need audio; {from} peaks are converted as they are",
            path.display()
        )));
    }
    let peaks = read_peaks(path, opts.format.name())?;
    let bits = peaks.bits;
    let peaks = shaped(peaks, opts, bits, path)?;
    let duration_s = peaks.duration_s();
    let bytes = opts.format.encode(&peaks, duration_s, &opts.image)?;
    Ok(encoded(bytes, &peaks, duration_s, opts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths_round_trip() {
        for (name, f) in Format::NAMES {
            assert_eq!(Format::from_name(name).unwrap(), f);
            assert_eq!(Format::from_name(&name.to_uppercase()).unwrap(), f);
            assert_eq!(f.name(), name);
        }
        assert!(Format::from_name("svg").is_err());
        assert_eq!(
            Format::from_path(Path::new("a/b.DAT")).unwrap(),
            Format::Dat
        );
        assert_eq!(
            Format::from_path(Path::new("x.json")).unwrap(),
            Format::Json
        );
        assert_eq!(Format::from_path(Path::new("x.png")).unwrap(), Format::Png);
        assert_eq!(Format::from_path(Path::new("x.TXT")).unwrap(), Format::Txt);
        assert!(Format::from_path(Path::new("x.wav")).is_err());
    }

    #[test]
    fn zoom_options_allow_one() {
        assert_eq!(Zoom::from_options(None, None, None).unwrap(), None);
        assert_eq!(
            Zoom::from_options(Some(64), None, None).unwrap(),
            Some(Zoom::SamplesPerPixel(64))
        );
        assert!(Zoom::from_options(Some(64), Some(10), None).is_err());
    }

    #[test]
    fn a_picture_fits_the_audio_in_its_width() {
        let audio = AudioBuffer::silence(1, 44_100, 44_100);
        let mut opts = WaveformOptions::new(Format::Png);
        opts.image.width = 300;
        let e = encode_buffer(&audio, &opts, Path::new("x")).unwrap();
        assert_eq!(e.report.pixels, Some(300));
        assert_eq!(&e.bytes[1..4], b"PNG");
        let dat =
            encode_buffer(&audio, &WaveformOptions::new(Format::Dat), Path::new("x")).unwrap();
        assert_eq!(dat.report.samples_per_pixel, Some(256));
    }
}
