//! Idempotency records for money-moving POSTs (`reference/platform.md` §1.6): a lock with the
//! Powertools condition, the request hash, replay of the stored response, 409 while in flight,
//! 422 for the same key with another body. Transient failures release the lock; deterministic
//! outcomes are stored and replayed.

use crate::table::{Cmp, Condition, Item, Key, Table, TableError, Update, TTL_ATTR};

use drop_domain::keys::attr;
use drop_domain::lifecycle::idempotency::Status;

const IN_PROGRESS: &str = Status::InProgress.as_str();
const COMPLETE: &str = Status::Complete.as_str();

pub const EXPIRY_SECS: i64 = 24 * 3600;
pub const LOCK_MS: i64 = 30_000;

pub fn key(user_id: &str, route: &str, idempotency_key: &str) -> Key {
    Key::new(drop_domain::keys::idempotency_pk(user_id, route, idempotency_key), drop_domain::keys::IDEMPOTENCY_SK)
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lock {
    /// Go ahead; complete or release the record afterwards.
    Acquired,
    /// The first request's response, to send again.
    Replay { status: u16, body: String },
    /// The first request is still running.
    InFlight,
    /// Same key, different request.
    Mismatch,
}

/// An idempotency key is 1–64 characters of `[A-Za-z0-9_-]` (UUIDs fit).
pub fn valid_key(k: &str) -> bool {
    !k.is_empty() && k.len() <= 64 && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub async fn lock(table: &dyn Table, key: &Key, request_hash: &str, now: i64, now_ms: i64) -> Result<Lock, TableError> {
    let user = drop_domain::keys::idempotency_user(&key.pk).unwrap_or_default();
    let item = crate::subject::owned_by(Item::new(&key.pk, &key.sk), user)
        .with(attr::STATUS, IN_PROGRESS)
        .with(attr::REQUEST_HASH, request_hash)
        .with(attr::EXPIRY, now + EXPIRY_SECS)
        .with(attr::IN_PROGRESS_EXPIRY, now_ms + LOCK_MS)
        .with(TTL_ATTR, now + EXPIRY_SECS + 24 * 3600);
    let cond = Condition::Or(vec![
        Condition::absent(),
        Condition::cmp(attr::EXPIRY, Cmp::Lt, now),
        Condition::eq(attr::STATUS, IN_PROGRESS).and(Condition::cmp(attr::IN_PROGRESS_EXPIRY, Cmp::Lt, now_ms)),
    ]);
    match table.put(item, Some(cond)).await {
        Ok(()) => Ok(Lock::Acquired),
        Err(TableError::ConditionFailed { current: Some(old) }) => {
            if old.s(attr::REQUEST_HASH) != Some(request_hash) {
                return Ok(Lock::Mismatch);
            }
            match old.s(attr::STATUS) {
                Some(s) if s == COMPLETE => Ok(Lock::Replay {
                    status: old.n(attr::RESPONSE_STATUS).unwrap_or(200) as u16,
                    body: old.s(attr::RESPONSE_BODY).unwrap_or_default().to_owned(),
                }),
                _ => Ok(Lock::InFlight),
            }
        }
        Err(TableError::ConditionFailed { current: None }) => Ok(Lock::InFlight),
        Err(e) => Err(e),
    }
}

/// The update that completes a record (put it in the same transaction as the effect).
pub fn complete(key: &Key, request_hash: &str, status: u16, body: &str) -> Update {
    Update::new(key.clone())
        .set(attr::STATUS, COMPLETE)
        .set(attr::RESPONSE_STATUS, i64::from(status))
        .set(attr::RESPONSE_BODY, body)
        .when(Condition::eq(attr::STATUS, IN_PROGRESS).and(Condition::eq(attr::REQUEST_HASH, request_hash)))
}

/// The update that replaces a completed record's answer (the effect went further after it was
/// stored: a later state of the same result).
pub fn rewrite(key: &Key, request_hash: &str, body: &str) -> Update {
    Update::new(key.clone())
        .set(attr::RESPONSE_BODY, body)
        .when(Condition::eq(attr::STATUS, COMPLETE).and(Condition::eq(attr::REQUEST_HASH, request_hash)))
}

/// Releases the lock after a transient failure, so a retry runs again.
pub async fn release(table: &dyn Table, key: &Key) -> Result<(), TableError> {
    table.delete(key, Some(Condition::eq(attr::STATUS, IN_PROGRESS))).await.or_else(|e| {
        if e.is_condition_failed() {
            Ok(())
        } else {
            Err(e)
        }
    })
}
