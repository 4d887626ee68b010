//! Linked bank accounts through a PSD2 AIS consent: the user approves at their bank, the bank
//! sends the browser back with our one-time link state, and the accounts are stored (IBAN and
//! BBAN encrypted) with the consent's expiry. Removing an account revokes its consent.

use super::ports::Bank;
use super::RemitError;
use crate::crypto::aad;
use crate::crypto::Crypto;
use crate::digest::{random_token, sha256_hex};
use crate::table::{Condition, Item, Key, Query, Table, TableError, TTL_ATTR};
use drop_domain::keys::attr;
use drop_domain::Secret;

pub const LINK_TTL_SECS: i64 = 900;

fn link_key(state: &str) -> Key {
    Key::new(drop_domain::keys::ais_link_pk(&sha256_hex(state.as_bytes())), drop_domain::keys::AIS_LINK_SK)
}

fn provider_err(e: super::ports::ProviderError) -> RemitError {
    match e {
        super::ports::ProviderError::Transient(m) => RemitError::Bank(m),
        super::ports::ProviderError::Rejected(m) => RemitError::BankRefused(m),
    }
}

/// Starts linking: a consent at the bank; returns the bank's SCA URL.
pub async fn start(
    table: &dyn Table,
    bank: &dyn Bank,
    user_id: &str,
    psu_ip: &str,
    callbacks: &dyn super::ports::CallbackUrls,
    now: i64,
) -> Result<(String, String), RemitError> {
    let state = random_token(24);
    let redirect = callbacks.accounts_return(&state);
    let consent = bank.create_consent(psu_ip, &redirect).await.map_err(provider_err)?;
    let key = link_key(&state);
    let item = crate::subject::owned_by(Item::new(key.pk, key.sk), user_id)
        .with(attr::CONSENT_ID, consent.id)
        .with(TTL_ATTR, now + LINK_TTL_SECS);
    table.put(item, Some(Condition::absent())).await?;
    Ok((consent.sca_url, state))
}

#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    pub id: String,
    pub name: String,
    pub currency: String,
    /// IBAN with all but the last four characters hidden.
    pub account: String,
    pub consent_valid_until: String,
}

/// The bank's redirect back: consumes the link state, reads the consent and stores the accounts.
/// Returns the user and how many accounts were linked.
pub async fn finish(
    table: &dyn Table,
    crypto: &Crypto,
    bank: &dyn Bank,
    state: &str,
    now: i64,
) -> Result<(String, usize), RemitError> {
    let key = link_key(state);
    let link = table.get(&key).await?.ok_or(RemitError::NotFound)?;
    match table.delete(&key, Some(Condition::present())).await {
        Ok(()) => {}
        Err(TableError::ConditionFailed { .. }) => return Err(RemitError::NotFound),
        Err(e) => return Err(e.into()),
    }
    let user_id = link.s(attr::USER_ID).unwrap_or_default().to_owned();
    let consent_id = link.s(attr::CONSENT_ID).unwrap_or_default().to_owned();
    let (status, valid_until) = bank.consent(&consent_id).await.map_err(provider_err)?;
    if status != "valid" {
        return Err(RemitError::BankRefused(format!("consent {status}")));
    }
    let accounts = bank.accounts(&consent_id).await.map_err(provider_err)?;
    let pk = drop_domain::keys::user_pk(&user_id);
    for a in &accounts {
        let Some(bban) = a.bban.as_ref().or(a.iban.as_ref()) else { continue };
        // Stable per user and account: linking again refreshes the same item.
        let id =
            format!("acc_{}", &crypto.blind_index("account", &format!("{user_id}:{}", bban.expose())).await?[..26]);
        let sk = drop_domain::keys::account_sk(&id);
        let mut item = Item::new(&pk, &sk)
            .with(attr::ACCOUNT_ID, id.clone())
            .with(attr::NAME, a.name.clone())
            .with(attr::CURRENCY, a.currency.clone())
            .with(attr::CONSENT_ID, consent_id.clone())
            .with(attr::CONSENT_VALID_UNTIL, valid_until.clone())
            .with("linked_at", now);
        if let Some(i) = &a.iban {
            item.set(attr::IBAN, crypto.encrypt(aad(&pk, &sk, attr::IBAN), i.expose().as_bytes()).await?);
        }
        if let Some(b) = &a.bban {
            item.set(attr::BBAN, crypto.encrypt(aad(&pk, &sk, attr::BBAN), b.expose().as_bytes()).await?);
        }
        table.put(item, None).await?;
    }
    Ok((user_id, accounts.len()))
}

