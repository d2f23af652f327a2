//! The breaker's state machine on a manual clock.

use super::*;

const OPEN_FOR: Duration = Duration::from_secs(2);

fn breaker(failures: u32) -> (Breaker, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let settings = BreakerSettings { failures, open_for: OPEN_FOR };
    (Breaker::with_clock("test", settings, clock.clone()), clock)
}

fn down() -> Error {
    Error::unavailable("test", "connection refused")
}

async fn fail(b: &Breaker) -> Result<()> {
    b.call(async { Err::<(), _>(down()) }).await
}

async fn succeed(b: &Breaker) -> Result<()> {
    b.call(async { Ok(()) }).await
}

#[tokio::test]
async fn it_opens_after_the_configured_consecutive_failures_and_then_fails_fast_without_calling() {
    // Arrange
    let (b, _) = breaker(3);

    // Act
    fail(&b).await.unwrap_err();
    fail(&b).await.unwrap_err();
    let before_third = b.state();
    fail(&b).await.unwrap_err();
    let mut called = false;
    let refused = b
        .call(async {
            called = true;
            Ok(())
        })
        .await;

    // Assert
    assert_eq!(before_third, State::Closed, "two failures of three keep it closed");
    assert_eq!(b.state(), State::Open);
    assert!(!called, "an open breaker does not call the backend");
    let err = refused.unwrap_err();
    assert!(is_rejection(&err), "the refusal is recognisable: {err}");
    assert!(err.is_transient(), "a refusal is a 503-style error: {err}");
}

#[tokio::test]
async fn a_success_resets_the_count_so_only_consecutive_failures_open_it() {
    let (b, _) = breaker(3);
    for _ in 0..5 {
        fail(&b).await.unwrap_err();
        fail(&b).await.unwrap_err();
        succeed(&b).await.unwrap();
    }
    assert_eq!(b.state(), State::Closed, "never three in a row");
}

#[tokio::test]
async fn errors_that_are_not_unavailability_do_not_count() {
    let (b, _) = breaker(1);
    let refused = b.call(async { Err::<(), _>(Error::backend("test", "syntax error")) }).await;
    let missing = b.call(async { Err::<(), _>(Error::NotFound("x".into())) }).await;
    assert!(refused.is_err() && missing.is_err());
    assert_eq!(b.state(), State::Closed, "the backend answered, so it is up");
}

#[tokio::test]
async fn after_the_cool_down_exactly_one_probe_goes_through_at_a_time() {
    // Arrange
    let (b, clock) = breaker(1);
    fail(&b).await.unwrap_err();

    // Act
    clock.advance(OPEN_FOR - Duration::from_millis(1));
    let too_early = b.admit().is_some();
    clock.advance(Duration::from_millis(1));
    let probe = b.admit();
    let second = b.admit().is_some();

    // Assert
    assert!(!too_early, "still open before the cool-down ends");
    assert!(probe.is_some(), "the first call after the cool-down probes");
    assert_eq!(b.state(), State::HalfOpen);
    assert!(!second, "only one probe at a time");
    drop(probe);
}

#[tokio::test]
async fn a_successful_probe_closes_it_and_calls_flow_again() {
    let (b, clock) = breaker(1);
    fail(&b).await.unwrap_err();
    clock.advance(OPEN_FOR);

    succeed(&b).await.unwrap();

    assert_eq!(b.state(), State::Closed);
    assert!(b.admit().is_some() && b.admit().is_some(), "closed admits everyone");
}

#[tokio::test]
async fn a_failed_probe_reopens_it_for_a_whole_new_cool_down() {
    // Arrange
    let (b, clock) = breaker(1);
    fail(&b).await.unwrap_err();
    clock.advance(OPEN_FOR);

    // Act
    fail(&b).await.unwrap_err();
    clock.advance(OPEN_FOR - Duration::from_millis(1));
    let early = b.admit().is_some();
    clock.advance(Duration::from_millis(1));
    let later = b.admit().is_some();

    // Assert
    assert!(!early, "the cool-down restarts at the failed probe");
    assert!(later, "and another probe follows it");
}

#[tokio::test]
async fn a_probe_dropped_without_a_verdict_lets_the_next_call_probe() {
    let (b, clock) = breaker(1);
    fail(&b).await.unwrap_err();
    clock.advance(OPEN_FOR);

    drop(b.admit().expect("probe"));

    assert_eq!(b.state(), State::HalfOpen);
    assert!(b.admit().is_some(), "a cancelled probe must not wedge the breaker half-open");
}

#[tokio::test]
async fn a_late_success_of_a_call_admitted_before_opening_does_not_close_it() {
    // Arrange: a call admitted while closed, still in flight when the breaker opens.
    let (b, _) = breaker(1);
    let slow = b.admit().expect("closed admits");

    // Act
    fail(&b).await.unwrap_err();
    slow.success();

    // Assert
    assert_eq!(b.state(), State::Open, "only a probe can close an open breaker");
}

#[test]
fn settings_out_of_range_are_rejected_by_variable_name() {
    let cases = [
        (0, 1000, "REDIS_BREAKER_FAILURES"),
        (1001, 1000, "REDIS_BREAKER_FAILURES"),
        (5, 5, "REDIS_BREAKER_OPEN_MS"),
        (5, 600_001, "REDIS_BREAKER_OPEN_MS"),
    ];
    for (failures, open_ms, variable) in cases {
        let err = BreakerSettings::validated(failures, open_ms, "REDIS_").unwrap_err().to_string();
        assert!(err.contains(variable), "({failures}, {open_ms}) should name {variable}: {err}");
    }
    let ok = BreakerSettings::validated(5, 1000, "REDIS_").unwrap();
    assert_eq!(ok, BreakerSettings { failures: 5, open_for: Duration::from_secs(1) });
}
