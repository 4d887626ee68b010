//! Refresh tokens: 256 random bits, stored only as a SHA-256 hash, rotated on every use. Tokens of
//! one login form a family; presenting a token that was already used revokes the whole family
//! (someone has a stolen copy). Idle lifetime per token, absolute lifetime per family.

use super::{random_token, sha256_hex, AuthError};
use crate::table::{Condition, Item, Key, Table, TableError, TxOp, Update, TTL_ATTR};
use drop_domain::keys::attr;
use drop_domain::role::Role;

pub const IDLE_SECS: i64 = 7 * 24 * 3600;
pub const ABSOLUTE_SECS: i64 = 30 * 24 * 3600;

fn token_pk(token: &str) -> String {
    drop_domain::keys::refresh_token_pk(&sha256_hex(token.as_bytes()))
}

fn family_pk(family: &str) -> String {
    drop_domain::keys::refresh_family_pk(family)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub user_id: String,
    pub role: Role,
    pub family: String,
}

fn token_item(token: &str, s: &Session, now: i64, absolute_end: i64) -> Item {
    let idle_end = (now + IDLE_SECS).min(absolute_end);
    crate::subject::owned_by(Item::new(token_pk(token), "RT"), &s.user_id)
        .with(attr::FAMILY, s.family.clone())
        .with(attr::ROLE, s.role.as_str())
        .with(attr::USED, false)
        .with(attr::IDLE_UNTIL, idle_end)
        .with(TTL_ATTR, absolute_end + 24 * 3600)
}

/// Starts a session family; returns the session and its first refresh token.
pub async fn start(table: &dyn Table, user_id: &str, role: Role, now: i64) -> Result<(Session, String), AuthError> {
    let family = format!("ses_{}", ulid::Ulid::new());
    let session = Session { user_id: user_id.into(), role, family: family.clone() };
    let token = random_token(32);
    let end = now + ABSOLUTE_SECS;
    let fam = crate::subject::owned_by(Item::new(family_pk(&family), "FAMILY"), user_id)
        .with(attr::STATUS, "active")
        .with(attr::ABSOLUTE_UNTIL, end)
        .with(TTL_ATTR, end + 24 * 3600);
    table
        .transact(vec![
            TxOp::Put { item: fam, condition: Some(Condition::absent()) },
            TxOp::Put { item: token_item(&token, &session, now, end), condition: Some(Condition::absent()) },
        ])
        .await?;
    Ok((session, token))
}

/// Exchanges a refresh token for a new one. A spent token revokes its family.
pub async fn rotate(table: &dyn Table, token: &str, now: i64) -> Result<(Session, String), AuthError> {
    let item = table.get(&Key::new(token_pk(token), "RT")).await?.ok_or(AuthError::Session)?;
    let family = item.s(attr::FAMILY).ok_or(AuthError::Session)?.to_owned();
    let session = Session {
        user_id: item.s(attr::USER_ID).unwrap_or_default().to_owned(),
        role: item.s(attr::ROLE).and_then(Role::parse).ok_or(AuthError::Session)?,
        family: family.clone(),
    };
    let fam = table.get(&Key::new(family_pk(&family), "FAMILY")).await?.ok_or(AuthError::Session)?;
    if fam.s(attr::STATUS) != Some("active") {
        return Err(AuthError::Session);
    }
    if item.get("used") == Some(&crate::table::Value::Bool(true)) {
        revoke_family(table, &family, "reuse").await?;
        return Err(AuthError::Reuse);
    }
    let absolute_end = fam.n(attr::ABSOLUTE_UNTIL).unwrap_or(0);
    if item.n(attr::IDLE_UNTIL).unwrap_or(0) <= now || absolute_end <= now {
        return Err(AuthError::Session);
    }
    let next = random_token(32);
    let res = table
        .transact(vec![
            TxOp::Update(
                Update::new(Key::new(token_pk(token), "RT"))
                    .set(attr::USED, true)
                    .set("used_at", now)
                    .when(Condition::eq(attr::USED, false)),
            ),
            TxOp::ConditionCheck {
                key: Key::new(family_pk(&family), "FAMILY"),
                condition: Condition::eq(attr::STATUS, "active"),
            },
            TxOp::Put { item: token_item(&next, &session, now, absolute_end), condition: Some(Condition::absent()) },
        ])
        .await;
    match res {
        Ok(()) => Ok((session, next)),
        // Another request used this token first: that is reuse too.
        Err(TableError::TransactionCanceled { reasons }) if matches!(reasons.first(), Some(Some(_))) => {
            revoke_family(table, &family, "reuse").await?;
            Err(AuthError::Reuse)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_family(table: &dyn Table, family: &str, reason: &str) -> Result<(), AuthError> {
    table
        .update(
            Update::new(Key::new(family_pk(family), "FAMILY"))
                .set(attr::STATUS, "revoked")
                .set("revoked_reason", reason)
                .when(Condition::present()),
        )
        .await
        .map(|_| ())
        .or_else(|e| if e.is_condition_failed() { Ok(()) } else { Err(e.into()) })
}

/// Whether a session family is still live (not logged out, not revoked for reuse, not past its
/// absolute lifetime). Checked on every authenticated request: an access token outlives neither.
pub async fn is_active(table: &dyn Table, family: &str, now: i64) -> Result<bool, AuthError> {
    let item = table.get(&Key::new(family_pk(family), "FAMILY")).await?;
    Ok(item.is_some_and(|f| f.s(attr::STATUS) == Some("active") && f.n(attr::ABSOLUTE_UNTIL).is_some_and(|t| t > now)))
}

/// Logout: revokes the family of the presented token, if any.
pub async fn revoke_by_token(table: &dyn Table, token: &str) -> Result<Option<String>, AuthError> {
    let Some(item) = table.get(&Key::new(token_pk(token), "RT")).await? else { return Ok(None) };
    let Some(family) = item.s(attr::FAMILY) else { return Ok(None) };
    revoke_family(table, family, "logout").await?;
    Ok(item.s(attr::USER_ID).map(str::to_owned))
}

/// The user and family a refresh token belongs to (for auditing a reuse).
pub async fn owner(table: &dyn Table, token: &str) -> Result<Option<(String, String)>, AuthError> {
    let item = table.get(&Key::new(token_pk(token), "RT")).await?;
    Ok(item.and_then(|i| Some((i.s(attr::USER_ID)?.to_owned(), i.s(attr::FAMILY)?.to_owned()))))
}
