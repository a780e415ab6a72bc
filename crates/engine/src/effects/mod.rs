//! Effects (issue 3): convolution reverb with file and built-in impulse responses, algorithmic
//! reverb, RBJ biquad EQ, compressor, true-peak limiter, gain and loudness normalisation, and a
//! `Chain` of effects that is itself an effect. Every effect processes planar `f32` audio of any
//! channel count and sample rate, keeps its state between chunks, and is `Send + Sync`.
