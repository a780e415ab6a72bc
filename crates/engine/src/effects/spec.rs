//! Effect descriptions: [`EffectSpec`] names an effect and its parameters as plain data (what
//! render options, chain files and the command line carry), and builds the effect. A chain file
//! is TOML, an array of `[[effect]]` tables each with a `type` and that effect's parameters (see
//! docs/effects.md); unknown types or keys are errors naming them. The command line's compact
//! specs (`peak:1000:3:0.7`, `-18:4:10:100`) are parsed here too.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{
    BoxedEffect, Chain, Compressor, CompressorParams, Eq, FilterBand, FilterType, Gain, Limiter,
    LimiterParams, LoudnessNormalize, Reverb, ReverbParams,
};
use std::sync::Arc;

use crate::compute::Backend;
use crate::{Error, Result};

/// Convolution reverb settings as data (see the convolution module for their meaning).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConvolutionSpec {
    /// A built-in impulse response's name (`room`, `hall`, `plate`, `church`) or an audio file.
    pub ir: String,
    pub mix: f32,
    pub pre_delay_ms: f32,
    pub trim_tail: bool,
    pub normalize: bool,
    /// Streaming partition size in frames (the streaming latency).
    pub block_frames: usize,
    /// Whole-buffer convolution on the GPU when one is available (see `compute::select`).
    pub use_gpu: bool,
}

impl Default for ConvolutionSpec {
    fn default() -> Self {
        let p = super::convolution::ConvolutionParams::default();
        ConvolutionSpec {
            ir: "hall".into(),
            mix: p.mix,
            pre_delay_ms: p.pre_delay_ms,
            trim_tail: p.trim_tail,
            normalize: p.normalize,
            block_frames: p.block_frames,
            use_gpu: false,
        }
    }
}

