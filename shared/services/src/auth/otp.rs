//! Contact details and one-time codes. Registering (or changing) a phone number or e-mail address
//! sends a 6-digit code; the new details take effect only once the code is entered. Codes are
//! stored as a keyed hash (blind-index key), expire after 10 minutes and allow 5 attempts.

use super::notifier::{Channel, Notifier};
use super::users::{aad, user_pk, PROFILE_SK};
use super::{ct_eq, AuthError};
use crate::crypto::Crypto;
use crate::table::{Cmp, Condition, Item, Key, Table, TableError, TxOp, Update, TTL_ATTR};
use drop_domain::contact::{normalise_email, normalise_mobile};
use drop_domain::Secret;
use rand::Rng;

pub const OTP_SK: &str = "OTP";
pub const CODE_TTL_SECS: i64 = 600;
pub const MAX_ATTEMPTS: i64 = 5;

async fn code_hash(crypto: &Crypto, user_id: &str, code: &str) -> Result<String, AuthError> {
    Ok(crypto.blind_index("otp", &format!("{user_id}:{code}")).await?)
}

/// Starts verification of new contact details. `phone`/`email` None keeps the current one.
/// The code goes to the new phone if the phone changes, else to the new e-mail address.
pub async fn request(
    table: &dyn Table,
    crypto: &Crypto,
    notifier: &dyn Notifier,
    user_id: &str,
    phone: Option<&str>,
    email: Option<&str>,
    now: i64,
) -> Result<Channel, AuthError> {
    let phone = phone.map(normalise_mobile).transpose().map_err(|_| AuthError::Invalid("phone"))?;
    let email = email.map(normalise_email).transpose().map_err(|_| AuthError::Invalid("email"))?;
    if phone.is_none() && email.is_none() {
        return Err(AuthError::Invalid("phone or email"));
    }
    if let Some(p) = &phone {
        let bi = crypto.blind_index("phone", p).await?;
        if let Some(owner) = table.get(&Key::new(format!("PHONE#{bi}"), "UNIQUE")).await? {
            if owner.s("user_id") != Some(user_id) {
                return Err(AuthError::Taken);
            }
        }
    }
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let pk = user_pk(user_id);
    let mut item = Item::new(&pk, OTP_SK)
        .with("code_hash", code_hash(crypto, user_id, &code).await?)
        .with("attempts", 0)
        .with(TTL_ATTR, now + CODE_TTL_SECS);
    if let Some(p) = &phone {
        item.set("phone", crypto.encrypt(aad(&pk, OTP_SK, "phone"), p.as_bytes()).await?);
        item.set("phone_bi", crypto.blind_index("phone", p).await?);
    }
    if let Some(e) = &email {
        item.set("email", crypto.encrypt(aad(&pk, OTP_SK, "email"), e.as_bytes()).await?);
    }
    table.put(item, None).await?;
    let (channel, to) = match (&phone, &email) {
        (Some(p), _) => (Channel::Sms, p.clone()),
        (None, Some(e)) => (Channel::Email, e.clone()),
        (None, None) => return Err(AuthError::Invalid("phone or email")),
    };
    let body = Secret::new(format!("Your Drop code is {code}. It expires in 10 minutes."));
    notifier.send(channel, &Secret::new(to), &body).await?;
    Ok(channel)
}

/// Checks a code; on success the pending details become the user's, verified, and the user active.
pub async fn verify(table: &dyn Table, crypto: &Crypto, user_id: &str, code: &str) -> Result<(), AuthError> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AuthError::Invalid("code"));
    }
    let pk = user_pk(user_id);
    let otp_key = Key::new(&pk, OTP_SK);
    // Count the attempt first, so parallel guesses cannot exceed the limit.
    let item = match table
        .update(Update::new(otp_key.clone()).add("attempts", 1).when(Condition::present().and(Condition::cmp(
            "attempts",
            Cmp::Lt,
            MAX_ATTEMPTS,
        ))))
        .await
    {
        Ok(i) => i,
        Err(TableError::ConditionFailed { current: Some(_) }) => return Err(AuthError::Attempts),
        Err(TableError::ConditionFailed { current: None }) => return Err(AuthError::Code),
        Err(e) => return Err(e.into()),
    };
    let expected = item.s("code_hash").unwrap_or_default();
    if !ct_eq(code_hash(crypto, user_id, code).await?.as_bytes(), expected.as_bytes()) {
        return Err(if item.n("attempts").unwrap_or(0) >= MAX_ATTEMPTS {
            AuthError::Attempts
        } else {
            AuthError::Code
        });
    }
    let profile = table.get(&Key::new(&pk, PROFILE_SK)).await?.ok_or(AuthError::NotFound)?;
    let mut update = Update::new(Key::new(&pk, PROFILE_SK)).set("status", "active").when(Condition::present());
    let mut ops = Vec::new();
    if let (Some(ct), Some(bi)) = (item.s("phone"), item.s("phone_bi")) {
        let phone = crypto.decrypt(aad(&pk, OTP_SK, "phone"), ct).await?;
        let moved = crypto.encrypt(aad(&pk, PROFILE_SK, "phone"), phone.expose()).await?;
        update = update.set("phone", moved).set("phone_bi", bi).set("phone_verified", true);
        let unique = Item::new(format!("PHONE#{bi}"), "UNIQUE").with("user_id", user_id);
        ops.push(TxOp::Put {
            item: unique,
            condition: Some(Condition::absent().or(Condition::eq("user_id", user_id))),
        });
        if let Some(old) = profile.s("phone_bi").filter(|old| *old != bi) {
            ops.push(TxOp::Delete {
                key: Key::new(format!("PHONE#{old}"), "UNIQUE"),
                condition: Some(Condition::eq("user_id", user_id)),
            });
        }
    }
    if let Some(ct) = item.s("email") {
        let email = crypto.decrypt(aad(&pk, OTP_SK, "email"), ct).await?;
        let moved = crypto.encrypt(aad(&pk, PROFILE_SK, "email"), email.expose()).await?;
        update = update.set("email", moved).set("email_verified", true);
    }
    ops.push(TxOp::Update(update));
    ops.push(TxOp::Delete { key: otp_key, condition: Some(Condition::present()) });
    match table.transact(ops).await {
        Ok(()) => Ok(()),
        Err(TableError::TransactionCanceled { .. }) => Err(AuthError::Taken),
        Err(e) => Err(e.into()),
    }
}
