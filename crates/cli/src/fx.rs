//! `rae fx`: effects on an audio file, and the effect options `rae render` shares with it
//! ([`EffectArgs`]). Compact specs and chain files are parsed by the engine, which also runs the
//! chain ([`rae::ops::process_file`]); this file only maps options to effect specs, in a fixed
//! documented order.

use std::path::PathBuf;

use clap::Args;
use rae::effects::{ChainSpec, ConvolutionSpec, EffectSpec};
use rust_audio_engine as rae;

use crate::Failure;

/// Effect options shared by `rae fx` and `rae render`.
#[derive(Args, Default)]
pub(crate) struct EffectArgs {
    /// Convolution reverb: a built-in impulse response (room, hall, plate, church) or an IR file
    /// (WAV/FLAC, any rate, mono or stereo). `--reverb` alone means hall; put it after the
    /// input files or write `--reverb=NAME`.
    #[arg(long, value_name = "NAME|IR.wav", num_args = 0..=1, default_missing_value = "hall")]
    pub(crate) reverb: Option<String>,
    /// Wet fraction of the reverb, 0 to 1.
    #[arg(long, value_name = "MIX", default_value_t = rae::ops::RENDER_REVERB_MIX)]
    pub(crate) reverb_mix: f32,
    /// EQ band, repeatable, applied in order: TYPE:FREQ_HZ[:GAIN_DB[:Q]] with TYPE one of
    /// low_shelf, high_shelf, peak, low_pass, high_pass, band_pass, notch; Q defaults to 0.707.
    /// Example: --eq high_pass:80 --eq peak:1000:3:0.7 --eq high_shelf:8000:-2
    #[arg(long, value_name = "SPEC", allow_hyphen_values = true)]
    pub(crate) eq: Vec<String>,
    /// Compressor: THRESHOLD_DB[:RATIO[:ATTACK_MS[:RELEASE_MS[:KNEE_DB[:MAKEUP_DB]]]]], e.g.
    /// -18:4:10:100 (defaults: ratio 4, attack 10 ms, release 100 ms, knee 0, makeup 0).
    #[arg(long, value_name = "SPEC", allow_hyphen_values = true)]
    pub(crate) compress: Option<String>,
    /// True-peak limiter with this ceiling in dBFS (e.g. -1), applied last.
    #[arg(long, value_name = "CEILING_DB", allow_hyphen_values = true)]
    pub(crate) limit: Option<f32>,
    /// Normalise the integrated loudness to this many LUFS (ITU-R BS.1770), e.g. -14.
    #[arg(long, value_name = "LUFS", allow_hyphen_values = true)]
    pub(crate) normalize_lufs: Option<f64>,
    /// A chain file (TOML: [[effect]] tables, see docs/effects.md), applied before the options
    /// above.
    #[arg(long, value_name = "CHAIN.toml")]
    pub(crate) chain: Option<PathBuf>,
}

impl EffectArgs {
    /// The chain file's effects, then the EQ bands, then the compressor.
    fn leading_specs(&self) -> Result<Vec<EffectSpec>, Failure> {
        let mut specs = Vec::new();
        if let Some(path) = &self.chain {
            // A chain file with bad content is bad input (exit 1), not bad usage.
            let chain = ChainSpec::from_file(path).map_err(Failure::Engine)?;
            specs.extend(chain.effects);
        }
        specs.extend(EffectSpec::parse_eq_and_compress(
            &self.eq,
            self.compress.as_deref(),
        )?);
        Ok(specs)
    }

    fn limiter(&self) -> Option<EffectSpec> {
        self.limit.map(EffectSpec::limiter_at)
    }

    /// What `rae fx` applies: chain file, EQ, compressor, reverb, loudness, limiter.
    fn fx_specs(&self) -> Result<Vec<EffectSpec>, Failure> {
        let mut specs = self.leading_specs()?;
        if let Some(ir) = &self.reverb {
            specs.push(EffectSpec::Convolution(ConvolutionSpec {
                ir: ir.clone(),
                mix: self.reverb_mix,
                ..Default::default()
            }));
        }
        if let Some(lufs) = self.normalize_lufs {
            specs.push(EffectSpec::LoudnessNormalize {
                target_lufs: lufs as f32,
            });
        }
        specs.extend(self.limiter());
        Ok(specs)
    }

    /// What `rae render` applies after its reverb (which comes first, right after synthesis) and
    /// before its gain stage (which handles `--normalize-lufs`): chain file, EQ, compressor,
    /// limiter.
    pub(crate) fn render_specs(&self) -> Result<Vec<EffectSpec>, Failure> {
        let mut specs = self.leading_specs()?;
        specs.extend(self.limiter());
        if !(0.0..=1.0).contains(&self.reverb_mix) {
            return Err(Failure::Usage(format!(
                "--reverb-mix {} is outside 0..=1",
                self.reverb_mix
            )));
        }
        Ok(specs)
    }
}

#[derive(Args)]
#[command(
    after_help = "Effects run in this order: --chain, each --eq, --compress, --reverb, \
--normalize-lufs, --limit.\nExample: rae fx in.wav -o out.wav --eq high_pass:80 --eq peak:3000:2:1 \
--compress -18:4:10:100 --reverb plate --reverb-mix 0.2 --limit -1"
)]
pub(crate) struct FxArgs {
    /// Audio file (WAV, FLAC, MP3, OGG).
    input: PathBuf,
    /// Output audio file (.wav or .flac).
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    effects: EffectArgs,
    /// wav16, wav24, wav32f, flac16 or flac24. Default: from the extension (wav16 or flac16).
    #[arg(long)]
    format: Option<String>,
    /// Run the convolution reverb on the GPU when one is available (RAE_GPU=auto|off|force);
    /// the summary names the backend that ran.
    #[arg(long)]
    gpu: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

pub(crate) fn run(args: &FxArgs) -> Result<(), Failure> {
    let specs = args.effects.fx_specs()?;
    if specs.is_empty() {
        return Err(Failure::Usage(
            "no effect given: use --reverb, --eq, --compress, --limit, --normalize-lufs or --chain"
                .into(),
        ));
    }
    let format = args
        .format
        .as_deref()
        .map(rae::OutputFormat::from_name)
        .transpose()?;
    let r = rae::ops::process_file_on(
        &args.input,
        &args.output,
        &ChainSpec { effects: specs },
        format,
        args.gpu,
    )?;
    if !args.quiet {
        println!(
            "{} -> {}: {} ({:.2} s of audio, {} channels, {} Hz), peak {:.1} dBFS, processed in {:.3} s, backend {}",
            args.input.display(),
            args.output.display(),
            r.effects.join(" -> "),
            r.duration_s,
            r.channels,
            r.sample_rate,
            r.peak_dbfs,
            r.process_s,
            r.backend
        );
    }
    Ok(())
}
