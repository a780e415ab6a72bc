use std::cmp;
use std::collections::HashMap;
use std::sync::Arc;

use crate::array_math::ArrayMath;
use crate::channel::{selected_bank, Channel};
use crate::chorus::Chorus;
use crate::error::SynthesizerError;
use crate::region_pair::RegionPair;
use crate::reverb::Reverb;
use crate::soundfont::SoundFont;
use crate::soundfont_math::SoundFontMath;
use crate::synthesizer_settings::SynthesizerSettings;
use crate::voice_collection::VoiceCollection;

/// An instance of the SoundFont synthesizer.
#[derive(Debug)]
#[non_exhaustive]
pub struct Synthesizer {
    pub(crate) sound_font: Arc<SoundFont>,
    pub(crate) sample_rate: i32,
    pub(crate) block_size: usize,
    pub(crate) maximum_polyphony: usize,

    preset_lookup: HashMap<i32, usize>,
    default_preset: usize,

    channels: Vec<Channel>,

    voices: VoiceCollection,

    // Dry mix of the current block (master volume applied).
    block_left: Vec<f32>,
    block_right: Vec<f32>,
    // Effect sends of the current block (master volume not applied).
    block_reverb_input: Vec<f32>,
    block_chorus_left: Vec<f32>,
    block_chorus_right: Vec<f32>,
    // Final output of the current block for `render` (dry + wet).
    output_left: Vec<f32>,
    output_right: Vec<f32>,
    block_output_valid: bool,
    // Fork: scratch for the gain ramps of write_voice (5 blocks).
    ramp_scratch: Vec<f32>,

    inverse_block_size: f32,

    block_read: usize,

    master_volume: f32,

    effects: Option<Effects>,

    // Fork: apply SoundFont modulators at note-on.
    enable_modulators: bool,
}

impl Synthesizer {
    /// The number of channels.
    pub const CHANNEL_COUNT: usize = 16;
    /// The percussion channel.
    pub const PERCUSSION_CHANNEL: usize = 9;

    /// Fork: the bank `channel` plays from after a Bank Select (controller 0) of `value`, for
    /// callers that follow a song's presets as the synthesizer will.
    pub fn selected_bank(channel: usize, value: i32) -> i32 {
        selected_bank(value, channel == Self::PERCUSSION_CHANNEL)
    }

    /// Initializes a new synthesizer using a specified SoundFont and settings.
    ///
    /// # Arguments
    ///
    /// * `sound_font` - The SoundFont instance.
    /// * `settings` - The settings for synthesis.
    pub fn new(
        sound_font: &Arc<SoundFont>,
        settings: &SynthesizerSettings,
    ) -> Result<Self, SynthesizerError> {
        settings.validate()?;

        let mut preset_lookup: HashMap<i32, usize> = HashMap::new();

        let mut min_preset_id = i32::MAX;
        let mut default_preset: usize = 0;
        for i in 0..sound_font.presets.len() {
            let preset = &sound_font.presets[i];

            // The preset ID is Int32, where the upper 16 bits represent the bank number
            // and the lower 16 bits represent the patch number.
            // This ID is used to search for presets by the combination of bank number
            // and patch number.
            let preset_id = (preset.bank_number << 16) | preset.patch_number;
            preset_lookup.insert(preset_id, i);

            // The preset with the minimum ID number will be default.
            // If the SoundFont is GM compatible, the piano will be chosen.
            if preset_id < min_preset_id {
                default_preset = i;
                min_preset_id = preset_id;
            }
        }

        let mut channels: Vec<Channel> = Vec::new();
        for i in 0..Synthesizer::CHANNEL_COUNT {
            channels.push(Channel::new(i == Synthesizer::PERCUSSION_CHANNEL));
        }

        let voices = VoiceCollection::new(settings);

        let block_left: Vec<f32> = vec![0_f32; settings.block_size];
        let block_right: Vec<f32> = vec![0_f32; settings.block_size];

        let inverse_block_size = 1_f32 / settings.block_size as f32;

        let block_read = settings.block_size;

        let master_volume = 0.5_f32;

        let effects = if settings.enable_reverb_and_chorus {
            Some(Effects::new_unchecked(settings))
        } else {
            None
        };

        Ok(Self {
            sound_font: Arc::clone(sound_font),
            sample_rate: settings.sample_rate,
            block_size: settings.block_size,
            maximum_polyphony: settings.maximum_polyphony,
            preset_lookup,
            default_preset,
            channels,
            voices,
            block_left,
            block_right,
            block_reverb_input: vec![0_f32; settings.block_size],
            block_chorus_left: vec![0_f32; settings.block_size],
            block_chorus_right: vec![0_f32; settings.block_size],
            output_left: vec![0_f32; settings.block_size],
            output_right: vec![0_f32; settings.block_size],
            block_output_valid: false,
            ramp_scratch: vec![0_f32; 5 * settings.block_size],
            inverse_block_size,
            block_read,
            master_volume,
            effects,
            enable_modulators: settings.enable_modulators,
        })
    }

