//! A request to stop a simulation early (Ctrl-C, SIGTERM), passed to the library as a token.
//!
//! The binary creates one [`Cancel`], requests it from its signal handler, and passes it to every
//! simulation it starts; the block scheduler ([`crate::montecarlo::blocks`]) and the block loops
//! check it between runs, and the engine polls its flag within a run (every 16,384 events), so
//! that a long simulation ends within milliseconds, even one whose single run is long. The results of a cancelled
//! simulation are meaningless: a function that sees the request returns without them (or the
//! caller discards them) and writes nothing. Nothing in the library requests it, so results are
//! never affected otherwise; statistics never read it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A shared flag: once [requested](Cancel::request), every clone reads it as requested.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A token that nothing has requested yet.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Asks every simulation holding this token (or a clone) to stop.
    pub fn request(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// The flag itself, for the engine to poll within a run
    /// ([`crate::engine::simulate_run_until`]): the engine reads only what it is handed.
    pub fn flag(&self) -> &AtomicBool {
        &self.0
    }

    /// Whether [`Cancel::request`] was called on this token or a clone.
    #[inline]
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_reaches_every_clone() {
        let token = Cancel::new();
        let clone = token.clone();
        assert!(!token.requested() && !clone.requested());
        clone.request();
        assert!(token.requested() && clone.requested());
        assert!(!Cancel::new().requested());
    }
}