/// One effect as data.
#[derive(Debug, Clone, PartialEq)]
pub enum EffectSpec {
    Convolution(ConvolutionSpec),
    Reverb(ReverbParams),
    /// One cookbook filter.
    Filter(FilterBand),
    /// A multi-band equaliser.
    Eq(Vec<FilterBand>),
    Compressor(CompressorParams),
    Limiter(LimiterParams),
    Gain {
        gain_db: f32,
    },
    LoudnessNormalize {
        target_lufs: f32,
    },
    /// A nested chain.
    Chain(Vec<EffectSpec>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BandToml {
    cutoff_frequency_hz: f32,
    #[serde(default)]
    gain_db: f32,
    #[serde(default = "default_q")]
    q: f32,
}

fn default_q() -> f32 {
    super::eq::DEFAULT_Q
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GainToml {
    gain_db: f32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoudnessToml {
    #[serde(default = "default_lufs")]
    target_lufs: f32,
}

fn default_lufs() -> f32 {
    -14.0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EqToml {
    bands: Vec<toml::Table>,
}

#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct CompressorToml {
    threshold_db: f32,
    ratio: f32,
    attack_ms: f32,
    release_ms: f32,
    knee_db: f32,
    makeup_gain_db: f32,
}

impl Default for CompressorToml {
    fn default() -> Self {
        let p = CompressorParams::default();
        CompressorToml {
            threshold_db: p.threshold_db,
            ratio: p.ratio,
            attack_ms: p.attack_ms,
            release_ms: p.release_ms,
            knee_db: p.knee_db,
            makeup_gain_db: p.makeup_gain_db,
        }
    }
}

#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct LimiterToml {
    ceiling_db: f32,
    release_ms: f32,
    lookahead_ms: f32,
}

impl Default for LimiterToml {
    fn default() -> Self {
        let p = LimiterParams::default();
        LimiterToml {
            ceiling_db: p.ceiling_db,
            release_ms: p.release_ms,
            lookahead_ms: p.lookahead_ms,
        }
    }
}

#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ReverbToml {
    room_size: f32,
    damping: f32,
    wet_level: f32,
    dry_level: f32,
    width: f32,
}

impl Default for ReverbToml {
    fn default() -> Self {
        let p = ReverbParams::default();
        ReverbToml {
            room_size: p.room_size,
            damping: p.damping,
            wet_level: p.wet_level,
            dry_level: p.dry_level,
            width: p.width,
        }
    }
}

/// The names accepted for built-in impulse responses.
fn is_builtin_ir(name: &str) -> bool {
    super::ir::ImpulseResponse::BUILTIN_NAMES.contains(&name)
}

fn table_into<T: serde::de::DeserializeOwned>(table: toml::Table, what: &str) -> Result<T> {
    // Through text, so a type error quotes the offending `key = value` line.
    let text =
        toml::to_string(&table).map_err(|e| Error::InvalidArgument(format!("{what}: {e}")))?;
    toml::from_str(&text).map_err(|e: toml::de::Error| {
        let quoted = e
            .span()
            .and_then(|s| text.get(..s.end))
            .and_then(|t| t.lines().last())
            .unwrap_or("");
        Error::InvalidArgument(format!("{what}: {} (at `{}`)", e.message(), quoted.trim()))
    })
}

impl EffectSpec {
    /// The true-peak limiter at `ceiling_db` dBFS, its other settings the defaults (what
    /// `--limit` and a batch job's `limit` ask for).
    pub fn limiter_at(ceiling_db: f32) -> Self {
        EffectSpec::Limiter(LimiterParams {
            ceiling_db,
            ..Default::default()
        })
    }

    /// Builds the effect (loading an impulse response file if one is named).
    pub fn build(&self) -> Result<BoxedEffect> {
        self.build_on(None)
    }

    /// As [`Self::build`], with every convolution on `backend` when one is given (a render's
    /// shared backend), else where its own `use_gpu` says.
    pub fn build_on(&self, backend: Option<&Arc<dyn Backend>>) -> Result<BoxedEffect> {
        Ok(match self {
            EffectSpec::Convolution(c) => {
                let conv = super::convolution::Convolution::new(
                    &c.ir,
                    super::convolution::ConvolutionParams {
                        mix: c.mix,
                        pre_delay_ms: c.pre_delay_ms,
                        trim_tail: c.trim_tail,
                        normalize: c.normalize,
                        block_frames: c.block_frames,
                    },
                )?;
                Box::new(match backend {
                    Some(b) => conv.with_backend(b.clone()),
                    None => conv.with_gpu(c.use_gpu),
                })
            }
            EffectSpec::Reverb(p) => Box::new(Reverb::new(*p)?),
            EffectSpec::Filter(b) => Box::new(Eq::new(vec![*b])?),
            EffectSpec::Eq(bands) => Box::new(Eq::new(bands.clone())?),
            EffectSpec::Compressor(p) => Box::new(Compressor::new(*p)?),
            EffectSpec::Limiter(p) => Box::new(Limiter::new(*p)?),
            EffectSpec::Gain { gain_db } => Box::new(Gain::new(*gain_db)?),
            EffectSpec::LoudnessNormalize { target_lufs } => {
                Box::new(LoudnessNormalize::new(*target_lufs)?)
            }
            EffectSpec::Chain(specs) => Box::new(Chain::new(
                specs
                    .iter()
                    .map(|s| s.build_on(backend))
                    .collect::<Result<_>>()?,
            )),
        })
    }

    /// Reads one `[[effect]]` table. A relative impulse response path is taken relative to
    /// `base_dir` (the chain file's directory).
    pub fn from_table(mut table: toml::Table, base_dir: Option<&Path>) -> Result<Self> {
        let kind = match table.remove("type") {
            Some(toml::Value::String(s)) => s,
            Some(other) => {
                return Err(Error::InvalidArgument(format!(
                    "effect type must be a string, not {other}"
                )))
            }
            None => {
                return Err(Error::InvalidArgument(
                    "every [[effect]] needs a type, e.g. type = \"compressor\"".into(),
                ))
            }
        };
        let what = format!("effect '{kind}'");
        let spec = match kind.as_str() {
            "convolution" => {
                let mut c: ConvolutionSpec = table_into(table, &what)?;
                if let Some(dir) = base_dir {
                    if !is_builtin_ir(&c.ir) && Path::new(&c.ir).is_relative() {
                        c.ir = dir.join(&c.ir).to_string_lossy().into_owned();
                    }
                }
                EffectSpec::Convolution(c)
            }
            "reverb" => {
                let r: ReverbToml = table_into(table, &what)?;
                EffectSpec::Reverb(ReverbParams {
                    room_size: r.room_size,
                    damping: r.damping,
                    wet_level: r.wet_level,
                    dry_level: r.dry_level,
                    width: r.width,
                })
            }
            "compressor" => {
                let c: CompressorToml = table_into(table, &what)?;
                EffectSpec::Compressor(CompressorParams {
                    threshold_db: c.threshold_db,
                    ratio: c.ratio,
                    attack_ms: c.attack_ms,
                    release_ms: c.release_ms,
                    knee_db: c.knee_db,
                    makeup_gain_db: c.makeup_gain_db,
                })
            }
            "limiter" => {
                let l: LimiterToml = table_into(table, &what)?;
                EffectSpec::Limiter(LimiterParams {
                    ceiling_db: l.ceiling_db,
                    release_ms: l.release_ms,
                    lookahead_ms: l.lookahead_ms,
                })
            }
            "gain" => {
                let g: GainToml = table_into(table, &what)?;
                EffectSpec::Gain { gain_db: g.gain_db }
            }
            "loudness_normalize" => {
                let l: LoudnessToml = table_into(table, &what)?;
                EffectSpec::LoudnessNormalize {
                    target_lufs: l.target_lufs,
                }
            }
            "eq" => {
                let e: EqToml = table_into(table, &what)?;
                let bands = e
                    .bands
                    .into_iter()
                    .map(band_from_table)
                    .collect::<Result<Vec<_>>>()?;
                EffectSpec::Eq(bands)
            }
            other => match FilterType::parse(other) {
                Ok(t) => EffectSpec::Filter(band_of(t, table_into(table, &what)?)?),
                Err(_) => {
                    return Err(Error::InvalidArgument(format!(
                        "unknown effect type '{other}': use convolution, reverb, eq, low_shelf, \
                         high_shelf, peak, low_pass, high_pass, band_pass, notch, compressor, \
                         limiter, gain or loudness_normalize"
                    )))
                }
            },
        };
        spec.check()?;
        Ok(spec)
    }

    /// Checks the parameters without building (no file is read).
    pub fn check(&self) -> Result<()> {
        match self {
            // The impulse response is loaded on build; its parameters are checked then.
            EffectSpec::Convolution(_) => Ok(()),
            EffectSpec::Chain(specs) => specs.iter().try_for_each(EffectSpec::check),
            other => other.build().map(|_| ()),
        }
    }

    /// The command-line shorthand's EQ bands (`--eq`, each as [`EffectSpec::parse_eq`] reads
    /// it), then its compressor (`--compress`, as [`EffectSpec::parse_compress`]): the order
    /// `rae fx`, `rae render` and batch jobs apply them in.
    pub fn parse_eq_and_compress<S: AsRef<str>>(
        eq: &[S],
        compress: Option<&str>,
    ) -> Result<Vec<Self>> {
        let mut specs = eq
            .iter()
            .map(|band| Self::parse_eq(band.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        if let Some(c) = compress {
            specs.push(Self::parse_compress(c)?);
        }
        Ok(specs)
    }

    /// Parses `TYPE:FREQ_HZ[:GAIN_DB[:Q]]`, e.g. `peak:1000:3:0.7` or `high_pass:80`.
    pub fn parse_eq(spec: &str) -> Result<Self> {
        let parts: Vec<&str> = spec.split(':').collect();
        let usage = || {
            Error::InvalidArgument(format!(
                "--eq '{spec}': expected TYPE:FREQ_HZ[:GAIN_DB[:Q]], e.g. peak:1000:3:0.7"
            ))
        };
        if parts.len() < 2 || parts.len() > 4 {
            return Err(usage());
        }
        let t = FilterType::parse(parts[0])?;
        let num = |i: usize, name: &str, default: f32| -> Result<f32> {
            match parts.get(i) {
                None => Ok(default),
                Some(s) => s.trim().parse::<f32>().map_err(|_| {
                    Error::InvalidArgument(format!("--eq '{spec}': {name} '{s}' is not a number"))
                }),
            }
        };
        let band = FilterBand::new(
            t,
            num(1, "cutoff_frequency_hz", 0.0)?,
            num(2, "gain_db", 0.0)?,
            num(3, "q", super::eq::DEFAULT_Q)?,
        )?;
        Ok(EffectSpec::Filter(band))
    }

    /// Parses `THRESHOLD_DB[:RATIO[:ATTACK_MS[:RELEASE_MS[:KNEE_DB[:MAKEUP_DB]]]]]`, e.g.
    /// `-18:4:10:100`. Omitted values: ratio 4, attack 10 ms, release 100 ms, knee 0, makeup 0.
    pub fn parse_compress(spec: &str) -> Result<Self> {
        let parts: Vec<&str> = spec.split(':').collect();
        if parts.is_empty() || parts.len() > 6 {
            return Err(Error::InvalidArgument(format!(
                "--compress '{spec}': expected THRESHOLD_DB[:RATIO[:ATTACK_MS[:RELEASE_MS[:KNEE_DB[:MAKEUP_DB]]]]]"
            )));
        }
        let names = [
            "threshold_db",
            "ratio",
            "attack_ms",
            "release_ms",
            "knee_db",
            "makeup_gain_db",
        ];
        let mut v = [0.0f32, 4.0, 10.0, 100.0, 0.0, 0.0];
        for (i, p) in parts.iter().enumerate() {
            v[i] = p.trim().parse::<f32>().map_err(|_| {
                Error::InvalidArgument(format!(
                    "--compress '{spec}': {} '{p}' is not a number",
                    names[i]
                ))
            })?;
        }
        let params = CompressorParams {
            threshold_db: v[0],
            ratio: v[1],
            attack_ms: v[2],
            release_ms: v[3],
            knee_db: v[4],
            makeup_gain_db: v[5],
        };
        Compressor::new(params)?;
        Ok(EffectSpec::Compressor(params))
    }
}

fn band_of(t: FilterType, b: BandToml) -> Result<FilterBand> {
    FilterBand::new(t, b.cutoff_frequency_hz, b.gain_db, b.q)
}

fn band_from_table(mut table: toml::Table) -> Result<FilterBand> {
    let t = match table.remove("type") {
        Some(toml::Value::String(s)) => FilterType::parse(&s)?,
        _ => {
            return Err(Error::InvalidArgument(
                "every eq band needs a type, e.g. type = \"peak\"".into(),
            ))
        }
    };
    band_of(t, table_into(table, &format!("eq band '{}'", t.name()))?)
}

/// A chain as data: the effects of a chain file, in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChainSpec {
    pub effects: Vec<EffectSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChainToml {
    #[serde(default)]
    effect: Vec<toml::Table>,
}

impl ChainSpec {
    /// Parses a chain file's text; relative impulse response paths are taken relative to
    /// `base_dir`.
    pub fn from_toml_str(text: &str, base_dir: Option<&Path>) -> Result<Self> {
        let doc: ChainToml =
            toml::from_str(text).map_err(|e| Error::InvalidArgument(format!("chain file: {e}")))?;
        let effects = doc
            .effect
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                EffectSpec::from_table(t, base_dir).map_err(|e| match e {
                    Error::InvalidArgument(m) => {
                        Error::InvalidArgument(format!("chain file, effect {}: {m}", i + 1))
                    }
                    e => e,
                })
            })
            .collect::<Result<_>>()?;
        Ok(ChainSpec { effects })
    }

    /// Reads a chain file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let dir: PathBuf = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::from_toml_str(&text, Some(&dir)).map_err(|e| match e {
            Error::InvalidArgument(m) => Error::InvalidArgument(format!("{}: {m}", path.display())),
            e => e,
        })
    }

    /// Builds the chain.
    pub fn build(&self) -> Result<Chain> {
        self.build_on(None)
    }

    /// As [`EffectSpec::build_on`] for every effect.
    pub fn build_on(&self, backend: Option<&Arc<dyn Backend>>) -> Result<Chain> {
        Ok(Chain::new(
            self.effects
                .iter()
                .map(|s| s.build_on(backend))
                .collect::<Result<_>>()?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAIN: &str = r#"
[[effect]]
type = "high_pass"
cutoff_frequency_hz = 80

[[effect]]
type = "eq"
bands = [
  { type = "low_shelf", cutoff_frequency_hz = 120, gain_db = -2 },
  { type = "peak", cutoff_frequency_hz = 3000, gain_db = 2.5, q = 1.2 },
]

[[effect]]
type = "compressor"
threshold_db = -18
ratio = 3

[[effect]]
type = "reverb"
room_size = 0.3

[[effect]]
type = "convolution"
ir = "irs/room.wav"
mix = 0.25

[[effect]]
type = "loudness_normalize"

[[effect]]
type = "limiter"
ceiling_db = -1.5
"#;

    #[test]
    fn chain_file_parses() {
        let c = ChainSpec::from_toml_str(CHAIN, Some(Path::new("/songs"))).unwrap();
        assert_eq!(c.effects.len(), 7);
        assert!(
            matches!(c.effects[0], EffectSpec::Filter(b) if b.filter_type == FilterType::HighPass && b.q == super::super::eq::DEFAULT_Q)
        );
        assert!(matches!(&c.effects[1], EffectSpec::Eq(b) if b.len() == 2 && b[1].q == 1.2));
        assert!(
            matches!(c.effects[2], EffectSpec::Compressor(p) if p.ratio == 3.0 && p.release_ms == 100.0)
        );
        match &c.effects[4] {
            EffectSpec::Convolution(s) => {
                assert_eq!(Path::new(&s.ir), Path::new("/songs/irs/room.wav"));
                assert_eq!(s.mix, 0.25);
                assert!(s.normalize);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            c.effects[5],
            EffectSpec::LoudnessNormalize { target_lufs: -14.0 }
        );
    }

    #[test]
    fn chain_file_errors_name_the_problem() {
        let e = |s: &str| ChainSpec::from_toml_str(s, None).unwrap_err().to_string();
        assert!(e("[[effect]]\ntype = \"wah\"").contains("unknown effect type 'wah'"));
        assert!(e("[[effect]]\ntype = \"gain\"\ngain_dbs = 3").contains("gain_dbs"));
        assert!(e("[[effect]]\ntype = \"compressor\"\nratio = 0.5").contains("ratio"));
        assert!(e("[[effect]]\ngain_db = 3").contains("needs a type"));
        assert!(e("[[effects]]\ntype = \"gain\"").contains("effects"));
        let msg = e("[[effect]]\ntype = \"limiter\"\nceiling_db = \"loud\"");
        assert!(msg.contains("ceiling_db"), "{msg}");
    }

    #[test]
    fn command_line_specs() {
        match EffectSpec::parse_eq("peak:1000:3:0.7").unwrap() {
            EffectSpec::Filter(b) => {
                assert_eq!(b.filter_type, FilterType::Peak);
                assert_eq!((b.cutoff_frequency_hz, b.gain_db, b.q), (1000.0, 3.0, 0.7));
            }
            other => panic!("{other:?}"),
        }
        assert!(EffectSpec::parse_eq("highpass:80").is_ok());
        assert!(EffectSpec::parse_eq("peak").is_err());
        assert!(EffectSpec::parse_eq("peak:loud")
            .unwrap_err()
            .to_string()
            .contains("cutoff"));
        match EffectSpec::parse_compress("-18:4:10:100").unwrap() {
            EffectSpec::Compressor(p) => assert_eq!(
                (p.threshold_db, p.ratio, p.attack_ms, p.release_ms),
                (-18.0, 4.0, 10.0, 100.0)
            ),
            other => panic!("{other:?}"),
        }
        assert!(EffectSpec::parse_compress("-18:0.5")
            .unwrap_err()
            .to_string()
            .contains("ratio"));
    }
}
