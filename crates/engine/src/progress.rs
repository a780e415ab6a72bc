//! [`Progress`]: the callback long operations (rendering, analysis, decoding) call with the
//! fraction of work done. It sits at the bottom of the module graph so that every part of the
//! engine can report progress without depending on another part.

use std::sync::Arc;

/// A progress callback; compares equal to any other so options stay comparable.
#[derive(Clone, Default)]
pub struct Progress(pub Option<Arc<dyn Fn(f64) + Send + Sync>>);

impl Progress {
    /// Wraps a callback.
    pub fn new(f: impl Fn(f64) + Send + Sync + 'static) -> Self {
        Progress(Some(Arc::new(f)))
    }

    /// Calls the callback, if any, with `fraction` clamped to 0..=1.
    pub fn report(&self, fraction: f64) {
        if let Some(f) = &self.0 {
            f(fraction.clamp(0.0, 1.0));
        }
    }

    /// A callback that maps 0..=1 onto `start..=end` of this one: how a multi-stage operation
    /// gives each stage its share of one bar.
    pub fn span(&self, start: f64, end: f64) -> Progress {
        match &self.0 {
            None => Progress(None),
            Some(f) => {
                let f = Arc::clone(f);
                Progress::new(move |x| {
                    f((start + x.clamp(0.0, 1.0) * (end - start)).clamp(0.0, 1.0))
                })
            }
        }
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Progress(callback)"
        } else {
            "Progress(none)"
        })
    }
}

impl PartialEq for Progress {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn span_maps_onto_its_share() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = Arc::clone(&seen);
        let p = Progress::new(move |x| s.lock().unwrap().push(x));
        let half = p.span(0.5, 1.0);
        half.report(0.0);
        half.report(0.5);
        half.report(2.0);
        assert_eq!(*seen.lock().unwrap(), vec![0.5, 0.75, 1.0]);
    }
}
