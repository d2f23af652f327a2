//! A circuit breaker per backend client: after `failures` consecutive
//! failures it opens and calls fail at once; after `open_for` one call is let
//! through as a probe (half-open); the probe's success closes it, its failure
//! opens it again. Only `Unavailable` errors (unreachable, timed out) count:
//! a refused query says the backend is up.
//!
//! The closed state, where every healthy call lives, costs two atomic loads;
//! transitions take a small sync mutex. State changes are logged once and
//! exported as a state set, `sightgraph_breaker_state{backend,state}` (the
//! number of breakers of that backend in `closed`, `open` or `half_open`: one
//! series is 1 in a process with one client), and
//! `sightgraph_breaker_transitions_total{backend,to}`; calls refused while
//! open count in `sightgraph_breaker_rejected_total{backend}`.

use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// The message of the error a refused call gets; [`is_rejection`] recognises it.
pub const OPEN_MESSAGE: &str = "circuit breaker open: failing fast until a probe succeeds";

/// The error of a call the breaker refused: 503, no cause (the backend was not asked).
pub fn rejection(backend: &'static str) -> Error {
    Error::Unavailable { backend, message: OPEN_MESSAGE.into(), source: None }
}

/// Whether `e` is a call the breaker refused (the backend was not asked).
pub fn is_rejection(e: &Error) -> bool {
    matches!(e, Error::Unavailable { message, .. } if message == OPEN_MESSAGE)
}

/// Where a breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Calls pass; consecutive failures are counted.
    Closed = 0,
    /// Calls fail at once until the cool-down has passed.
    Open = 1,
    /// One probe call is in flight; the others fail at once.
    HalfOpen = 2,
}

impl State {
    fn from_u8(v: u8) -> Self {
        match v {
            1 => State::Open,
            2 => State::HalfOpen,
            _ => State::Closed,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            State::Closed => "closed",
            State::Open => "open",
            State::HalfOpen => "half_open",
        }
    }
}

/// When a breaker opens and how long it stays open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Consecutive failures (errors or timeouts) that open the breaker.
    pub failures: u32,
    /// How long it stays open before one probe is let through.
    pub open_for: Duration,
}

impl BreakerSettings {
    /// Checks the bounds, naming the variables (`<PREFIX>BREAKER_FAILURES`, `<PREFIX>BREAKER_OPEN_MS`).
    pub fn validated(failures: u32, open_ms: u64, prefix: &str) -> Result<Self> {
        if !(1..=1000).contains(&failures) {
            return Err(Error::invalid(format!("{prefix}BREAKER_FAILURES must be 1..=1000, got {failures}")));
        }
        if !(10..=600_000).contains(&open_ms) {
            return Err(Error::invalid(format!("{prefix}BREAKER_OPEN_MS must be 10..=600000, got {open_ms}")));
        }
        Ok(Self { failures, open_for: Duration::from_millis(open_ms) })
    }
}

/// A source of monotonic time; tests inject a [`ManualClock`].
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> Instant;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that moves only when told to (deterministic tests).
pub struct ManualClock {
    start: Instant,
    offset_nanos: AtomicU64,
}

impl ManualClock {
    /// A clock standing still at the moment of creation.
    pub fn new() -> Self {
        Self { start: Instant::now(), offset_nanos: AtomicU64::new(0) }
    }

    /// Moves time forward.
    pub fn advance(&self, by: Duration) {
        self.offset_nanos.fetch_add(by.as_nanos() as u64, Ordering::SeqCst);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + Duration::from_nanos(self.offset_nanos.load(Ordering::SeqCst))
    }
}

/// Transition bookkeeping, only touched when a failure is recorded or the breaker is not closed.
struct Inner {
    opened_at: Instant,
    probing: bool,
}

/// A circuit breaker for one backend client.
pub struct Breaker {
    backend: &'static str,
    settings: BreakerSettings,
    clock: Arc<dyn Clock>,
    state: AtomicU8,
    failures: AtomicU32,
    inner: Mutex<Inner>,
}

impl Breaker {
    /// A closed breaker on the real clock.
    pub fn new(backend: &'static str, settings: BreakerSettings) -> Self {
        Self::with_clock(backend, settings, Arc::new(SystemClock))
    }

    /// A closed breaker on `clock`.
    pub fn with_clock(backend: &'static str, settings: BreakerSettings, clock: Arc<dyn Clock>) -> Self {
        // NB: installs the recorder if no router has yet, so the gauge exists from the start.
        crate::metrics::install();
        state_gauge(backend, State::Closed).increment(1.0);
        let now = clock.now();
        Self {
            backend,
            settings,
            clock,
            state: AtomicU8::new(State::Closed as u8),
            failures: AtomicU32::new(0),
            inner: Mutex::new(Inner { opened_at: now, probing: false }),
        }
    }