    /// Processes a MIDI message.
    ///
    /// # Arguments
    ///
    /// * `channel` - The channel to which the message will be sent.
    /// * `command` - The type of the message.
    /// * `data1` - The first data part of the message.
    /// * `data2` - The second data part of the message.
    pub fn process_midi_message(&mut self, channel: i32, command: i32, data1: i32, data2: i32) {
        if !(0 <= channel && channel < self.channels.len() as i32) {
            return;
        }

        let channel_info = &mut self.channels[channel as usize];

        match command {
            0x80 => self.note_off(channel, data1),       // Note Off
            0x90 => self.note_on(channel, data1, data2), // Note On
            0xB0 => match data1 // Controller
            {
                0x00 => channel_info.set_bank(data2), // Bank Selection
                0x01 => channel_info.set_modulation_coarse(data2), // Modulation Coarse
                0x21 => channel_info.set_modulation_fine(data2), // Modulation Fine
                0x06 => channel_info.data_entry_coarse(data2), // Data Entry Coarse
                0x26 => channel_info.data_entry_fine(data2), // Data Entry Fine
                0x07 => channel_info.set_volume_coarse(data2), // Channel Volume Coarse
                0x27 => channel_info.set_volume_fine(data2), // Channel Volume Fine
                0x0A => channel_info.set_pan_coarse(data2), // Pan Coarse
                0x2A => channel_info.set_pan_fine(data2), // Pan Fine
                0x0B => channel_info.set_expression_coarse(data2), // Expression Coarse
                0x2B => channel_info.set_expression_fine(data2), // Expression Fine
                0x40 => channel_info.set_hold_pedal(data2), // Hold Pedal
                // Fork: portamento.
                0x05 => channel_info.set_portamento_time_coarse(data2), // Portamento Time
                0x25 => channel_info.set_portamento_time_fine(data2), // Portamento Time Fine
                0x41 => channel_info.set_portamento(data2), // Portamento On/Off
                0x54 => channel_info.set_portamento_control(data2), // Portamento Control
                0x5B => channel_info.set_reverb_send(data2), // Reverb Send
                0x5D => channel_info.set_chorus_send(data2), // Chorus Send
                0x63 => channel_info.set_nrpn_coarse(data2), // NRPN Coarse
                0x62 => channel_info.set_nrpn_fine(data2), // NRPN Fine
                0x65 => channel_info.set_rpn_coarse(data2), // RPN Coarse
                0x64 => channel_info.set_rpn_fine(data2), // RPN Fine
                0x78 => self.note_off_all_channel(channel, true), // All Sound Off
                0x79 => self.reset_all_controllers_channel(channel), // Reset All Controllers
                0x7B => self.note_off_all_channel(channel, false), // All Note Off
                _ => (),
            },
            0xC0 => channel_info.set_patch(data1), // Program Change
            0xE0 => channel_info.set_pitch_bend(data1, data2), // Pitch Bend
            _ => (),
        }
    }

