//! Time as a port, so tests can move it.

use std::sync::Mutex;
use time::OffsetDateTime;

pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;

    fn epoch(&self) -> i64 {
        self.now().unix_timestamp()
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to.
pub struct FixedClock(Mutex<OffsetDateTime>);

impl FixedClock {
    pub fn at(epoch: i64) -> Self {
        FixedClock(Mutex::new(OffsetDateTime::from_unix_timestamp(epoch).unwrap_or(OffsetDateTime::UNIX_EPOCH)))
    }

    pub fn advance(&self, seconds: i64) {
        if let Ok(mut t) = self.0.lock() {
            *t += time::Duration::seconds(seconds);
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0.lock().map(|t| *t).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}
