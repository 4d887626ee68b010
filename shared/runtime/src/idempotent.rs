//! The `Idempotency-Key` protocol of money-moving POSTs, in one place (`reference/platform.md`
//! §1.6): the key is required and checked before the body is read; the record is locked before
//! any effect; a completed key replays its first response (`Idempotent-Replayed: true`); a key in
//! flight answers 409, the same key with another request 422. The effect completes the record in
//! its own transaction (the [`Claim`] goes to the service); a transient failure releases the lock
//! so a retry runs again; a deterministic refusal is stored and replayed like a success.
//! The records themselves are `drop_services::idempotency`.

use crate::{ApiError, ApiRequest, ApiResponse, Ctx};
use drop_services::idempotency::{self, Lock};
use drop_services::table::Key;
use http::StatusCode;

/// A held lock: the record and the hash of the request it is for.
#[derive(Debug, Clone)]
pub struct Claim {
    pub record: Key,
    pub hash: String,
}

pub enum Begun {
    /// Go ahead, then [`finish`].
    Run(Claim),
    /// The first request's answer, to send again.
    Replay(ApiResponse),
}

/// The `Idempotency-Key` header, required and well-formed.
pub fn key_of(req: &ApiRequest) -> Result<String, ApiError> {
    let key = req
        .header("idempotency-key")
        .ok_or_else(|| ApiError::bad_request("idempotency-key-required", "the Idempotency-Key header is required"))?;
    if !idempotency::valid_key(key) {
        return Err(ApiError::invalid_field("Idempotency-Key", "1–64 characters of A–Z, a–z, 0–9, - and _"));
    }
    Ok(key.to_owned())
}

/// Locks `key` for this user and route; `request` is what makes two requests the same one (the
/// route's parsed body).
pub async fn begin(
    ctx: &Ctx,
    user_id: &str,
    route: &str,
    key: &str,
    request: &serde_json::Value,
) -> Result<Begun, ApiError> {
    // `[route, …request]`: the same hash as before this module (records in flight stay valid).
    let mut parts = vec![serde_json::Value::from(route)];
    match request {
        serde_json::Value::Array(items) => parts.extend(items.iter().cloned()),
        other => parts.push(other.clone()),
    }
    let hash = drop_services::digest::sha256_hex(serde_json::Value::Array(parts).to_string().as_bytes());
    let record = idempotency::key(user_id, route, key);
    let now = ctx.clock.now();
    let now_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
    match idempotency::lock(ctx.table.as_ref(), &record, &hash, now.unix_timestamp(), now_ms).await? {
        Lock::Acquired => Ok(Begun::Run(Claim { record, hash })),
        Lock::Replay { status, body } => {
            let st = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let ct = if st.is_success() { "application/json" } else { "application/problem+json" };
            let mut r = ApiResponse::with_body(st, ct, body.into_bytes());
            r.header("idempotent-replayed", "true");
            Ok(Begun::Replay(r))
        }
        Lock::InFlight => {
            let mut e = ApiError::new(
                StatusCode::CONFLICT,
                "request-in-progress",
                "Request in progress",
                "the first request with this Idempotency-Key is still running",
            );
            e.headers.push(("retry-after", "1".into()));
            Err(e)
        }
        Lock::Mismatch => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "Idempotency key reused",
            "this Idempotency-Key was used for another request",
        )),
    }
}

/// Whether a failed effect may succeed when tried again (a partner or the table did not answer,
/// or another request changed the record first): its lock is released, not its answer stored.
pub fn transient(e: &drop_services::remit::RemitError) -> bool {
    use drop_services::remit::RemitError as R;
    use drop_services::table::TableError as T;
    matches!(
        e,
        R::Provider(_)
            | R::Bank(_)
            | R::Unwired(_)
            | R::IllegalState("changed meanwhile")
            | R::Storage(T::Unavailable(_) | T::Throttled)
            | R::Crypto(_)
    )
}

/// How the effect ended.
pub enum Ended {
    /// Done; the record was completed in the effect's transaction.
    Done(ApiResponse),
    /// A failure a retry may not meet (a partner or the table unavailable): the lock is released.
    Transient(ApiError),
    /// A deterministic refusal: the answer for this key from now on.
    Refused(ApiError),
}

pub async fn finish(ctx: &Ctx, claim: &Claim, path: &str, ended: Ended) -> Result<ApiResponse, ApiError> {
    match ended {
        Ended::Done(r) => Ok(r),
        Ended::Transient(e) => {
            if let Err(release) = idempotency::release(ctx.table.as_ref(), &claim.record).await {
                // The lock expires by itself (`LOCK_MS`); the retry waits for it.
                tracing::warn!(error = %release, "idempotency lock not released");
            }
            Err(e)
        }
        Ended::Refused(problem) => {
            let resp = problem.to_response(path);
            let body = String::from_utf8_lossy(&resp.body).into_owned();
            let complete = idempotency::complete(&claim.record, &claim.hash, problem.status.as_u16(), &body);
            if let Err(e) = ctx.table.update(complete).await {
                // Not stored: the lock expires and a retry runs again (and is refused again).
                tracing::warn!(error = %e, "idempotent refusal not stored");
            }
            Err(problem)
        }
    }
}
