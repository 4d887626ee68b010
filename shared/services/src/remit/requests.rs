//! Person-to-person payment requests: a Drop user asks to be paid (an amount, or one the payer
//! enters; a message) with a QR code in Drop's profile (`Payee::Request`, the request's id as
//! reference, their name as the payee). Another Drop user scans it (`qr_initiate` recognises
//! requests) and pays by PSD2 initiation straight to the requester's linked account: the money
//! never passes through Drop (no ledger postings). A request is paid once; it expires.
//! The payload (it names the requester) and the message are encrypted at rest.

use super::{accounts, RemitError};
use crate::crypto::{aad, Crypto};
use crate::table::{Condition, Item, Key, Query, Table};
use drop_domain::keys;
use drop_domain::keys::attr;
use drop_domain::qr::drop::{self as profile, Code, Payee};
use drop_domain::Secret;

/// A request lives a day unless asked otherwise, at most a week.
pub const DEFAULT_TTL: i64 = 24 * 3600;
pub const MAX_TTL: i64 = 7 * 24 * 3600;
pub const MAX_MESSAGE_CHARS: usize = 140;

#[derive(Debug, Clone, PartialEq)]
pub struct PaymentRequest {
    pub id: String,
    pub user_id: String,
    /// The requester's linked account the money goes to.
    pub account_id: String,
    /// NOK minor units; none: the payer enters it.
    pub amount: Option<i64>,
    pub message: Option<String>,
    pub payload: String,
    /// `active`, or `paid`.
    pub status: String,
    /// The payment paying it (set at its confirmation; cleared if it fails).
    pub claimed_by: Option<String>,
    /// When paid: the payment and its amount.
    pub paid: Option<(String, i64)>,
    pub valid_until: i64,
    pub created_at: i64,
}

pub fn new_id() -> String {
    format!("req_{}", crate::ids::ulid())
}

pub fn is_id(id: &str) -> bool {
    id.strip_prefix("req_").is_some_and(|u| u.len() == 26 && u.bytes().all(|b| b.is_ascii_alphanumeric()))
}

pub fn key(user_id: &str, request_id: &str) -> Key {
    Key::new(keys::user_pk(user_id), keys::payment_request_sk(request_id))
}

/// A stored request, its payload and message decrypted.
pub async fn read(crypto: &Crypto, i: &Item) -> Result<Option<PaymentRequest>, RemitError> {
    let (Some(pk), Some(sk)) = (i.s(attr::PK), i.s(attr::SK)) else { return Ok(None) };
    let (Some(id), Some(user_id), Some(account_id), Some(ct)) =
        (i.s(attr::REQUEST_ID), i.s(attr::USER_ID), i.s(attr::ACCOUNT_ID), i.s(attr::PAYLOAD))
    else {
        return Ok(None);
    };
    let payload = crypto.decrypt_str(aad(pk, sk, attr::PAYLOAD), ct).await?.expose().clone();
    let message = match i.s(attr::MESSAGE) {
        Some(ct) => Some(crypto.decrypt_str(aad(pk, sk, attr::MESSAGE), ct).await?.expose().clone()),
        None => None,
    };
    let (Some(valid_until), Some(created_at)) = (i.n(attr::VALID_UNTIL), i.n(attr::CREATED_AT)) else {
        return Ok(None);
    };
    Ok(Some(PaymentRequest {
        id: id.to_owned(),
        user_id: user_id.to_owned(),
        account_id: account_id.to_owned(),
        amount: i.n(attr::AMOUNT),
        message,
        payload,
        status: i.s(attr::STATUS).unwrap_or("active").to_owned(),
        claimed_by: i.s(attr::CLAIMED_BY).map(str::to_owned),
        paid: i.s(attr::PAID_BY).map(str::to_owned).zip(i.n(attr::PAID_AMOUNT)),
        valid_until,
        created_at,
    }))
}

/// What a person asks for.
pub struct Ask<'a> {
    pub user_id: &'a str,
    /// How the code names them (their name from BankID).
    pub name: &'a str,
    pub account_id: &'a str,
    pub amount: Option<i64>,
    pub message: Option<&'a str>,
    pub ttl: Option<i64>,
}