    /// Stops a note.
    ///
    /// # Arguments
    ///
    /// * `channel` - The channel of the note.
    /// * `key` - The key of the note.
    pub fn note_off(&mut self, channel: i32, key: i32) {
        if !(0 <= channel && channel < self.channels.len() as i32) {
            return;
        }

        for voice in self.voices.get_active_voices().iter_mut() {
            if voice.channel() == channel && voice.key() == key {
                voice.end();
            }
        }
    }

    /// Starts a note.
    ///
    /// # Arguments
    ///
    /// * `channel` - The channel of the note.
    /// * `key` - The key of the note.
    /// * `velocity` - The velocity of the note.
    pub fn note_on(&mut self, channel: i32, key: i32, velocity: i32) {
        if velocity == 0 {
            self.note_off(channel, key);
            return;
        }

        if !(0 <= channel && channel < self.channels.len() as i32) {
            return;
        }

        // Fork: portamento, as a pitch offset that falls to zero by one step per block.
        let glide = self.channels[channel as usize]
            .take_glide(key)
            .map(|(semitones, seconds)| {
                let blocks =
                    (seconds * self.sample_rate as f32 / self.block_size as f32).max(1_f32);
                (semitones, semitones.abs() / blocks)
            });

        let channel_info = &self.channels[channel as usize];

        let preset_id = (channel_info.get_bank_number() << 16) | channel_info.get_patch_number();

        let mut preset = self.default_preset;
        match self.preset_lookup.get(&preset_id) {
            Some(value) => preset = *value,
            None => {
                // Try fallback to the GM sound set.
                // Normally, the given patch number + the bank number 0 will work.
                // For drums (bank number >= 128), it seems to be better to select the standard set (128:0).
                let gm_preset_id = if channel_info.get_bank_number() < 128 {
                    channel_info.get_patch_number()
                } else {
                    128 << 16
                };

                // If no corresponding preset was found. Use the default one...
                if let Some(value) = self.preset_lookup.get(&gm_preset_id) {
                    preset = *value
                }
            }
        }

        let preset = &self.sound_font.presets[preset];
        for preset_region in preset.regions.iter() {
            if preset_region.contains(key, velocity) {
                let instrument = &self.sound_font.instruments[preset_region.instrument];
                for instrument_region in instrument.regions.iter() {
                    if instrument_region.contains(key, velocity) {
                        let mut region_pair = RegionPair::new(preset_region, instrument_region);
                        if self.enable_modulators {
                            region_pair.apply_modulators(key, velocity);
                        }

                        if let Some(value) = self.voices.request_new(instrument_region, channel) {
                            value.start(&region_pair, channel, key, velocity);
                            if let Some((semitones, step)) = glide {
                                value.set_glide(semitones, step);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Stops all the notes in the specified channel.
    ///
    /// # Arguments
    ///
    /// * `immediate` - If `true`, notes will stop immediately without the release sound.
    pub fn note_off_all(&mut self, immediate: bool) {
        if immediate {
            self.voices.clear();
        } else {
            for voice in self.voices.get_active_voices().iter_mut() {
                voice.end();
            }
        }
    }

    /// Stops all the notes in the specified channel.
    ///
    /// # Arguments
    ///
    /// * `channel` - The channel in which the notes will be stopped.
    /// * `immediate` - If `true`, notes will stop immediately without the release sound.
    pub fn note_off_all_channel(&mut self, channel: i32, immediate: bool) {
        if immediate {
            for voice in self.voices.get_active_voices().iter_mut() {
                if voice.channel() == channel {
                    voice.kill();
                }
            }
        } else {
            for voice in self.voices.get_active_voices().iter_mut() {
                if voice.channel() == channel {
                    voice.end();
                }
            }
        }
    }

    /// Fork: sets the master tuning (General MIDI 2 Master Fine and Coarse Tuning), in
    /// semitones, for every channel. It adds to each channel's own tuning.
    pub fn set_master_tune(&mut self, semitones: f32) {
        for channel in &mut self.channels {
            channel.set_master_tune(semitones);
        }
    }

    /// Resets all the controllers.
    pub fn reset_all_controllers(&mut self) {
        for channel in &mut self.channels {
            channel.reset_all_controllers();
        }
    }

    /// Resets all the controllers of the specified channel.
    ///
    /// # Arguments
    ///
    /// * `channel` - The channel to be reset.
    pub fn reset_all_controllers_channel(&mut self, channel: i32) {
        if !(0 <= channel && channel < self.channels.len() as i32) {
            return;
        }

        self.channels[channel as usize].reset_all_controllers();
    }

    /// Resets the synthesizer.
    pub fn reset(&mut self) {
        self.voices.clear();

        for channel in &mut self.channels {
            channel.reset();
        }

        if let Some(effects) = self.effects.as_mut() {
            effects.mute();
        }

        self.block_read = self.block_size;
    }

    /// Renders the waveform.
    ///
    /// # Arguments
    ///
    /// * `left` - The buffer of the left channel to store the rendered waveform.
    /// * `right` - The buffer of the right channel to store the rendered waveform.
    ///
    /// # Remarks
    ///
    /// The output buffers for the left and right should be the same length.
    /// (Fork: if they differ, only the shorter length is rendered and the rest
    /// of the longer buffer is left untouched; upstream panics.)
    pub fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        let length = cmp::min(left.len(), right.len());
        let left = &mut left[..length];
        let right = &mut right[..length];

        let mut wrote = 0;
        while wrote < length {
            if self.block_read >= self.block_size {
                self.render_block(self.effects.is_some());
                self.block_read = 0;
            }
            if !self.block_output_valid {
                self.finish_block_output();
            }

            let src_rem = self.block_size - self.block_read;
            let dst_rem = length - wrote;
            let rem = cmp::min(src_rem, dst_rem);

            let src = self.block_read..self.block_read + rem;
            left[wrote..wrote + rem].copy_from_slice(&self.output_left[src.clone()]);
            right[wrote..wrote + rem].copy_from_slice(&self.output_right[src]);

            self.block_read += rem;
            wrote += rem;
        }
    }

    /// Renders the waveform split into a dry signal and the inputs of the
    /// reverb and chorus effects, so that several synthesizers can share one
    /// [`Effects`] instance (fork addition).
    ///
    /// All five buffers are **added to** (`+=`); clear them before the first
    /// synthesizer renders into them. The number of rendered frames is the
    /// length of the shortest buffer; any frame count works (it does not have
    /// to be a multiple of the block size), the synthesizer keeps the partial
    /// block for the next call exactly like [`Synthesizer::render`].
    ///
    /// * `dry_left` / `dry_right` - the dry voice mix, master volume applied.
    /// * `reverb_input` - the mono reverb input, already multiplied by the
    ///   reverb input gain; master volume NOT applied (it is applied to the
    ///   effect output by [`Effects::process`], as in upstream rustysynth).
    /// * `chorus_input_left` / `chorus_input_right` - the chorus inputs,
    ///   master volume NOT applied (same reason).
    ///
    /// Feeding the summed effect inputs to [`Effects::process`] (with the same
    /// master volume as the synthesizer) and adding the result to the summed dry
    /// signal gives the same output as [`Synthesizer::render`] with reverb and
    /// chorus enabled. The effect inputs are produced even if the synthesizer was
    /// created with `enable_reverb_and_chorus == false`; its internal effects are
    /// not used by this method.
    ///
    /// Switching between `render` and `render_split` is allowed at any time; a
    /// switch in the middle of a block outputs the rest of that block in the new
    /// form (effect state of the internal effects may then miss or duplicate at
    /// most one block of input).
    pub fn render_split(
        &mut self,
        dry_left: &mut [f32],
        dry_right: &mut [f32],
        reverb_input: &mut [f32],
        chorus_input_left: &mut [f32],
        chorus_input_right: &mut [f32],
    ) {
        let length = dry_left
            .len()
            .min(dry_right.len())
            .min(reverb_input.len())
            .min(chorus_input_left.len())
            .min(chorus_input_right.len());

        let mut wrote = 0;
        while wrote < length {
            if self.block_read >= self.block_size {
                self.render_block(true);
                self.block_read = 0;
            }

            let src_rem = self.block_size - self.block_read;
            let dst_rem = length - wrote;
            let rem = cmp::min(src_rem, dst_rem);

            let src = self.block_read..self.block_read + rem;
            let dst = wrote..wrote + rem;
            ArrayMath::add(&self.block_left[src.clone()], &mut dry_left[dst.clone()]);
            ArrayMath::add(&self.block_right[src.clone()], &mut dry_right[dst.clone()]);
            ArrayMath::add(
                &self.block_reverb_input[src.clone()],
                &mut reverb_input[dst.clone()],
            );
            ArrayMath::add(
                &self.block_chorus_left[src.clone()],
                &mut chorus_input_left[dst.clone()],
            );
            ArrayMath::add(&self.block_chorus_right[src], &mut chorus_input_right[dst]);

            self.block_read += rem;
            wrote += rem;
        }
    }

    /// Gets the number of voices currently active (sounding or releasing).
    pub fn active_voice_count(&self) -> usize {
        self.voices.active_voice_count
    }

    /// Gets how many times, since this synthesizer was created, a new note had
    /// to take over a voice that was still sounding because the polyphony limit
    /// was reached. Reuse of a voice by exclusive class (e.g. hi-hats) and reuse
    /// of already silenced voices are not counted.
    pub fn stolen_voice_count(&self) -> u64 {
        self.voices.stolen_voice_count
    }

    // Renders one block: the dry mix into block_left/right and, if requested,
    // the effect sends into block_reverb_input / block_chorus_left/right.
    fn render_block(&mut self, with_sends: bool) {
        self.voices
            .process(&self.sound_font.wave_data, &self.channels);

        self.block_left.fill(0_f32);
        self.block_right.fill(0_f32);
        self.block_chorus_left.fill(0_f32);
        self.block_chorus_right.fill(0_f32);
        self.block_reverb_input.fill(0_f32);

        // Fork: each voice is mixed into all destinations at once (upstream
        // loops over the voices once per destination; the per-destination
        // summation order over voices, and so the result, is the same).
        let destination_count = if with_sends { 5 } else { 2 };
        let mut destinations: [&mut [f32]; 5] = [
            &mut self.block_left[..],
            &mut self.block_right[..],
            &mut self.block_chorus_left[..],
            &mut self.block_chorus_right[..],
            &mut self.block_reverb_input[..],
        ];
        let master_volume = self.master_volume;
        for voice in self.voices.get_active_voices().iter() {
            let gains: [(f32, f32); 5] = [
                (
                    master_volume * voice.previous_mix_gain_left,
                    master_volume * voice.current_mix_gain_left,
                ),
                (
                    master_volume * voice.previous_mix_gain_right,
                    master_volume * voice.current_mix_gain_right,
                ),
                (
                    voice.previous_chorus_send * voice.previous_mix_gain_left,
                    voice.current_chorus_send * voice.current_mix_gain_left,
                ),
                (
                    voice.previous_chorus_send * voice.previous_mix_gain_right,
                    voice.current_chorus_send * voice.current_mix_gain_right,
                ),
                (
                    Reverb::INPUT_GAIN
                        * voice.previous_reverb_send
                        * (voice.previous_mix_gain_left + voice.previous_mix_gain_right),
                    Reverb::INPUT_GAIN
                        * voice.current_reverb_send
                        * (voice.current_mix_gain_left + voice.current_mix_gain_right),
                ),
            ];
            Synthesizer::write_voice(
                voice.block(),
                &mut destinations[..destination_count],
                &gains[..destination_count],
                self.inverse_block_size,
                &mut self.ramp_scratch,
            );
        }

        self.block_output_valid = false;
    }

    // Fork: upstream's write_block for several destinations of one voice. The
    // gain ramps (a serial chain of additions each) are generated side by side,
    // then applied with vectorisable loops; the values are upstream's.
    fn write_voice(
        source: &[f32],
        destinations: &mut [&mut [f32]],
        gains: &[(f32, f32)],
        inverse_block_size: f32,
        ramp_scratch: &mut [f32],
    ) {
        let length = source.len();
        let mut ramp_start = [0_f32; 5];
        let mut ramp_step = [0_f32; 5];
        let mut ramp_destination = [0_usize; 5];
        let mut ramp_count = 0;

        for (d, (destination, &(previous_gain, current_gain))) in
            destinations.iter_mut().zip(gains).enumerate()
        {
            if SoundFontMath::max(previous_gain, current_gain) < SoundFontMath::NON_AUDIBLE {
                continue;
            }
            if (current_gain - previous_gain).abs() < 1.0E-3_f32 {
                ArrayMath::multiply_add(current_gain, source, destination);
            } else if ramp_count < ramp_start.len() {
                ramp_start[ramp_count] = previous_gain;
                ramp_step[ramp_count] = inverse_block_size * (current_gain - previous_gain);
                ramp_destination[ramp_count] = d;
                ramp_count += 1;
            }
        }

        if ramp_count == 0 {
            return;
        }
        if ramp_scratch.len() < ramp_count * length {
            // Not expected (the scratch holds 5 blocks); fall back to upstream's loop.
            for k in 0..ramp_count {
                ArrayMath::multiply_add_slope(
                    ramp_start[k],
                    ramp_step[k],
                    source,
                    destinations[ramp_destination[k]],
                );
            }
            return;
        }

        // ramps[k * length + t] = previous_gain_k + step_k + ... + step_k (t times),
        // the 5 serial chains interleaved.
        let ramps = &mut ramp_scratch[..5 * length];
        let mut gain = ramp_start;
        for t in 0..length {
            for k in 0..5 {
                ramps[k * length + t] = gain[k];
                gain[k] += ramp_step[k];
            }
        }
        for k in 0..ramp_count {
            let destination = &mut *destinations[ramp_destination[k]];
            let ramp = &ramps[k * length..(k + 1) * length];
            for ((destination, x), a) in destination.iter_mut().zip(source).zip(ramp) {
                *destination += *a * *x;
            }
        }
    }

    // Produces the final output of the current block for `render`:
    // dry + master_volume * (chorus + reverb), in upstream's order.
    fn finish_block_output(&mut self) {
        self.output_left.copy_from_slice(&self.block_left);
        self.output_right.copy_from_slice(&self.block_right);
        if let Some(effects) = self.effects.as_mut() {
            effects.process_with_volume(
                &self.block_reverb_input,
                &self.block_chorus_left,
                &self.block_chorus_right,
                &mut self.output_left,
                &mut self.output_right,
                self.master_volume,
            );
        }
        self.block_output_valid = true;
    }

    /// Gets the SoundFont used as the audio source.
    pub fn get_sound_font(&self) -> &SoundFont {
        &self.sound_font
    }

    /// Gets the sample rate for synthesis.
    pub fn get_sample_rate(&self) -> i32 {
        self.sample_rate
    }

    /// Gets the block size for rendering waveform.
    pub fn get_block_size(&self) -> usize {
        self.block_size
    }

    /// Gets the number of maximum polyphony.
    pub fn get_maximum_polyphony(&self) -> usize {
        self.maximum_polyphony
    }

    /// Gets the value indicating whether reverb and chorus are enabled.
    pub fn get_enable_reverb_and_chorus(&self) -> bool {
        self.effects.is_some()
    }

    /// Gets the master volume.
    pub fn get_master_volume(&self) -> f32 {
        self.master_volume
    }

    /// Sets the master volume.
    ///
    /// # Arguments
    ///
    /// * `value` - The new value of the master volume.
    pub fn set_master_volume(&mut self, value: f32) {
        self.master_volume = value;
    }
}

/// Reverb and chorus of the synthesizer, usable on its own so that several
/// synthesizers (e.g. one per thread, each rendering a group of channels with
/// [`Synthesizer::render_split`]) can share one set of effects (fork addition).
///
/// This is exactly the effect chain that [`Synthesizer::render`] applies
/// internally when `enable_reverb_and_chorus` is set.
#[derive(Debug)]
pub struct Effects {
    reverb: Reverb,
    reverb_output_left: Vec<f32>,
    reverb_output_right: Vec<f32>,

    chorus: Chorus,
    chorus_output_left: Vec<f32>,
    chorus_output_right: Vec<f32>,

    master_volume: f32,
}

impl Effects {
    /// Creates the effects for the sample rate of `settings`.
    ///
    /// The block size of `settings` is only the size of the internal scratch
    /// buffers; [`Effects::process`] accepts any length.
    /// The master volume starts at 0.5, like the synthesizer's.
    pub fn new(settings: &SynthesizerSettings) -> Result<Self, SynthesizerError> {
        settings.validate()?;
        Ok(Self::new_unchecked(settings))
    }

    pub(crate) fn new_unchecked(settings: &SynthesizerSettings) -> Self {
        Self {
            reverb: Reverb::new(settings.sample_rate),
            reverb_output_left: vec![0_f32; settings.block_size],
            reverb_output_right: vec![0_f32; settings.block_size],
            chorus: Chorus::new(settings.sample_rate, 0.002, 0.0019, 0.4),
            chorus_output_left: vec![0_f32; settings.block_size],
            chorus_output_right: vec![0_f32; settings.block_size],
            master_volume: 0.5_f32,
        }
    }

    /// Runs chorus and reverb on summed effect inputs (as produced by
    /// [`Synthesizer::render_split`]) and ADDS the wet signal multiplied by the
    /// master volume to `left` / `right`.
    ///
    /// The number of processed frames is the length of the shortest slice.
    pub fn process(
        &mut self,
        reverb_input: &[f32],
        chorus_input_left: &[f32],
        chorus_input_right: &[f32],
        left: &mut [f32],
        right: &mut [f32],
    ) {
        let master_volume = self.master_volume;
        self.process_with_volume(
            reverb_input,
            chorus_input_left,
            chorus_input_right,
            left,
            right,
            master_volume,
        );
    }

    pub(crate) fn process_with_volume(
        &mut self,
        reverb_input: &[f32],
        chorus_input_left: &[f32],
        chorus_input_right: &[f32],
        left: &mut [f32],
        right: &mut [f32],
        master_volume: f32,
    ) {
        let length = reverb_input
            .len()
            .min(chorus_input_left.len())
            .min(chorus_input_right.len())
            .min(left.len())
            .min(right.len());
        let chunk = self.reverb_output_left.len().max(1);

        let mut done = 0;
        while done < length {
            let n = cmp::min(chunk, length - done);
            let range = done..done + n;

            let chorus_output_left = &mut self.chorus_output_left[..n];
            let chorus_output_right = &mut self.chorus_output_right[..n];
            self.chorus.process(
                &chorus_input_left[range.clone()],
                &chorus_input_right[range.clone()],
                chorus_output_left,
                chorus_output_right,
            );
            ArrayMath::multiply_add(master_volume, chorus_output_left, &mut left[range.clone()]);
            ArrayMath::multiply_add(
                master_volume,
                chorus_output_right,
                &mut right[range.clone()],
            );

            let reverb_output_left = &mut self.reverb_output_left[..n];
            let reverb_output_right = &mut self.reverb_output_right[..n];
            self.reverb.process(
                &reverb_input[range.clone()],
                reverb_output_left,
                reverb_output_right,
            );
            ArrayMath::multiply_add(master_volume, reverb_output_left, &mut left[range.clone()]);
            ArrayMath::multiply_add(master_volume, reverb_output_right, &mut right[range]);

            done += n;
        }
    }

    /// Clears the internal state (reverb tail, chorus delay line).
    pub fn mute(&mut self) {
        self.reverb.mute();
        self.chorus.mute();
    }

    /// Gets the master volume applied to the wet output.
    pub fn get_master_volume(&self) -> f32 {
        self.master_volume
    }

    /// Sets the master volume applied to the wet output. Use the same value as
    /// the synthesizers feeding these effects to reproduce `render`.
    pub fn set_master_volume(&mut self, value: f32) {
        self.master_volume = value;
    }

    /// The gain already applied to the reverb input by `render_split`.
    pub const REVERB_INPUT_GAIN: f32 = Reverb::INPUT_GAIN;
}
