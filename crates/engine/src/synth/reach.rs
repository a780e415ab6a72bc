//! Which samples a render can play: each note-on of the MIDI file, with the bank and program its
//! channel has at that moment (drums on channel 10, bank selects, General MIDI 2's rhythm and
//! melody banks among them, and program changes wherever they come), matched against the preset
//! and instrument zones exactly as the synthesizer matches them. An SF3 font decodes those
//! samples, and only those, before the render.

use std::collections::{HashMap, HashSet};

use super::synth_impl as rs;
use crate::midi::{EventKind, MidiFile};

/// The synthesizer's preset choice for a bank and program.
struct PresetLookup {
    /// `bank << 16 | program` to preset; a later preset with the same numbers wins.
    ids: HashMap<i32, usize>,
    /// The preset with the lowest ID (the first of equals).
    default: usize,
}

impl PresetLookup {
    fn new(font: &rs::SoundFont) -> Self {
        let mut ids = HashMap::new();
        let mut default = (i32::MAX, 0);
        for (i, p) in font.get_presets().iter().enumerate() {
            let id = (p.get_bank_number() << 16) | p.get_patch_number();
            ids.insert(id, i);
            if id < default.0 {
                default = (id, i);
            }
        }
        PresetLookup {
            ids,
            default: default.1,
        }
    }

    /// The preset a note plays: the exact bank and program, else program in bank 0 (melodic
    /// banks) or the standard kit 128:0 (drum banks), else the default.
    fn find(&self, bank: i32, program: i32) -> usize {
        if let Some(&p) = self.ids.get(&((bank << 16) | program)) {
            return p;
        }
        let fallback = if bank < 128 { program } else { 128 << 16 };
        self.ids.get(&fallback).copied().unwrap_or(self.default)
    }
}

/// The samples the notes of `midi` can start with `font`, as a mask over its sample headers.
pub(crate) fn samples_reached(midi: &MidiFile, font: &rs::SoundFont) -> Vec<bool> {
    let lookup = PresetLookup::new(font);
    let mut reached = vec![false; font.get_sample_headers().len()];
    let mut bank = [0i32; 16];
    bank[rs::Synthesizer::PERCUSSION_CHANNEL] = 128;
    let mut program = [0i32; 16];
    let mut seen: HashSet<(usize, u8, u8)> = HashSet::new();
    for e in &midi.events {
        let EventKind::Channel {
            command,
            channel,
            data1,
            data2,
        } = e.kind
        else {
            continue;
        };
        let c = usize::from(channel);
        let (Some(bank), Some(program)) = (bank.get_mut(c), program.get_mut(c)) else {
            continue;
        };
        match command {
            0xB0 if data1 == 0 => *bank = rs::Synthesizer::selected_bank(c, i32::from(data2)),
            0xC0 => *program = i32::from(data1),
            0x90 if data2 > 0 => {
                let preset = lookup.find(*bank, *program);
                if seen.insert((preset, data1, data2)) {
                    mark_note(font, preset, data1, data2, &mut reached);
                }
            }
            _ => {}
        }
    }
    reached
}

/// Marks the samples of the zones that `key` at `velocity` starts in `preset`.
fn mark_note(font: &rs::SoundFont, preset: usize, key: u8, velocity: u8, reached: &mut [bool]) {
    let (key, velocity) = (i32::from(key), i32::from(velocity));
    let Some(preset) = font.get_presets().get(preset) else {
        return;
    };
    for region in preset.get_regions() {
        if !region.contains(key, velocity) {
            continue;
        }
        let Some(instrument) = font.get_instruments().get(region.get_instrument_id()) else {
            continue;
        };
        for zone in instrument.get_regions() {
            if zone.contains(key, velocity) {
                if let Some(r) = reached.get_mut(zone.get_sample_id()) {
                    *r = true;
                }
            }
        }
    }
}

/// Every sample some preset can play (the whole font, for a preload).
pub(crate) fn samples_played(font: &rs::SoundFont) -> Vec<bool> {
    let mut played = vec![false; font.get_sample_headers().len()];
    for preset in font.get_presets() {
        for region in preset.get_regions() {
            let Some(instrument) = font.get_instruments().get(region.get_instrument_id()) else {
                continue;
            };
            for zone in instrument.get_regions() {
                if let Some(p) = played.get_mut(zone.get_sample_id()) {
                    *p = true;
                }
            }
        }
    }
    played
}
