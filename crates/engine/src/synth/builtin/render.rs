//! The samples of the built-in font: what to synthesise for each ([`Spec`]), and rendering them
//! on two threads.

use super::drums::{render_drum, Drum};
use super::piano::{piano_duration, piano_rate, render_piano};
use super::sample::Sample;
use super::tones::{render_mallet, render_noise, render_pluck, render_tone, Tone};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Spec {
    Piano { root: u8, layer: usize },
    Mallet { root: u8 },
    Pluck { root: u8, bass: bool },
    Tone { root: u8, kind: Tone },
    Noise,
    Drum(Drum),
}

impl Spec {
    /// Rough rendering cost, to balance the two worker threads.
    fn cost(&self) -> f64 {
        match *self {
            Spec::Piano { root, layer } => {
                let key = f64::from(root);
                piano_duration(key) * f64::from(piano_rate(root, layer)) * (2.0 + layer as f64)
            }
            Spec::Pluck { .. } => 30_000.0,
            Spec::Drum(_) => 60_000.0,
            Spec::Noise => 40_000.0,
            Spec::Mallet { .. } | Spec::Tone { .. } => 20_000.0,
        }
    }

    fn render(&self) -> Sample {
        match *self {
            Spec::Piano { root, layer } => render_piano(root, layer),
            Spec::Mallet { root } => render_mallet(root),
            Spec::Pluck { root, bass } => render_pluck(root, bass),
            Spec::Tone { root, kind } => render_tone(root, kind),
            Spec::Noise => render_noise(),
            Spec::Drum(d) => render_drum(d),
        }
    }
}

/// Renders every sample on two threads (longest jobs first, greedy balance). The result is in
/// `specs` order, so the bytes do not depend on scheduling.
pub(super) fn render_all(specs: &[Spec]) -> Vec<Sample> {
    let mut order: Vec<usize> = (0..specs.len()).collect();
    order.sort_by(|&a, &b| specs[b].cost().total_cmp(&specs[a].cost()).then(a.cmp(&b)));
    let mut assign = vec![0usize; specs.len()];
    let mut load = [0.0f64; 2];
    for i in order {
        let t = usize::from(load[1] < load[0]);
        assign[i] = t;
        load[t] += specs[i].cost();
    }

    let mut results: Vec<Option<Sample>> = specs.iter().map(|_| None).collect();
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("builtin-sf2".into())
            .spawn_scoped(scope, || {
                specs
                    .iter()
                    .zip(&assign)
                    .enumerate()
                    .filter(|(_, (_, &t))| t == 1)
                    .map(|(i, (s, _))| (i, s.render()))
                    .collect::<Vec<_>>()
            });
        for ((slot, spec), &t) in results.iter_mut().zip(specs).zip(&assign) {
            if t == 0 {
                *slot = Some(spec.render());
            }
        }
        if let Ok(handle) = worker {
            if let Ok(done) = handle.join() {
                for (i, s) in done {
                    if let Some(slot) = results.get_mut(i) {
                        *slot = Some(s);
                    }
                }
            }
        }
    });
    // Anything the worker did not deliver (it could not start) is rendered here.
    results
        .into_iter()
        .zip(specs)
        .map(|(r, s)| r.unwrap_or_else(|| s.render()))
        .collect()
}