fn masked(s: &str) -> String {
    let n = s.chars().count();
    s.chars().enumerate().map(|(i, c)| if i + 4 < n { '•' } else { c }).collect()
}

pub async fn list(table: &dyn Table, crypto: &Crypto, user_id: &str) -> Result<Vec<AccountView>, RemitError> {
    let pk = drop_domain::keys::user_pk(user_id);
    let page = table.query(Query::partition(&pk).prefix(drop_domain::keys::ACCOUNT_PREFIX).limit(100)).await?;
    let mut out = Vec::new();
    for i in &page.items {
        let sk = i.s(attr::SK).unwrap_or_default();
        let shown = match i.s(attr::IBAN).or(i.s(attr::BBAN)) {
            Some(ct) => {
                let attr = if i.s(attr::IBAN).is_some() { "iban" } else { "bban" };
                crypto.decrypt_str(aad(&pk, sk, attr), ct).await?.expose().clone()
            }
            None => String::new(),
        };
        out.push(AccountView {
            id: i.s(attr::ACCOUNT_ID).unwrap_or_default().to_owned(),
            name: i.s(attr::NAME).unwrap_or_default().to_owned(),
            currency: i.s(attr::CURRENCY).unwrap_or_default().to_owned(),
            account: masked(&shown),
            consent_valid_until: i.s(attr::CONSENT_VALID_UNTIL).unwrap_or_default().to_owned(),
        });
    }
    Ok(out)
}

/// The account's BBAN (or IBAN) for a payment order.
pub async fn debtor(
    table: &dyn Table,
    crypto: &Crypto,
    user_id: &str,
    account_id: &str,
) -> Result<Secret<String>, RemitError> {
    let pk = drop_domain::keys::user_pk(user_id);
    let sk = drop_domain::keys::account_sk(account_id);
    let item = table.get(&Key::new(&pk, &sk)).await?.ok_or(RemitError::NotFound)?;
    let (attr, ct) = match (item.s(attr::BBAN), item.s(attr::IBAN)) {
        (Some(b), _) => ("bban", b),
        (None, Some(i)) => ("iban", i),
        _ => return Err(RemitError::NotFound),
    };
    Ok(crypto.decrypt_str(aad(&pk, &sk, attr), ct).await?)
}

/// Removes an account; the consent is revoked at the bank when no other account uses it.
pub async fn remove(table: &dyn Table, bank: &dyn Bank, user_id: &str, account_id: &str) -> Result<(), RemitError> {
    let pk = drop_domain::keys::user_pk(user_id);
    let key = Key::new(&pk, drop_domain::keys::account_sk(account_id));
    let item = table.get(&key).await?.ok_or(RemitError::NotFound)?;
    let consent = item.s(attr::CONSENT_ID).unwrap_or_default().to_owned();
    table.delete(&key, Some(Condition::present())).await.map_err(|e| {
        if e.is_condition_failed() {
            RemitError::NotFound
        } else {
            e.into()
        }
    })?;
    let others = table.query(Query::partition(&pk).prefix(drop_domain::keys::ACCOUNT_PREFIX).limit(100)).await?;
    if !others.items.iter().any(|i| i.s(attr::CONSENT_ID) == Some(consent.as_str())) {
        bank.delete_consent(&consent).await.map_err(provider_err)?;
    }
    Ok(())
}
