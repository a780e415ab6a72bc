//! How many threads a parallel step may start: the machine's cores, capped for the work a thread
//! runs inside [`with_limit`]. A batch job runs its analysis, convolution and SF3 decoding under
//! its share of the batch's threads this way, so `rae batch --threads 1` and a Ray task that
//! reserved one CPU use one thread. The cap is per calling thread: other callers in the same
//! process (a server's requests) keep all the cores.

use std::cell::Cell;

thread_local! {
    static LIMIT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// The threads a parallel step started on this thread may use: the cores (1 when unknown), at
/// most the limit of the enclosing [`with_limit`], never 0.
pub fn available() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    LIMIT.with(Cell::get).map_or(cores, |l| cores.min(l)).max(1)
}

/// Runs `f` with [`available`] capped at `limit` on this thread (`None`: no cap), then restores
/// the cap that was in force, even when `f` panics.
pub fn with_limit<T>(limit: Option<usize>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<usize>);
    impl Drop for Restore {
        fn drop(&mut self) {
            LIMIT.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(LIMIT.with(|c| c.replace(limit.map(|l| l.max(1)))));
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_caps_this_thread_only_and_is_restored() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(available(), cores);
        with_limit(Some(1), || {
            assert_eq!(available(), 1);
            assert_eq!(std::thread::spawn(available).join().ok(), Some(cores));
            with_limit(Some(0), || assert_eq!(available(), 1));
            with_limit(None, || assert_eq!(available(), cores));
            assert_eq!(available(), 1);
        });
        assert_eq!(available(), cores);
        let _ = std::panic::catch_unwind(|| with_limit(Some(1), || panic!("inside")));
        assert_eq!(available(), cores);
    }
}
