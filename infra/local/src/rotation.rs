//! Secret rotation locally: what Secrets Manager does in AWS for an
//! `AWS::SecretsManager::RotationSchedule` — a fresh token, then the rotation function's four
//! steps in order — on the schedule's timetable or by hand (`POST /_local/rotate/{SecretId}`).

use crate::schedule::Schedule;
use drop_runtime::function::ScheduleHandler;
use drop_runtime::{ApiError, Ctx};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// A rotation the stack can run: the function's handler and the secret's local name.
#[derive(Clone)]
pub struct Rotation {
    pub function: &'static str,
    pub handler: ScheduleHandler,
    pub secret: String,
}

/// The four steps with a new token; stops at the first failure (the current value stays).
pub async fn rotate_now(ctx: &Arc<Ctx>, r: &Rotation) -> Result<serde_json::Value, ApiError> {
    let token = uuid_like(ulid::Ulid::new());
    for step in ["createSecret", "setSecret", "testSecret", "finishSecret"] {
        let event = serde_json::json!({"SecretId": r.secret, "ClientRequestToken": token, "Step": step});
        drop_services::aws_calls::within(r.function, (r.handler)(ctx.clone(), event)).await?;
    }
    Ok(serde_json::json!({"secret": r.secret, "version": token}))
}

/// Secrets Manager's tokens are UUIDs; a ULID's 128 bits written the same way.
fn uuid_like(u: ulid::Ulid) -> String {
    let h = format!("{:032x}", u.0);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

pub async fn run_on_schedule(ctx: Arc<Ctx>, s: Schedule, r: Rotation, mut stop: watch::Receiver<bool>) {
    loop {
        let now = time::OffsetDateTime::now_utc();
        let Some(next) = s.next_after(now) else { return };
        let wait = Duration::from_secs_f64((next - now).as_seconds_f64().max(0.0));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {
                if let Err(e) = rotate_now(&ctx, &r).await {
                    tracing::warn!(function = r.function, problem = e.slug, "rotation failed");
                }
            }
            _ = stop.changed() => return,
        }
    }
}