    /// The backend this breaker guards.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// Where it stands now.
    pub fn state(&self) -> State {
        State::from_u8(self.state.load(Ordering::Acquire))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks to call the backend: a permit, or `None` when the call must fail fast.
    pub fn admit(&self) -> Option<Permit<'_>> {
        if self.state() == State::Closed {
            return Some(Permit { breaker: self, probe: false, settled: false });
        }
        let mut inner = self.lock();
        match self.state() {
            State::Closed => Some(Permit { breaker: self, probe: false, settled: false }),
            State::Open if self.clock.now().duration_since(inner.opened_at) >= self.settings.open_for => {
                inner.probing = true;
                self.set(State::HalfOpen, &inner);
                Some(Permit { breaker: self, probe: true, settled: false })
            }
            State::HalfOpen if !inner.probing => {
                inner.probing = true;
                Some(Permit { breaker: self, probe: true, settled: false })
            }
            _ => {
                metrics::counter!("sightgraph_breaker_rejected_total", "backend" => self.backend).increment(1);
                None
            }
        }
    }

    /// Runs `call` through the breaker: fails fast while open, and records
    /// the outcome (`Unavailable` is a failure, anything else a success).
    pub async fn call<T, F: Future<Output = Result<T>>>(&self, call: F) -> Result<T> {
        let Some(permit) = self.admit() else {
            return Err(rejection(self.backend));
        };
        let out = call.await;
        match &out {
            Err(e @ Error::Unavailable { .. }) => permit.failure(e),
            _ => permit.success(),
        }
        out
    }

    fn on_success(&self, probe: bool) {
        if !probe {
            // NB: read first so the hot path does not write a shared cache line on every call.
            if self.failures.load(Ordering::Relaxed) != 0 {
                self.failures.store(0, Ordering::Relaxed);
            }
            return;
        }
        let mut inner = self.lock();
        inner.probing = false;
        self.failures.store(0, Ordering::Relaxed);
        if self.state() != State::Closed {
            let down_for = self.clock.now().duration_since(inner.opened_at);
            tracing::info!(backend = self.backend, ?down_for, "circuit breaker closed: the backend answers again");
            self.set(State::Closed, &inner);
        }
    }

    fn on_failure(&self, probe: bool, error: &str) {
        let count = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
        let mut inner = self.lock();
        if probe {
            inner.probing = false;
            inner.opened_at = self.clock.now();
            tracing::debug!(backend = self.backend, error, "probe failed; the circuit breaker stays open");
            self.set(State::Open, &inner);
        } else if self.state() == State::Closed && count >= self.settings.failures {
            inner.opened_at = self.clock.now();
            tracing::warn!(
                backend = self.backend,
                failures = count,
                open_for = ?self.settings.open_for,
                error,
                "circuit breaker open: calls fail fast until a probe succeeds"
            );
            self.set(State::Open, &inner);
        }
    }

    fn on_abandoned_probe(&self) {
        // NB: the caller dropped the call (cancelled or timed out above us): no verdict,
        // so let the next call probe instead of staying half-open forever.
        self.lock().probing = false;
    }

    /// Sets the state; the caller holds the mutex, so transitions are ordered.
    fn set(&self, to: State, _held: &Inner) {
        let from = State::from_u8(self.state.swap(to as u8, Ordering::AcqRel));
        if from != to {
            state_gauge(self.backend, from).decrement(1.0);
            state_gauge(self.backend, to).increment(1.0);
            metrics::counter!("sightgraph_breaker_transitions_total", "backend" => self.backend, "to" => to.as_str())
                .increment(1);
        }
    }
}

impl Drop for Breaker {
    fn drop(&mut self) {
        state_gauge(self.backend, self.state()).decrement(1.0);
    }
}

fn state_gauge(backend: &'static str, state: State) -> metrics::Gauge {
    metrics::gauge!("sightgraph_breaker_state", "backend" => backend, "state" => state.as_str())
}

/// Leave to call the backend once; report how it went.
pub struct Permit<'a> {
    breaker: &'a Breaker,
    probe: bool,
    settled: bool,
}

impl Permit<'_> {
    /// The backend answered.
    pub fn success(mut self) {
        self.settled = true;
        self.breaker.on_success(self.probe);
    }

    /// The backend was unreachable or too slow.
    pub fn failure(mut self, error: &dyn std::fmt::Display) {
        self.settled = true;
        self.breaker.on_failure(self.probe, &error.to_string());
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.probe && !self.settled {
            self.breaker.on_abandoned_probe();
        }
    }
}

#[cfg(test)]
#[path = "breaker_tests.rs"]
mod tests;
