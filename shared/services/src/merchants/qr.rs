//! A merchant's QR codes: static (the payer enters the amount; reused) or dynamic (an amount, one
//! payment, an expiry). The payload is Drop's EMVCo profile (`drop_domain::qr::drop`) with the
//! code's id as the reference (`62/05`), so a scan finds the code, its merchant and its state.

use super::{Merchant, MerchantError};
use crate::table::{Condition, Item, Key, Query, Table, TxOp};
use drop_domain::keys;
use drop_domain::keys::attr;
use drop_domain::lifecycle::merchant::Status as MerchantStatus;
use drop_domain::qr::drop::{self as profile, Code, Payee};

/// A dynamic code lives this long unless asked otherwise (seconds), and at most a day.
pub const DEFAULT_TTL: i64 = 15 * 60;
pub const MAX_TTL: i64 = 24 * 3600;
/// The largest amount a code may ask for (NOK minor units): the per-payment limit.
pub const MAX_AMOUNT: i64 = 2_500_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Static,
    Dynamic,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Static => "static",
            Kind::Dynamic => "dynamic",
        }
    }
}

/// A code as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct QrCode {
    pub id: String,
    pub merchant_id: String,
    pub kind: Kind,
    pub payload: String,
    /// NOK minor units (dynamic codes).
    pub amount: Option<i64>,
    pub expires_at: Option<i64>,
    /// `active` until a dynamic code is paid (`paid`).
    pub status: String,
    /// The payment a dynamic code is being paid by (set at its confirmation; cleared if it fails).
    pub claimed_by: Option<String>,
    pub created_at: i64,
}

impl QrCode {
    pub fn from_item(i: &Item) -> Option<QrCode> {
        Some(QrCode {
            id: i.s(attr::QR_ID)?.to_owned(),
            merchant_id: i.s(attr::MERCHANT_ID)?.to_owned(),
            kind: if i.s(attr::KIND)? == "dynamic" { Kind::Dynamic } else { Kind::Static },
            payload: i.s(attr::PAYLOAD)?.to_owned(),
            amount: i.n(attr::AMOUNT),
            // Codes made before 2026-12-02 kept it in `expires_at`.
            expires_at: i.n(attr::VALID_UNTIL).or_else(|| i.n("expires_at")),
            status: i.s(attr::STATUS)?.to_owned(),
            claimed_by: i.s(attr::CLAIMED_BY).map(str::to_owned),
            created_at: i.n(attr::CREATED_AT)?,
        })
    }
}

pub fn new_id() -> String {
    format!("qr_{}", crate::ids::ulid())
}

/// A code id as [`new_id`] makes them (checked before one reaches a key).
pub fn is_id(id: &str) -> bool {
    id.strip_prefix("qr_").is_some_and(|u| u.len() == 26 && u.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Makes a code for an active merchant: `amount` (NOK minor units) makes it dynamic, expiring
/// after `ttl` seconds (default 15 minutes, at most a day); none makes it static.
pub async fn create(
    table: &dyn Table,
    merchant: &Merchant,
    amount: Option<i64>,
    ttl: Option<i64>,
    now: i64,
) -> Result<QrCode, MerchantError> {
    if amount.is_some_and(|a| !(1..=MAX_AMOUNT).contains(&a)) {
        return Err(MerchantError::Invalid("amount"));
    }
    let expires_at = match (amount, ttl) {
        (None, Some(_)) => return Err(MerchantError::Invalid("expiresInSeconds")),
        (None, None) => None,
        (Some(_), Some(t)) if !(60..=MAX_TTL).contains(&t) => return Err(MerchantError::Invalid("expiresInSeconds")),
        (Some(_), t) => Some(now + t.unwrap_or(DEFAULT_TTL)),
    };
    if merchant.status != MerchantStatus::Active {
        return Err(MerchantError::MerchantInactive);
    }
    let id = new_id();
    let code = Code {
        payee: Payee::Merchant(merchant.id.clone()),
        amount,
        reference: Some(id.clone()),
        mcc: merchant.mcc.clone(),
        name: merchant.name.clone(),
        city: merchant.city.clone(),
    };
    // A stored merchant always encodes (its name and town are not empty): if not, it is ours.
    let payload = profile::encode(&code).map_err(|e| {
        MerchantError::Storage(crate::table::TableError::Corrupt(format!("merchant {}: {e}", merchant.id)))
    })?;
    let kind = if amount.is_some() { Kind::Dynamic } else { Kind::Static };
    let mut item = Item::new(keys::merchant_pk(&merchant.id), keys::qr_sk(&id))
        .with(attr::QR_ID, id.as_str())
        .with(attr::MERCHANT_ID, merchant.id.as_str())
        .with(attr::KIND, kind.as_str())
        .with(attr::PAYLOAD, payload.as_str())
        .with(attr::STATUS, "active")
        .with(attr::CREATED_AT, now);
    if let Some(a) = amount {
        item = item.with(attr::AMOUNT, a);
    }
    if let Some(e) = expires_at {
        // Not `expires_at`: that is the table's TTL attribute, and an expired code must stay
        // (its payments refer to it; a scan of it is answered `qr-expired`).
        item = item.with(attr::VALID_UNTIL, e);
    }
    // Written only while the merchant is still active (a suspension meanwhile wins).
    let still_active = TxOp::ConditionCheck {
        key: Key::new(keys::merchant_pk(&merchant.id), keys::MERCHANT_SK),
        condition: Condition::eq(attr::STATUS, MerchantStatus::Active.as_str()),
    };
    match table.transact(vec![still_active, TxOp::Put { item, condition: Some(Condition::absent()) }]).await {
        Ok(()) => {}
        Err(crate::table::TableError::TransactionCanceled { .. }) => return Err(MerchantError::MerchantInactive),
        Err(e) => return Err(e.into()),
    }
    Ok(QrCode {
        id,
        merchant_id: merchant.id.clone(),
        kind,
        payload,
        amount,
        expires_at,
        status: "active".into(),
        claimed_by: None,
        created_at: now,
    })
}

/// A merchant's codes, newest first.
pub async fn list(table: &dyn Table, merchant_id: &str, limit: u32) -> Result<Vec<QrCode>, MerchantError> {
    let page = table
        .query(Query::partition(keys::merchant_pk(merchant_id)).prefix(keys::QR_PREFIX).backward().limit(limit))
        .await?;
    Ok(page.items.iter().filter_map(QrCode::from_item).collect())
}
