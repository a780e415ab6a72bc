#![no_main]
//! Any bytes given to the SoundFont loader (validation, SF3 decoding, parsing) give a font or an
//! error, never a panic; a font that loads renders a few notes without panicking.
use libfuzzer_sys::fuzz_target;
use rust_audio_engine::{demo, load_soundfont_bytes, render_midi, MidiFile, RenderOptions};

fuzz_target!(|data: &[u8]| {
    if let Ok(font) = load_soundfont_bytes(data, "fuzz.sf2") {
        let notes = [
            demo::Note { start: 0, length: 240, channel: 0, key: 60, velocity: 100 },
            demo::Note { start: 0, length: 240, channel: 9, key: 38, velocity: 100 },
        ];
        let bytes = demo::write_smf(480, 240.0, &[(0, 0)], &notes, &[]);
        if let Ok(midi) = MidiFile::parse(&bytes, std::path::Path::new("n.mid"), &Default::default()) {
            let opts = RenderOptions { sample_rate: 22050, max_tail_s: 0.1, ..Default::default() };
            let _ = render_midi(&midi, &font, &opts);
        }
    }
});
