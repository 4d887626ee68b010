//! Contact details and one-time codes. Registering (or changing) a phone number or e-mail address
//! sends a 6-digit code to each new contact; each takes effect, verified, only once its own code
//! is entered. Codes are stored as a keyed hash (blind-index key), expire after 10 minutes and
//! allow 5 attempts each.

use super::users::{aad, user_pk, PROFILE_SK};
use super::{ct_eq, AuthError};
use crate::crypto::Crypto;
use crate::notify::{Channel, Notifier};
use crate::table::{Cmp, Condition, Item, Key, Table, TableError, TxOp, Update, TTL_ATTR};
use drop_domain::contact::{normalise_email, normalise_mobile};
use drop_domain::keys::attr;
use drop_domain::Secret;
use rand::Rng;

/// Sort-key prefix of both.
pub use drop_domain::keys::OTP_PREFIX;
/// One pending change per channel: each contact gets its own code and its own verified flag.
pub use drop_domain::keys::{OTP_EMAIL_SK, OTP_PHONE_SK};
pub const CODE_TTL_SECS: i64 = 600;
pub const MAX_ATTEMPTS: i64 = 5;

fn otp_sk(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => OTP_PHONE_SK,
        Channel::Email => OTP_EMAIL_SK,
    }
}

/// A code is bound to its user and its channel: the SMS code cannot verify the e-mail address.
async fn code_hash(crypto: &Crypto, user_id: &str, channel: Channel, code: &str) -> Result<String, AuthError> {
    let c = if channel == Channel::Sms { "sms" } else { "email" };
    Ok(crypto.blind_index("otp", &format!("{user_id}:{c}:{code}")).await?)
}

fn new_code() -> String {
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
}

fn code_message(code: &str) -> Secret<String> {
    Secret::new(format!("Your Drop code is {code}. It expires in 10 minutes."))
}

/// Stores a pending contact under its channel's code and sends the code to it.
async fn send_code(
    table: &dyn Table,
    crypto: &Crypto,
    notifier: &dyn Notifier,
    user_id: &str,
    channel: Channel,
    value: &str,
    now: i64,
) -> Result<(), AuthError> {
    let (pk, sk) = (user_pk(user_id), otp_sk(channel));
    let code = new_code();
    let attr = if channel == Channel::Sms { "phone" } else { "email" };
    let mut item = Item::new(&pk, sk)
        .with(attr::CODE_HASH, code_hash(crypto, user_id, channel, &code).await?)
        .with(attr::ATTEMPTS, 0)
        .with(TTL_ATTR, now + CODE_TTL_SECS)
        .with(attr, crypto.encrypt(aad(&pk, sk, attr), value.as_bytes()).await?);
    if channel == Channel::Sms {
        item.set(attr::PHONE_BI, crypto.blind_index("phone", value).await?);
    }
    table.put(item, None).await?;
    Ok(notifier.send(channel, &Secret::new(value.to_owned()), &code_message(&code)).await?)
}

/// Starts verification of new contact details: a code to the new phone and another to the new
/// e-mail address (`None` keeps the current one). Returns the channels a code went to.
///
/// A phone number another user has verified gets the same answer as a free one (no enumeration);
/// nobody gets a code for it, and the number's owner is told by SMS.
pub async fn request(
    table: &dyn Table,
    crypto: &Crypto,
    notifier: &dyn Notifier,
    user_id: &str,
    phone: Option<&str>,
    email: Option<&str>,
    now: i64,
) -> Result<Vec<Channel>, AuthError> {
    let phone = phone.map(normalise_mobile).transpose().map_err(|_| AuthError::Invalid("phone"))?;
    let email = email.map(normalise_email).transpose().map_err(|_| AuthError::Invalid("email"))?;
    if phone.is_none() && email.is_none() {
        return Err(AuthError::Invalid("phone or email"));
    }
    let mut sent = Vec::new();
    if let Some(p) = &phone {
        let bi = crypto.blind_index("phone", p).await?;
        let owner = table.get(&Key::new(drop_domain::keys::phone_pk(&bi), drop_domain::keys::UNIQUE_SK)).await?;
        match owner.as_ref().and_then(|o| o.s(attr::USER_ID)) {
            Some(other) if other != user_id => {
                // Looks pending like any other change (profile, attempts), but no code can match.
                let decoy = Item::new(user_pk(user_id), OTP_PHONE_SK)
                    .with(attr::CODE_HASH, "none")
                    .with(attr::ATTEMPTS, 0)
                    .with(TTL_ATTR, now + CODE_TTL_SECS);
                table.put(decoy, None).await?;
                let note = "Someone tried to add this number to another Drop account. If it was you, log in with the account that has it; otherwise ignore this message.";
                notifier.send(Channel::Sms, &Secret::new(p.clone()), &Secret::new(note.to_owned())).await?;
            }
            _ => send_code(table, crypto, notifier, user_id, Channel::Sms, p, now).await?,
        }
        sent.push(Channel::Sms);
    }
    if let Some(e) = &email {
        send_code(table, crypto, notifier, user_id, Channel::Email, e, now).await?;
        sent.push(Channel::Email);
    }
    Ok(sent)
}

