//! `rae-synth`: a fork of [rustysynth](https://github.com/sinshu/rustysynth) 1.3.8
//! (SoundFont MIDI synthesizer, MIT license, Copyright (c) 2022 Nobuaki Tanaka;
//! see `LICENSE-rustysynth`).
//!
//! The public API of rustysynth 1.3.8 is kept, and with default settings except
//! `enable_modulators = false` the output of `render` is bit-identical to
//! rustysynth 1.3.8 (verified on FluidR3_GM). Changes in this fork:
//!
//! * **SoundFont modulators** (default on, [`SynthesizerSettings::enable_modulators`]):
//!   the pmod / imod modulators (SF2.04 section 8.2 / 9.5: global zones,
//!   instrument modulators replacing identical default ones, preset modulators
//!   adding) whose sources are note-on velocity and key number are applied when
//!   a voice starts, to any generator read at note-on (filter cutoff / Q,
//!   attenuation, pan, envelopes, LFOs, sends, tuning). Controller-driven
//!   modulators keep rustysynth's fixed handling. The default velocity ->
//!   filter cutoff modulator is not applied (as in FluidSynth). Fonts such as
//!   MuseScore General rely on these modulators to open their filters.
//!   FluidR3_GM renders the same as without them except for its two brass
//!   instruments (velocity -> cutoff / Q).
//!
//! * **Split rendering for shared effects**: [`Synthesizer::render_split`] (and
//!   [`MidiFileSequencer::render_split`]) add the dry mix and the reverb / chorus
//!   inputs into caller buffers; the public [`Effects`] type runs reverb + chorus
//!   on summed inputs, so several synthesizers (e.g. channel groups on several
//!   threads) can share one reverb / chorus. All 16 channels through one
//!   synthesizer with `render_split` + `Effects` reproduce `render` exactly.
//!   [`MidiFileSequencer::set_channel_mask`] lets one sequencer per channel
//!   group play the same MIDI file.
//! * **Sample data held elsewhere**: [`SoundFont::without_wave_data`] loads the
//!   presets, instruments and sample headers of a font whose samples are decoded
//!   later (SF3), and [`SoundFont::with_wave_data`] makes a copy that plays a
//!   given buffer with each sample moved to its place in it.
//! * **Voice statistics**: [`Synthesizer::active_voice_count`] and
//!   [`Synthesizer::stolen_voice_count`].
//! * **No panics** on mismatched buffer lengths (the shortest length is rendered),
//!   on a negative / NaN sequencer speed (treated as 0), on MIDI files without
//!   events or tracks, on out-of-range zone indices in a SoundFont (error
//!   instead), on sample reads outside the sample data (read as silence);
//!   no `unsafe` (sample data is decoded little-endian safely).
//!   [`MidiFileSequencer::get_synthesizer_mut`] was added.
//! * **Speed** (same arithmetic, reorganised, except that the LFO phase uses a
//!   truncation-based remainder instead of `fmod`): the voices' biquad filters run
//!   16/8/4 voices side by side (the recursion is latency-bound), split into a
//!   vectorised feed-forward part and the recursion; the reverb's comb filters
//!   run 8 at a time; the oscillator's inner loop has no per-sample loop /
//!   bounds branches; each voice is mixed into the dry and effect buffers in
//!   one pass, with the gain ramps generated side by side; LFO values are
//!   computed only when used, without `fmod`;
//!   `powf` / `sin` / `cos` / filter coefficients are cached per voice and only
//!   recomputed when their inputs change.
//! * **General MIDI 2 additions**: bank select MSB 120 / 121 picks the rhythm /
//!   melody bank on any channel; portamento (controllers 65, 5 / 37 and 84, with
//!   times measured on a Roland SC-55; never on drums); master tuning
//!   ([`Synthesizer::set_master_tune`], for the Universal Real Time SysEx). Files
//!   that do not use them render as before.
//! * **Interpolation** ([`SynthesizerSettings::interpolation`], default
//!   [`Interpolation::Linear`], upstream's arithmetic): also [`Interpolation::Cubic`]
//!   (4 points, the Catmull-Rom cubic of FluidSynth's default 4th order) and
//!   [`Interpolation::Sinc`] (16 points, Kaiser-windowed), which alias less when
//!   samples play above their root pitch.
//! * Opt-in [`SynthesizerSettings::skip_open_filter`] (FluidSynth-like: no
//!   filtering of fully open, flat filters): faster, but no longer identical.
//!
//! This is forked third-party code; upstream's structure and style are kept
//! where possible (it is clippy-clean without crate-level allowances).

mod error;

mod array_math;
mod binary_reader;
mod four_cc;
mod read_counter;

mod generator;
mod generator_type;
mod instrument;
mod instrument_info;
mod instrument_region;
mod loop_mode;
mod modulator;
mod preset;
mod preset_info;
mod preset_region;
mod sample_header;
mod soundfont;
mod soundfont_info;
mod soundfont_math;
mod soundfont_parameters;
mod soundfont_sampledata;
mod soundfont_version;
mod split_file;
mod zone;
mod zone_info;

mod bi_quad_filter;
mod channel;
mod envelope_stage;
mod interpolation;
mod lfo;
mod modulation_envelope;
mod oscillator;
mod region_ex;
mod region_pair;
mod synthesizer;
mod synthesizer_settings;
mod voice;
mod voice_collection;
mod volume_envelope;

mod midifile;
mod midifile_looptype;
mod midifile_sequencer;

mod chorus;
mod reverb;

pub use self::error::MidiFileError;
pub use self::error::SoundFontError;
pub use self::error::SynthesizerError;
pub use self::instrument::Instrument;
pub use self::instrument_region::InstrumentRegion;
pub use self::interpolation::Interpolation;
pub use self::loop_mode::LoopMode;
pub use self::midifile::MidiFile;
pub use self::midifile_looptype::MidiFileLoopType;
pub use self::midifile_sequencer::MidiFileSequencer;
pub use self::preset::Preset;
pub use self::preset_region::PresetRegion;
pub use self::sample_header::SampleHeader;
pub use self::soundfont::SoundFont;
pub use self::soundfont_info::SoundFontInfo;
pub use self::soundfont_version::SoundFontVersion;
pub use self::split_file::SplitSoundFontFile;
pub use self::synthesizer::Effects;
pub use self::synthesizer::Synthesizer;
pub use self::synthesizer_settings::SynthesizerSettings;
