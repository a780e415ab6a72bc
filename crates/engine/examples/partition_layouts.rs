//! Times the streaming convolution's candidate stage layouts: 10 s of noise through a 2.5 s
//! noise filter at 44.1 kHz in 512-frame blocks, best of five runs per layout, beside the cost
//! model's estimate. The first line is the layout the engine plans.
//!
//! cargo run --profile ci -p rust-audio-engine --example partition_layouts

use std::time::Instant;

use rust_audio_engine::effects::layout_trial;

/// Partition growth ratio and cap (in blocks) of the layouts tried besides the planned one.
const CANDIDATES: [(usize, usize); 12] = [
    (16, 16),
    (8, 64),
    (4, 64),
    (2, 32),
    (64, 64),
    (16, 32),
    (1, 1),
    (32, 32),
    (8, 8),
    (4, 16),
    (8, 32),
    (4, 32),
];

/// Deterministic noise in [-0.5, 0.5] (xorshift32).
fn noise(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.max(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32) - 0.5
        })
        .collect()
}

fn main() -> rust_audio_engine::Result<()> {
    let h = noise(110_250, 3);
    let x = noise(441_000, 5);
    let block = 512;
    let growths = std::iter::once(None).chain(CANDIDATES.into_iter().map(Some));
    for growth in growths {
        let mut trial = layout_trial(&h, block, growth)?;
        let mut ns = f64::INFINITY;
        for _ in 0..5 {
            let t = Instant::now();
            trial.run(&x)?;
            ns = ns.min(t.elapsed().as_secs_f64() * 1e9 / x.len() as f64);
        }
        let (cost, stages) = (trial.model_cost, &trial.stages);
        println!("{ns:6.1} ns/frame  model {cost:8.0}  {stages:?}");
    }
    Ok(())
}
