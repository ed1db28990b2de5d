//! When each call should be sent.

use std::time::{Duration, Instant};

/// Closed loop: every call is due at once (sent when a caller is free). Open loop: call `i`
/// is due at `start + i / rate`, whether or not earlier calls have been answered.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    start: Instant,
    interval: Option<Duration>,
}

impl Schedule {
    /// A schedule from `start`: open loop at `rate` calls per second, closed loop for `None`.
    pub fn new(start: Instant, rate: Option<f64>) -> Schedule {
        Schedule {
            start,
            interval: rate.map(|r| Duration::from_secs_f64(1.0 / r)),
        }
    }

    /// The time call `i` is due; in closed loop, now.
    pub fn intended(&self, i: u64) -> Instant {
        match self.interval {
            // Multiply in f64: u32 would overflow after 4 billion calls.
            Some(interval) => self.start + interval.mul_f64(i as f64),
            None => Instant::now(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_loop_spaces_calls_by_the_rate() {
        let start = Instant::now();
        let s = Schedule::new(start, Some(1_000.0));
        assert_eq!(s.intended(0), start);
        assert_eq!(s.intended(1) - start, Duration::from_millis(1));
        assert_eq!(s.intended(2_500) - start, Duration::from_millis(2_500));
    }

    #[test]
    fn closed_loop_calls_are_due_now() {
        let start = Instant::now();
        let s = Schedule::new(start, None);
        std::thread::sleep(Duration::from_millis(5));
        assert!(s.intended(1_000_000) >= start + Duration::from_millis(5));
    }
}
