use std::io::Read;

use crate::binary_reader::BinaryReader;
use crate::error::SoundFontError;
use crate::four_cc::FourCC;
use crate::instrument::Instrument;
use crate::preset::Preset;
use crate::sample_header::SampleHeader;
use crate::soundfont_info::SoundFontInfo;
use crate::soundfont_parameters::SoundFontParameters;
use crate::soundfont_sampledata::{SampleSource, SoundFontSampleData};

/// Reperesents a SoundFont.
#[derive(Debug)]
#[non_exhaustive]
pub struct SoundFont {
    pub(crate) info: SoundFontInfo,
    pub(crate) bits_per_sample: i32,
    pub(crate) wave_data: Vec<i16>,
    pub(crate) sample_headers: Vec<SampleHeader>,
    pub(crate) presets: Vec<Preset>,
    pub(crate) instruments: Vec<Instrument>,
}

impl SoundFont {
    /// Loads a SoundFont from the stream.
    ///
    /// # Arguments
    ///
    /// * `reader` - The data stream used to load the SoundFont.
    pub fn new<R: Read>(reader: &mut R) -> Result<Self, SoundFontError> {
        Self::read_header(reader)?;
        let info = SoundFontInfo::new(reader)?;
        let sample_data = SoundFontSampleData::new(reader)?;
        let parameters = SoundFontParameters::new(reader)?;

        Self::assemble(info, sample_data, parameters)
    }

    fn read_header<R: Read>(reader: &mut R) -> Result<(), SoundFontError> {
        let chunk_id = BinaryReader::read_four_cc(reader)?;
        if chunk_id != b"RIFF" {
            return Err(SoundFontError::RiffChunkNotFound);
        }

        let _size = BinaryReader::read_i32(reader)?;

        let form_type = BinaryReader::read_four_cc(reader)?;
        if form_type != b"sfbk" {
            return Err(SoundFontError::InvalidRiffChunkType {
                expected: FourCC::from_bytes(*b"sfbk"),
                actual: form_type,
            });
        }

        Ok(())
    }

    /// Fork: loads a SoundFont from bytes in memory. The same as [`SoundFont::new`] on a cursor
    /// over `data`, but the sample data is converted straight from the slice, without the copy
    /// through a read buffer (and on two threads for large fonts).
    ///
    /// # Arguments
    ///
    /// * `data` - The SoundFont file.
    pub fn from_bytes(data: &[u8]) -> Result<Self, SoundFontError> {
        let reader = &mut &data[..];
        Self::read_header(reader)?;
        let info = SoundFontInfo::new(reader)?;
        let sample_data = SoundFontSampleData::from_slice(reader, SampleSource::Slice)?;
        let parameters = SoundFontParameters::new(reader)?;

        Self::assemble(info, sample_data, parameters)
    }

    /// Fork: loads a SoundFont read by [`SplitSoundFontFile::read`]: the file's bytes, whose
    /// `smpl` chunk contents are ignored, and the samples of that chunk.
    ///
    /// [`SplitSoundFontFile::read`]: crate::SplitSoundFontFile::read
    pub fn from_split(data: &[u8], wave_data: Vec<i16>) -> Result<Self, SoundFontError> {
        let reader = &mut &data[..];
        Self::read_header(reader)?;
        let info = SoundFontInfo::new(reader)?;
        let sample_data =
            SoundFontSampleData::from_slice(reader, SampleSource::Converted(wave_data))?;
        let parameters = SoundFontParameters::new(reader)?;

        Self::assemble(info, sample_data, parameters)
    }

    /// Fork: loads a SoundFont whose samples are held elsewhere (an SF3 font decoded on
    /// demand): `data` is the file with an empty `smpl` chunk, and its sample headers place the
    /// samples in `sample_points` points of sample data, which the regions are checked against.
    /// The font holds no sample data (it plays silence) until [`SoundFont::with_wave_data`]
    /// gives it some.
    pub fn without_wave_data(data: &[u8], sample_points: usize) -> Result<Self, SoundFontError> {
        let reader = &mut &data[..];
        Self::read_header(reader)?;
        let info = SoundFontInfo::new(reader)?;
        let sample_data = SoundFontSampleData::from_slice(reader, SampleSource::Elsewhere)?;
        let parameters = SoundFontParameters::new(reader)?;

        let sound_font = Self::from_parts(info, sample_data, parameters);
        sound_font.sanity_check(sample_points)?;
        Ok(sound_font)
    }

    /// Fork: a copy of this SoundFont that plays `wave_data`, in which sample `i` starts
    /// `shifts[i]` points later than in `self` (its header and every region playing it move
    /// together; a sample without a shift stays where it is). Reads outside `wave_data` play
    /// silence, so no placement can make the synthesizer fail; the caller places each sample
    /// it wants played where its regions find it.
    pub fn with_wave_data(
        &self,
        wave_data: Vec<i16>,
        shifts: &[i64],
    ) -> Result<Self, SoundFontError> {
        let moved = |position: i32, sample: usize| -> Result<i32, SoundFontError> {
            let shift = shifts.get(sample).copied().unwrap_or(0);
            i32::try_from(i64::from(position) + shift)
                .map_err(|_| SoundFontError::SanityCheckFailed)
        };
        let mut sample_headers = self.sample_headers.clone();
        for (i, header) in sample_headers.iter_mut().enumerate() {
            header.start = moved(header.start, i)?;
            header.end = moved(header.end, i)?;
            header.start_loop = moved(header.start_loop, i)?;
            header.end_loop = moved(header.end_loop, i)?;
        }
        let mut instruments = self.instruments.clone();
        for region in instruments.iter_mut().flat_map(|i| i.regions.iter_mut()) {
            let sample = region.get_sample_id();
            region.sample_start = moved(region.sample_start, sample)?;
            region.sample_end = moved(region.sample_end, sample)?;
            region.sample_start_loop = moved(region.sample_start_loop, sample)?;
            region.sample_end_loop = moved(region.sample_end_loop, sample)?;
        }
        Ok(Self {
            info: self.info.clone(),
            bits_per_sample: self.bits_per_sample,
            wave_data,
            sample_headers,
            presets: self.presets.clone(),
            instruments,
        })
    }

