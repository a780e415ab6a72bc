#![no_main]
//! Any bytes given to the MIDI parser give a parsed file or an error, never a panic or a hang;
//! a parsed file's summary is computed too.
use libfuzzer_sys::fuzz_target;
use rust_audio_engine::{MidiFile, MidiLimits};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = MidiFile::parse(data, std::path::Path::new("fuzz.mid"), &MidiLimits::default()) {
        let _ = m.summary();
    }
});
