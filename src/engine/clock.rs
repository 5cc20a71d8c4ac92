//! Time, injected.
//!
//! The engine never reads the wall clock by itself: the host hands it a [`Clock`]. Natively
//! that is [`SystemClock`]; in the browser it is `Date.now()`; in tests it is a
//! [`ManualClock`] that only moves when the test says so, which makes every TTL test exact.

use std::cell::Cell;
use std::rc::Rc;

/// A source of Unix time in milliseconds.
pub trait Clock {
    fn now_ms(&self) -> i64;
    /// Unix time in microseconds (MONITOR's timestamps); by default the milliseconds.
    fn now_us(&self) -> i64 {
        self.now_ms() * 1000
    }
}

/// The operating system's wall clock.
#[derive(Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[cfg(not(target_arch = "wasm32"))]
    fn now_us(&self) -> i64 {
        use std::time::{SystemTime, UNIX_EPOCH};
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0)
    }
    fn now_ms(&self) -> i64 {
        #[cfg(target_arch = "wasm32")]
        {
            js_sys::Date::now() as i64
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            use std::time::{SystemTime, UNIX_EPOCH};
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0)
        }
    }
}

/// A clock that stands still until it is told to move. Clones share the same time, so a
/// test keeps one handle and gives another to the engine.
#[derive(Clone)]
pub struct ManualClock(Rc<Cell<i64>>);

impl ManualClock {
    pub fn new(start_ms: i64) -> Self {
        ManualClock(Rc::new(Cell::new(start_ms)))
    }
    pub fn set(&self, ms: i64) {
        self.0.set(ms);
    }
    pub fn advance(&self, ms: i64) {
        self.0.set(self.0.get() + ms);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.get()
    }
}
