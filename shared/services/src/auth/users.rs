//! Users. Every piece of PII (national id, BankID PID, names, birth date, phone, e-mail) is
//! stored encrypted with associated data binding it to its item and attribute; lookups and
//! uniqueness go through blind indexes (`NIN#`, `PID#`, `PHONE#` items).

use super::login::IdClaims;
use super::AuthError;
use crate::crypto::Crypto;
use crate::table::{CancelReason, Condition, Item, Key, Query, Table, TableError, TxOp, Update};
use drop_domain::keys::attr;
use drop_domain::lifecycle::user::Status as UserStatus;
use drop_domain::nin::Nin;
use drop_domain::role::Role;
use drop_domain::Secret;

/// The table name bound into ciphertexts: logical, so data survives a physical rename.
pub use crate::crypto::{aad, AAD_TABLE};
pub use drop_domain::keys::PROFILE_SK;
/// Every user's profile is listed under this gsi3 partition, for re-screening.
pub use drop_domain::keys::SCREEN_USERS_GSI as SCREEN_PARTITION;

pub fn user_pk(user_id: &str) -> String {
    drop_domain::keys::user_pk(user_id)
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub user_id: String,
    pub role: Role,
    pub status: String,
    pub created: bool,
}

fn record(item: &Item, created: bool) -> Option<UserRecord> {
    Some(UserRecord {
        user_id: item.s(attr::USER_ID)?.to_owned(),
        role: item.s(attr::ROLE).and_then(Role::parse)?,
        status: item.s(attr::STATUS)?.to_owned(),
        created,
    })
}

pub async fn get(table: &dyn Table, user_id: &str) -> Result<Option<UserRecord>, AuthError> {
    Ok(table.get(&Key::new(user_pk(user_id), PROFILE_SK)).await?.and_then(|i| record(&i, false)))
}

async fn put_enc(
    crypto: &Crypto,
    item: &mut Item,
    attribute: &str,
    value: Option<&Secret<String>>,
) -> Result<(), AuthError> {
    if let Some(v) = value {
        let pk = item.s(attr::PK).unwrap_or_default().to_owned();
        let sk = item.s(attr::SK).unwrap_or_default().to_owned();
        let ct = crypto.encrypt_str(aad(&pk, &sk, attribute), v).await?;
        item.set(attribute, ct);
    }
    Ok(())
}

/// Finds the user with this national identity number, or creates one (status `onboarding`).
pub async fn find_or_create(
    table: &dyn Table,
    crypto: &Crypto,
    nin: &Nin,
    claims: &IdClaims,
    now: i64,
) -> Result<UserRecord, AuthError> {
    let nin_bi = crypto.blind_index("nin", &nin.digits()).await?;
    let unique = Key::new(drop_domain::keys::nin_pk(&nin_bi), drop_domain::keys::UNIQUE_SK);
    for _ in 0..2 {
        if let Some(u) = table.get(&unique).await? {
            let id = u.s(attr::USER_ID).unwrap_or_default().to_owned();
            let item = table.get(&Key::new(user_pk(&id), PROFILE_SK)).await?.ok_or(AuthError::NotFound)?;
            return record(&item, false).ok_or(AuthError::NotFound);
        }
        let user_id = format!("usr_{}", ulid::Ulid::new());
        let pk = user_pk(&user_id);
        let mut profile = Item::new(&pk, PROFILE_SK)
            .with(attr::USER_ID, user_id.clone())
            .with(attr::ROLE, Role::User.as_str())
            .with(attr::STATUS, UserStatus::Onboarding.as_str())
            .with("nin_kind", nin.kind().as_str())
            .with(attr::PHONE_VERIFIED, false)
            .with(attr::EMAIL_VERIFIED, false)
            .with(attr::CREATED_AT, now)
            .with(attr::GSI3PK, SCREEN_PARTITION)
            .with(attr::GSI3SK, user_id.clone());
        put_enc(crypto, &mut profile, attr::NIN, Some(&Secret::new(nin.digits()))).await?;
        put_enc(crypto, &mut profile, attr::PID, claims.pid.as_ref()).await?;
        put_enc(crypto, &mut profile, attr::NAME, claims.name.as_ref()).await?;
        put_enc(crypto, &mut profile, attr::GIVEN_NAME, claims.given_name.as_ref()).await?;
        put_enc(crypto, &mut profile, attr::FAMILY_NAME, claims.family_name.as_ref()).await?;
        let birth = nin.birth_date().map(|d| d.to_string()).or(claims.birthdate.clone());
        put_enc(crypto, &mut profile, attr::BIRTHDATE, birth.map(Secret::new).as_ref()).await?;
        let mut ops = vec![
            TxOp::Put {
                item: crate::subject::owned_by(Item::new(&unique.pk, drop_domain::keys::UNIQUE_SK), &user_id),
                condition: Some(Condition::absent()),
            },
            TxOp::Put { item: profile.clone(), condition: Some(Condition::absent()) },
        ];
        if let Some(pid) = &claims.pid {
            let pid_bi = crypto.blind_index("pid", pid.expose()).await?;
            ops.push(TxOp::Put {
                item: crate::subject::owned_by(
                    Item::new(drop_domain::keys::pid_pk(&pid_bi), drop_domain::keys::UNIQUE_SK),
                    &user_id,
                ),
                condition: None,
            });
        }
        match table.transact(ops).await {
            Ok(()) => return record(&profile, true).ok_or(AuthError::NotFound),
            // Someone created this person meanwhile: read theirs.
            Err(TableError::TransactionCanceled { reasons })
                if matches!(reasons.first(), Some(Some(CancelReason::ConditionFailed { .. }))) =>
            {
                continue
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AuthError::Taken)
}

/// The profile as the user sees it (decrypted).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub user_id: String,
    pub status: String,
    pub role: &'static str,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub birthdate: Option<String>,
    pub phone: Option<String>,
    pub phone_verified: bool,
    pub email: Option<String>,
    pub email_verified: bool,
    /// A phone or e-mail change waiting for its code.
    pub pending_verification: bool,
}

pub async fn profile(table: &dyn Table, crypto: &Crypto, user_id: &str) -> Result<Profile, AuthError> {
    let pk = user_pk(user_id);
    let item = table.get(&Key::new(&pk, PROFILE_SK)).await?.ok_or(AuthError::NotFound)?;
    let dec = |attr: &'static str| {
        let v = item.s(attr).map(str::to_owned);
        let pk = pk.clone();
        async move {
            match v {
                Some(ct) => crypto.decrypt_str(aad(&pk, PROFILE_SK, attr), &ct).await.map(|s| Some(s.expose().clone())),
                None => Ok(None),
            }
        }
    };
    let pending =
        !table.query(Query::partition(&pk).prefix(drop_domain::keys::OTP_PREFIX).limit(2)).await?.items.is_empty();
    Ok(Profile {
        user_id: user_id.to_owned(),
        status: item.s(attr::STATUS).unwrap_or(UserStatus::Onboarding.as_str()).to_owned(),
        role: item.s(attr::ROLE).and_then(Role::parse).unwrap_or(Role::User).as_str(),
        name: dec(attr::NAME).await?,
        given_name: dec(attr::GIVEN_NAME).await?,
        family_name: dec(attr::FAMILY_NAME).await?,
        birthdate: dec(attr::BIRTHDATE).await?,
        phone: dec(attr::PHONE).await?,
        phone_verified: item.get("phone_verified") == Some(&crate::table::Value::Bool(true)),
        email: dec(attr::EMAIL).await?,
        email_verified: item.get("email_verified") == Some(&crate::table::Value::Bool(true)),
        pending_verification: pending,
    })
}

