//! An idempotency record (`reference/platform.md` §1.6): absent → `INPROGRESS` (locked by the
//! first request) → `COMPLETE` (its response stored for replay), or released (deleted) after a
//! transient failure. A lock whose holder died (its lock time passed) or a record past its expiry
//! may be locked again. Stored names as Powertools writes them.

use super::{names, IllegalTransition};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// No record (or a deleted one).
    Absent,
    InProgress,
    Complete,
}

names!(Status { Absent => "ABSENT", InProgress => "INPROGRESS", Complete => "COMPLETE" });

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Lock,
    /// The lock of a request that never finished has passed; another may take it.
    LockAfterStaleLock,
    /// The whole record has expired (24 h); the key may be used afresh.
    LockAfterExpiry,
    /// The request finished with a deterministic outcome: stored for replay.
    Complete,
    /// The request failed transiently: the key may be retried at once.
    Release,
}

pub fn transition(from: Status, event: Event) -> Result<Status, IllegalTransition> {
    use Event as E;
    use Status as S;
    match (from, event) {
        (S::Absent, E::Lock) => Ok(S::InProgress),
        (S::InProgress, E::LockAfterStaleLock) => Ok(S::InProgress),
        (S::InProgress | S::Complete, E::LockAfterExpiry) => Ok(S::InProgress),
        (S::InProgress, E::Complete) => Ok(S::Complete),
        (S::InProgress, E::Release) => Ok(S::Absent),
        _ => Err(IllegalTransition {
            record: "idempotency record",
            from: from.as_str(),
            event: match event {
                E::Lock => "lock",
                E::LockAfterStaleLock => "lock_after_stale_lock",
                E::LockAfterExpiry => "lock_after_expiry",
                E::Complete => "complete",
                E::Release => "release",
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Event as E;
    use Status as S;

    #[test]
    fn every_edge() {
        let legal = [
            (S::Absent, E::Lock, S::InProgress),
            (S::InProgress, E::LockAfterStaleLock, S::InProgress),
            (S::InProgress, E::LockAfterExpiry, S::InProgress),
            (S::Complete, E::LockAfterExpiry, S::InProgress),
            (S::InProgress, E::Complete, S::Complete),
            (S::InProgress, E::Release, S::Absent),
        ];
        for from in S::ALL {
            for e in [E::Lock, E::LockAfterStaleLock, E::LockAfterExpiry, E::Complete, E::Release] {
                let want = legal.iter().find(|(f, ev, _)| f == from && *ev == e).map(|l| l.2);
                assert_eq!(transition(*from, e).ok(), want, "{from:?} {e:?}");
            }
        }
        // A completed request is never released or completed again: its response is replayed.
        assert!(transition(S::Complete, E::Release).is_err());
    }
}