    fn assemble(
        info: SoundFontInfo,
        sample_data: SoundFontSampleData,
        parameters: SoundFontParameters,
    ) -> Result<Self, SoundFontError> {
        let sound_font = Self::from_parts(info, sample_data, parameters);
        sound_font.sanity_check(sound_font.wave_data.len())?;

        Ok(sound_font)
    }

    fn from_parts(
        info: SoundFontInfo,
        sample_data: SoundFontSampleData,
        parameters: SoundFontParameters,
    ) -> Self {
        Self {
            info,
            bits_per_sample: sample_data.bits_per_sample,
            wave_data: sample_data.wave_data,
            sample_headers: parameters.sample_headers,
            presets: parameters.presets,
            instruments: parameters.instruments,
        }
    }

    /// Checks the regions against `len` points of sample data.
    fn sanity_check(&self, len: usize) -> Result<(), SoundFontError> {
        // https://github.com/sinshu/rustysynth/issues/22
        // https://github.com/sinshu/rustysynth/issues/33
        // https://github.com/sinshu/rustysynth/pull/51
        for instrument in &self.instruments {
            for region in &instrument.regions {
                let start = region.get_sample_start();
                let end = region.get_sample_end();
                let start_loop = region.get_sample_start_loop();
                let end_loop = region.get_sample_end_loop();
                // let loop_mode = region.get_sample_modes();

                if start < 0
                    || start_loop < 0
                    || end as usize >= len
                    || end_loop as usize >= len
                    || end <= start
                // An invalid loop range no longer rejects the whole file.
                // The oscillator plays such a region once without looping.
                // https://github.com/sinshu/rustysynth/issues/55
                // || (loop_mode != LoopMode::NoLoop && start_loop >= end_loop)
                {
                    return Err(SoundFontError::SanityCheckFailed);
                }
            }
        }

        Ok(())
    }

    /// Gets the information of the SoundFont.
    pub fn get_info(&self) -> &SoundFontInfo {
        &self.info
    }

    /// Gets the bits per sample of the sample data.
    pub fn get_bits_per_sample(&self) -> i32 {
        self.bits_per_sample
    }

    /// Gets the sample data.
    pub fn get_wave_data(&self) -> &[i16] {
        &self.wave_data[..]
    }

    /// Gets the samples of the SoundFont.
    pub fn get_sample_headers(&self) -> &[SampleHeader] {
        &self.sample_headers[..]
    }

    /// Gets the presets of the SoundFont.
    pub fn get_presets(&self) -> &[Preset] {
        &self.presets[..]
    }

    /// Gets the instruments of the SoundFont.
    pub fn get_instruments(&self) -> &[Instrument] {
        &self.instruments[..]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{Synthesizer, SynthesizerSettings};
    use std::sync::Arc;

    fn play(font: SoundFont) -> Vec<f32> {
        let settings = SynthesizerSettings::new(44100);
        let mut synth = Synthesizer::new(&Arc::new(font), &settings).unwrap();
        for (channel, key) in [(0, 60), (0, 67), (9, 38), (9, 42)] {
            synth.note_on(channel, key, 100);
        }
        let (mut left, mut right) = (vec![0_f32; 22050], vec![0_f32; 22050]);
        synth.render(&mut left, &mut right);
        left.extend(right);
        left
    }

    #[test]
    fn moved_samples_play_as_before() {
        let path = "/usr/share/sounds/sf2/TimGM6mb.sf2";
        let bytes = std::fs::read(path)
            .unwrap_or_else(|e| panic!("{path}: {e} (make test installs timgm6mb-soundfont)"));
        let font = SoundFont::from_bytes(&bytes).unwrap();
        let expected = play(SoundFont::from_bytes(&bytes).unwrap());
        assert!(expected.iter().any(|x| x.abs() > 1e-3));

        // Every sample 1000 points later, in a buffer with 1000 zeros in front.
        let mut moved = vec![0_i16; 1000];
        moved.extend_from_slice(font.get_wave_data());
        let shifts = vec![1000; font.get_sample_headers().len()];
        let copy = font.with_wave_data(moved, &shifts).unwrap();
        let first = &copy.get_sample_headers()[0];
        assert_eq!(
            first.get_start(),
            font.get_sample_headers()[0].get_start() + 1000
        );
        assert_eq!(play(copy), expected);

        // Without any sample data, the same notes are silent (and nothing fails).
        let silent = font.with_wave_data(Vec::new(), &[]).unwrap();
        assert!(play(silent).iter().all(|&x| x == 0.0));
    }
}