/// The user's status (`onboarding`, `active`), None for no such user.
pub async fn status(table: &dyn Table, user_id: &str) -> Result<Option<String>, AuthError> {
    let item = table.get(&Key::new(user_pk(user_id), PROFILE_SK)).await?;
    Ok(item.map(|i| i.s(attr::STATUS).unwrap_or(UserStatus::Onboarding.as_str()).to_owned()))
}

/// Changes a user's role (admin operation).
pub async fn set_role(table: &dyn Table, user_id: &str, role: Role) -> Result<(), AuthError> {
    table
        .update(
            Update::new(Key::new(user_pk(user_id), PROFILE_SK))
                .set(attr::ROLE, role.as_str())
                .when(Condition::present()),
        )
        .await?;
    Ok(())
}

/// An operator gives a user a role (outside the public API: `drop-local grant-role`, or the
/// role-administration path in AWS), audited on the user's chain and on `SYSTEM`'s. Fails for an
/// unknown user; the user's next login carries the role.
pub async fn grant_role(
    table: &dyn Table,
    audit: &dyn Table,
    user_id: &str,
    role: Role,
    operator: &str,
    now: i64,
) -> Result<Option<Role>, AuthError> {
    let before = get(table, user_id).await?.ok_or(AuthError::NotFound)?.role;
    set_role(table, user_id, role).await?;
    let at = drop_domain::time::rfc3339_epoch(now);
    let details = serde_json::json!({"user": user_id, "from": before.as_str(), "to": role.as_str()});
    for subject in [user_id, "SYSTEM"] {
        let e = crate::audit::NewEntry {
            subject,
            action: "role.granted",
            actor: operator,
            ip: None,
            details: details.clone(),
        };
        crate::audit::append(audit, &at, e).await?;
    }
    Ok((before != role).then_some(before))
}

/// User settings: plain preferences, no PII.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    pub language: Language,
    pub notifications: NotificationSettings,
    pub marketing_consent: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Nb,
    Nn,
    En,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NotificationSettings {
    pub email: bool,
    pub sms: bool,
    pub push: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            language: Language::Nb,
            notifications: NotificationSettings { email: true, sms: true, push: true },
            marketing_consent: false,
        }
    }
}

pub async fn settings(table: &dyn Table, user_id: &str) -> Result<Settings, AuthError> {
    let item = table.get(&Key::new(user_pk(user_id), drop_domain::keys::SETTINGS_SK)).await?;
    Ok(item.and_then(|i| serde_json::from_str(i.s(attr::DOC)?).ok()).unwrap_or_default())
}

pub async fn save_settings(table: &dyn Table, user_id: &str, s: &Settings) -> Result<(), AuthError> {
    let doc = serde_json::to_string(s).map_err(|_| AuthError::Invalid("settings"))?;
    table.put(Item::new(user_pk(user_id), drop_domain::keys::SETTINGS_SK).with(attr::DOC, doc), None).await?;
    Ok(())
}
