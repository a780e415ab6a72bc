use std::io::Read;

use crate::binary_reader::BinaryReader;
use crate::error::SoundFontError;
use crate::four_cc::FourCC;
use crate::instrument::Instrument;
use crate::preset::Preset;
use crate::sample_header::SampleHeader;
use crate::soundfont_info::SoundFontInfo;
use crate::soundfont_parameters::SoundFontParameters;
use crate::soundfont_sampledata::SoundFontSampleData;

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
        let sample_data = SoundFontSampleData::from_slice(reader, None)?;
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
        let sample_data = SoundFontSampleData::from_slice(reader, Some(wave_data))?;
        let parameters = SoundFontParameters::new(reader)?;

        Self::assemble(info, sample_data, parameters)
    }

    fn assemble(
        info: SoundFontInfo,
        sample_data: SoundFontSampleData,
        parameters: SoundFontParameters,
    ) -> Result<Self, SoundFontError> {
        let sound_font = Self {
            info,
            bits_per_sample: sample_data.bits_per_sample,
            wave_data: sample_data.wave_data,
            sample_headers: parameters.sample_headers,
            presets: parameters.presets,
            instruments: parameters.instruments,
        };

        sound_font.sanity_check()?;

        Ok(sound_font)
    }

    fn sanity_check(&self) -> Result<(), SoundFontError> {
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
                    || end as usize >= self.wave_data.len()
                    || end_loop as usize >= self.wave_data.len()
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