/// Makes a request to be paid to one of the requester's linked accounts.
pub async fn create(
    table: &dyn Table,
    crypto: &Crypto,
    ask: &Ask<'_>,
    max_amount: i64,
    now: i64,
) -> Result<PaymentRequest, RemitError> {
    if ask.amount.is_some_and(|a| !(1..=max_amount).contains(&a)) {
        return Err(RemitError::Invalid("amount"));
    }
    let ttl = ask.ttl.unwrap_or(DEFAULT_TTL);
    if !(60..=MAX_TTL).contains(&ttl) {
        return Err(RemitError::Invalid("expiresInSeconds"));
    }
    let message = ask.message.map(str::trim).filter(|m| !m.is_empty());
    if message.is_some_and(|m| m.chars().count() > MAX_MESSAGE_CHARS || !drop_domain::text::is_clean(m)) {
        return Err(RemitError::Invalid("message"));
    }
    // The account is theirs (404 otherwise), and they may receive money (not under an AML hold:
    // declined without a reason, as payments are).
    accounts::debtor(table, crypto, ask.user_id, ask.account_id).await?;
    let profile = table.get(&Key::new(keys::user_pk(ask.user_id), keys::PROFILE_SK)).await?;
    if profile.as_ref().is_none_or(crate::holds::is_held) {
        return Err(RemitError::Declined);
    }
    let id = new_id();
    let code = Code {
        payee: Payee::Request(id.clone()),
        amount: ask.amount,
        reference: Some(id.clone()),
        mcc: "0000".into(),
        name: ask.name.to_owned(),
        city: "NORGE".into(),
    };
    let payload = profile::encode(&code).map_err(|_| RemitError::Invalid("name"))?;
    let k = key(ask.user_id, &id);
    let mut item = Item::new(&k.pk, &k.sk)
        .with(attr::REQUEST_ID, id.as_str())
        .with(attr::USER_ID, ask.user_id)
        .with(attr::ACCOUNT_ID, ask.account_id)
        .with(attr::STATUS, "active")
        .with(attr::VALID_UNTIL, now + ttl)
        .with(attr::CREATED_AT, now)
        .with(attr::GSI1PK, keys::payment_id_gsi(&id))
        .with(attr::GSI1SK, "PAYREQ");
    let sealed = crypto.encrypt_str(aad(&k.pk, &k.sk, attr::PAYLOAD), &Secret::new(payload.clone())).await?;
    item = item.with(attr::PAYLOAD, sealed);
    if let Some(m) = message {
        item = item.with(
            attr::MESSAGE,
            crypto.encrypt_str(aad(&k.pk, &k.sk, attr::MESSAGE), &Secret::new(m.to_owned())).await?,
        );
    }
    if let Some(a) = ask.amount {
        item = item.with(attr::AMOUNT, a);
    }
    table.put(item.clone(), Some(Condition::absent())).await?;
    read(crypto, &item).await?.ok_or(RemitError::NotFound)
}

/// A person's requests, newest first.
pub async fn list(
    table: &dyn Table,
    crypto: &Crypto,
    user_id: &str,
    limit: u32,
) -> Result<Vec<PaymentRequest>, RemitError> {
    let page = table
        .query(Query::partition(keys::user_pk(user_id)).prefix(keys::PAYMENT_REQUEST_PREFIX).backward().limit(limit))
        .await?;
    let mut out = Vec::with_capacity(page.items.len());
    for i in &page.items {
        out.extend(read(crypto, i).await?);
    }
    Ok(out)
}

/// A request by id alone (a scan).
pub async fn find(table: &dyn Table, crypto: &Crypto, id: &str) -> Result<Option<PaymentRequest>, RemitError> {
    if !is_id(id) {
        return Ok(None);
    }
    let page = table.query(Query::partition(keys::payment_id_gsi(id)).on_index("gsi1").limit(1)).await?;
    match page.items.first() {
        Some(i) => read(crypto, i).await,
        None => Ok(None),
    }
}
