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
    /// `now_ms`, with a [`stamp`] to time the command that starts now (INFO
    /// commandstats, SLOWLOG). A clock that is the system's answers both from one
    /// reading, as Redis's `call()` takes both from one `ustime()`.
    fn now_with_stamp(&self) -> (i64, Stamp) {
        (self.now_ms(), stamp())
    }
}

/// A reading of real time, to measure how long something took (never for behaviour):
/// natively the wall clock in µs (as Redis's `ustime()`, which is what times a command
/// there too when no cheap hardware clock is known); in the browser performance.now(),
/// in milliseconds with a fraction (its resolution is coarsened by the browser, to
/// 5-100 µs), in windows and workers alike.
#[cfg(not(target_arch = "wasm32"))]
pub type Stamp = i64;
#[cfg(target_arch = "wasm32")]
pub type Stamp = f64;

#[cfg(not(target_arch = "wasm32"))]
pub fn stamp() -> Stamp {
    // clock_gettime straight from the vDSO: std's SystemTime adds a checked
    // subtraction and a Result per reading, and every command takes one or two.
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_REALTIME always exists.
    if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) } != 0 {
        return 0;
    }
    // time_t and c_long are i64 here but not on every target.
    #[allow(clippy::unnecessary_cast)]
    let us = ts.tv_sec as i64 * 1_000_000 + ts.tv_nsec as i64 / 1000;
    us
}

/// Microseconds since `t` (0 if the wall clock was set back meanwhile).
#[cfg(not(target_arch = "wasm32"))]
pub fn elapsed_us(t: Stamp) -> u64 {
    between_us(t, stamp())
}

/// Microseconds from `t` to `end` (0 if the wall clock was set back between them).
#[cfg(not(target_arch = "wasm32"))]
pub fn between_us(t: Stamp, end: Stamp) -> u64 {
    end.saturating_sub(t).max(0) as u64
}

#[cfg(target_arch = "wasm32")]
pub fn between_us(t: Stamp, end: Stamp) -> u64 {
    ((end - t) * 1000.0).max(0.0) as u64
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

#[cfg(target_arch = "wasm32")]
pub fn stamp() -> Stamp {
    performance_now()
}

#[cfg(target_arch = "wasm32")]
pub fn elapsed_us(t: Stamp) -> u64 {
    ((performance_now() - t) * 1000.0).max(0.0) as u64
}

/// The operating system's wall clock.
#[derive(Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[cfg(not(target_arch = "wasm32"))]
    fn now_with_stamp(&self) -> (i64, Stamp) {
        let us = stamp();
        (us.div_euclid(1000), us)
    }
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
