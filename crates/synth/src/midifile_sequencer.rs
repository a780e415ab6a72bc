use std::cmp;
use std::sync::Arc;

use crate::midifile::Message;
use crate::midifile::MidiFile;
use crate::synthesizer::Synthesizer;

/// An instance of the MIDI file sequencer.
#[derive(Debug)]
#[non_exhaustive]
pub struct MidiFileSequencer {
    synthesizer: Synthesizer,

    speed: f64,

    midi_file: Option<Arc<MidiFile>>,
    play_loop: bool,

    block_wrote: usize,

    current_time: f64,
    msg_index: usize,
    loop_index: usize,

    channel_mask: u16,
}

impl MidiFileSequencer {
    /// Initializes a new instance of the sequencer.
    ///
    /// # Arguments
    ///
    /// * `synthesizer` - The synthesizer to be handled by the sequencer.
    pub fn new(synthesizer: Synthesizer) -> Self {
        Self {
            synthesizer,
            speed: 1.0,
            midi_file: None,
            play_loop: false,
            block_wrote: 0,
            current_time: 0.0,
            msg_index: 0,
            loop_index: 0,
            channel_mask: u16::MAX,
        }
    }

    /// Plays the MIDI file.
    ///
    /// # Arguments
    ///
    /// * `midi_file` - The MIDI file to be played.
    /// * `play_loop` - If `true`, the MIDI file loops after reaching the end.
    pub fn play(&mut self, midi_file: &Arc<MidiFile>, play_loop: bool) {
        self.midi_file = Some(Arc::clone(midi_file));
        self.play_loop = play_loop;

        self.block_wrote = self.synthesizer.block_size;

        self.current_time = 0.0;
        self.msg_index = 0;
        self.loop_index = 0;

        self.synthesizer.reset()
    }

    /// Stops playing.
    pub fn stop(&mut self) {
        self.midi_file = None;
        self.synthesizer.reset();
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
    /// (Fork: if they differ, only the shorter length is rendered; upstream panics.)
    pub fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        let length = cmp::min(left.len(), right.len());
        let mut wrote: usize = 0;
        while wrote < length {
            let rem = self.advance(length - wrote);
            self.synthesizer.render(
                &mut left[wrote..wrote + rem],
                &mut right[wrote..wrote + rem],
            );
            self.block_wrote += rem;
            wrote += rem;
        }
    }

    /// Renders the waveform split into dry signal and effect inputs, ADDING into
    /// the buffers; see [`Synthesizer::render_split`] (fork addition).
    /// The number of rendered frames is the length of the shortest buffer.
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
        let mut wrote: usize = 0;
        while wrote < length {
            let rem = self.advance(length - wrote);
            let range = wrote..wrote + rem;
            self.synthesizer.render_split(
                &mut dry_left[range.clone()],
                &mut dry_right[range.clone()],
                &mut reverb_input[range.clone()],
                &mut chorus_input_left[range.clone()],
                &mut chorus_input_right[range],
            );
            self.block_wrote += rem;
            wrote += rem;
        }
    }

    // Processes the MIDI events at block boundaries and returns how many frames
    // can be rendered before the next boundary (at most `dst_rem`).
    fn advance(&mut self, dst_rem: usize) -> usize {
        if self.block_wrote >= self.synthesizer.block_size {
            self.process_events();
            self.block_wrote = 0;
            self.current_time += self.speed * self.synthesizer.block_size as f64
                / self.synthesizer.sample_rate as f64;
        }

        let src_rem = self.synthesizer.block_size - self.block_wrote;
        cmp::min(src_rem, dst_rem)
    }

    /// Restricts the channel messages sent to the synthesizer to the channels
    /// whose bit is set in `mask` (bit 0 = channel 0; default: all channels).
    /// Fork addition: lets several sequencers, each with its own synthesizer,
    /// render disjoint channel groups of one MIDI file (e.g. on several threads,
    /// combined with [`MidiFileSequencer::render_split`] and a shared
    /// [`crate::Effects`]). Timing and looping are unaffected.
    pub fn set_channel_mask(&mut self, mask: u16) {
        self.channel_mask = mask;
    }

    /// Gets the channel mask set by [`MidiFileSequencer::set_channel_mask`].
    pub fn get_channel_mask(&self) -> u16 {
        self.channel_mask
    }

    /// Gets the synthesizer handled by the sequencer, mutably (fork addition),
    /// e.g. to set the master volume.
    pub fn get_synthesizer_mut(&mut self) -> &mut Synthesizer {
        &mut self.synthesizer
    }

    fn process_events(&mut self) {
        let midi_file = match self.midi_file.as_ref() {
            Some(value) => value,
            None => return,
        };

        while self.msg_index < midi_file.messages.len() {
            let time = midi_file.times[self.msg_index];
            let msg = midi_file.messages[self.msg_index];

            if time <= self.current_time {
                match msg {
                    Message::Normal {
                        status,
                        data1,
                        data2,
                    } => {
                        let channel = status & 0x0F;
                        let command = status & 0xF0;
                        if self.channel_mask & (1_u16 << channel) != 0 {
                            self.synthesizer.process_midi_message(
                                channel as i32,
                                command as i32,
                                data1 as i32,
                                data2 as i32,
                            );
                        }
                    }
                    Message::LoopStart if self.play_loop => self.loop_index = self.msg_index,
                    Message::LoopEnd if self.play_loop => {
                        self.current_time =
                            midi_file.times.get(self.loop_index).copied().unwrap_or(0.0);
                        self.msg_index = self.loop_index;
                        self.synthesizer.note_off_all(false);
                    }
                    _ => (),
                }
                self.msg_index += 1;
            } else {
                break;
            }
        }

        if self.msg_index == midi_file.messages.len() && self.play_loop {
            self.current_time = midi_file.times.get(self.loop_index).copied().unwrap_or(0.0);
            self.msg_index = self.loop_index;
            self.synthesizer.note_off_all(false);
        }
    }

    /// Gets the synthesizer handled by the sequencer.
    pub fn get_synthesizer(&self) -> &Synthesizer {
        &self.synthesizer
    }

    /// Gets the currently playing MIDI file.
    pub fn get_midi_file(&self) -> Option<&MidiFile> {
        match &self.midi_file {
            None => None,
            Some(value) => Some(value),
        }
    }

    /// Gets the current playback position in seconds.
    pub fn get_position(&self) -> f64 {
        self.current_time
    }

    /// Gets a value that indicates whether the current playback position is at the end of the sequence.
    ///
    /// # Remarks
    ///
    /// If the `play` method has not yet been called, this value will be `true`.
    /// This value will never be `true` if loop playback is enabled.
    pub fn end_of_sequence(&self) -> bool {
        match &self.midi_file {
            None => true,
            Some(value) => self.msg_index == value.messages.len(),
        }
    }

    /// Gets the current playback speed.
    ///
    /// # Remarks
    ///
    /// The default value is 1.
    /// The tempo will be multiplied by this value during playback.
    pub fn get_speed(&self) -> f64 {
        self.speed
    }

    /// Sets the playback speed.
    ///
    /// # Remarks
    ///
    /// The value must be non-negative.
    /// (Fork: negative or NaN values are treated as 0 instead of panicking.)
    pub fn set_speed(&mut self, value: f64) {
        self.speed = if value >= 0.0 { value } else { 0.0 };
    }
}
