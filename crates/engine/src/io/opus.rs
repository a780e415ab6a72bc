//! Opus through libopus (`symphonia-adapter-libopus`; symphonia 0.5 has no Opus decoder),
//! decoded at the rate the encoder was fed when libopus can decode at it natively. Opus always
//! codes 48 kHz time, but a 16 kHz recording decoded at 16 kHz is the same signal in a third of
//! the samples, and it is what libsndfile (and so audiowaveform) gives: the lowest of 8, 12, 16,
//! 24 and 48 kHz at or above the input rate in the `OpusHead`. Browser recordings say 48 kHz.

use symphonia::core::audio::AudioBufferRef;
use symphonia::core::codecs::{
    CodecDescriptor, CodecParameters, Decoder, DecoderOptions, FinalizeResult, CODEC_TYPE_OPUS,
};
use symphonia::core::errors::Result;
use symphonia::core::formats::Packet;
use symphonia::core::support_codec;
use symphonia::core::units::TimeBase;
use symphonia_adapter_libopus::OpusDecoder;

/// Opus's own clock; containers give packet timing and trims at this rate.
const OPUS_RATE: u32 = 48_000;

/// The libopus decoder at the input rate, with the container's trims rescaled to it.
pub(crate) struct Opus {
    inner: OpusDecoder,
    params: CodecParameters,
    /// 48 kHz frames per output frame.
    factor: u32,
}

/// The rate to decode at for an `OpusHead` (`None`: no header or no input rate: 48 kHz).
fn decode_rate(head: Option<&[u8]>) -> u32 {
    let input = head
        .filter(|h| h.starts_with(b"OpusHead"))
        .and_then(|h| h.get(12..16))
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_le_bytes);
    match input {
        0 => OPUS_RATE,
        r if r <= 8_000 => 8_000,
        r if r <= 12_000 => 12_000,
        r if r <= 16_000 => 16_000,
        r if r <= 24_000 => 24_000,
        _ => OPUS_RATE,
    }
}

impl Decoder for Opus {
    fn try_new(params: &CodecParameters, options: &DecoderOptions) -> Result<Self> {
        let mut params = params.clone();
        let mut factor = 1;
        if params.sample_rate == Some(OPUS_RATE) {
            let rate = decode_rate(params.extra_data.as_deref());
            factor = OPUS_RATE / rate;
            params.with_sample_rate(rate);
            // Ogg counts in 48 kHz frames, which become frames at the decode rate; Matroska
            // counts in its own time base, which is left as it is (and so is its count).
            let in_opus_frames = params
                .time_base
                .is_none_or(|tb| tb == TimeBase::new(1, OPUS_RATE));
            if in_opus_frames {
                params.with_time_base(TimeBase::new(1, rate));
                if let Some(n) = params.n_frames {
                    params.with_n_frames(n / u64::from(factor));
                }
            }
        }
        let inner = OpusDecoder::try_new(&params, options)?;
        Ok(Self {
            inner,
            params,
            factor,
        })
    }

    fn supported_codecs() -> &'static [CodecDescriptor] {
        &[support_codec!(CODEC_TYPE_OPUS, "opus", "Opus (libopus)")]
    }

    fn reset(&mut self) {
        self.inner.reset();
    }

    fn codec_params(&self) -> &CodecParameters {
        &self.params
    }

    fn decode(&mut self, packet: &Packet) -> Result<AudioBufferRef<'_>> {
        if self.factor == 1 {
            return self.inner.decode(packet);
        }
        let mut scaled = packet.clone();
        scaled.trim_start /= self.factor;
        scaled.trim_end /= self.factor;
        self.inner.decode(&scaled)
    }

    fn finalize(&mut self) -> FinalizeResult {
        self.inner.finalize()
    }

    fn last_decoded(&self) -> AudioBufferRef<'_> {
        self.inner.last_decoded()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(rate: u32) -> Vec<u8> {
        let mut h = b"OpusHead\x01\x02\x38\x01".to_vec();
        h.extend_from_slice(&rate.to_le_bytes());
        h.extend_from_slice(&[0, 0, 0]);
        h
    }

    #[test]
    fn the_rate_is_the_lowest_native_one_at_or_above_the_input() {
        for (input, rate) in [
            (48_000, 48_000),
            (44_100, 48_000),
            (24_000, 24_000),
            (22_050, 24_000),
            (16_000, 16_000),
            (11_025, 12_000),
            (8_000, 8_000),
            (0, 48_000),
        ] {
            assert_eq!(decode_rate(Some(&head(input))), rate, "{input}");
        }
        assert_eq!(decode_rate(None), 48_000);
        assert_eq!(decode_rate(Some(b"OpusHead")), 48_000);
    }
}