/// Checks the code of one channel (`None`: the phone's if one is pending, else the e-mail's); on
/// success that contact becomes the user's, verified. The user is active once both are verified.
pub async fn verify(
    table: &dyn Table,
    crypto: &Crypto,
    user_id: &str,
    channel: Option<Channel>,
    code: &str,
) -> Result<(), AuthError> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AuthError::Invalid("code"));
    }
    let pk = user_pk(user_id);
    let channel = match channel {
        Some(c) => c,
        None if table.get(&Key::new(&pk, OTP_PHONE_SK)).await?.is_some() => Channel::Sms,
        None => Channel::Email,
    };
    let sk = otp_sk(channel);
    let otp_key = Key::new(&pk, sk);
    // Count the attempt first, so parallel guesses cannot exceed the limit.
    let item = match table
        .update(Update::new(otp_key.clone()).add(attr::ATTEMPTS, 1).when(Condition::present().and(Condition::cmp(
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
    let expected = item.s(attr::CODE_HASH).unwrap_or_default();
    if !ct_eq(code_hash(crypto, user_id, channel, code).await?.as_bytes(), expected.as_bytes()) {
        return Err(if item.n(attr::ATTEMPTS).unwrap_or(0) >= MAX_ATTEMPTS {
            AuthError::Attempts
        } else {
            AuthError::Code
        });
    }
    let profile_key = Key::new(&pk, PROFILE_SK);
    let profile = table.get(&profile_key).await?.ok_or(AuthError::NotFound)?;
    let mut update = Update::new(profile_key.clone()).when(Condition::present());
    let mut ops = Vec::new();
    match (channel, item.s(attr::PHONE), item.s(attr::PHONE_BI), item.s(attr::EMAIL)) {
        (Channel::Sms, Some(ct), Some(bi), _) => {
            let phone = crypto.decrypt(aad(&pk, sk, attr::PHONE), ct).await?;
            let moved = crypto.encrypt(aad(&pk, PROFILE_SK, attr::PHONE), phone.expose()).await?;
            update = update.set(attr::PHONE, moved).set(attr::PHONE_BI, bi).set(attr::PHONE_VERIFIED, true);
            let unique = crate::subject::owned_by(
                Item::new(drop_domain::keys::phone_pk(bi), drop_domain::keys::UNIQUE_SK),
                user_id,
            );
            ops.push(TxOp::Put {
                item: unique,
                condition: Some(Condition::absent().or(Condition::eq(attr::USER_ID, user_id))),
            });
            if let Some(old) = profile.s(attr::PHONE_BI).filter(|old| *old != bi) {
                ops.push(TxOp::Delete {
                    key: Key::new(drop_domain::keys::phone_pk(old), drop_domain::keys::UNIQUE_SK),
                    condition: Some(Condition::eq(attr::USER_ID, user_id)),
                });
            }
        }
        (Channel::Email, _, _, Some(ct)) => {
            let email = crypto.decrypt(aad(&pk, sk, attr::EMAIL), ct).await?;
            let moved = crypto.encrypt(aad(&pk, PROFILE_SK, attr::EMAIL), email.expose()).await?;
            update = update.set(attr::EMAIL, moved).set(attr::EMAIL_VERIFIED, true);
        }
        _ => return Err(AuthError::Code),
    }
    ops.push(TxOp::Update(update));
    ops.push(TxOp::Delete { key: otp_key, condition: Some(Condition::present()) });
    match table.transact(ops).await {
        Ok(()) => {}
        Err(TableError::TransactionCanceled { .. }) => return Err(AuthError::Taken),
        Err(e) => return Err(e.into()),
    }
    // Active once both contacts are verified (whichever verification comes second does it); only
    // from onboarding: a suspended or closed user stays so.
    use drop_domain::lifecycle::user::{transition, Event, Status};
    let from = Status::Onboarding;
    let to = transition(from, Event::ContactsVerified).map_err(|_| AuthError::Code)?;
    let both = Condition::eq(attr::PHONE_VERIFIED, true)
        .and(Condition::eq(attr::EMAIL_VERIFIED, true))
        .and(Condition::eq(attr::STATUS, from.as_str()));
    match table.update(Update::new(profile_key).set(attr::STATUS, to.as_str()).when(both)).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_condition_failed() => Ok(()),
        Err(e) => Err(e.into()),
    }
}
