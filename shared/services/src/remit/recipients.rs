//! Recipients: who money is sent to. Names and account numbers are stored encrypted; countries
//! with IBANs need a valid IBAN of that country (Norway also takes a kontonummer), others an
//! account number.

use super::ports::Beneficiary;
use super::RemitError;
use crate::crypto::aad;
use crate::crypto::Crypto;
use crate::table::{Condition, Item, Key, Query, Table};
use drop_domain::bank_account;
use drop_domain::keys::attr;
use drop_domain::{Currency, Secret};

pub const SUPPORTED: [&str; 8] = ["EUR", "USD", "GBP", "SEK", "DKK", "PLN", "PHP", "INR"];

#[derive(Debug, Clone)]
pub struct NewRecipient {
    pub name: String,
    pub country: String,
    pub currency: String,
    pub iban: Option<String>,
    pub account_number: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecipientView {
    pub id: String,
    pub name: String,
    pub country: String,
    pub currency: String,
    /// The account, all but the last four characters hidden.
    pub account: String,
}

fn sk(id: &str) -> String {
    drop_domain::keys::recipient_sk(id)
}

/// Latin letters, with diacritics: payout rails take Latin names, and screening then compares
/// names in the scripts it can transliterate (no slipping a listed name past it in another script).
fn latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || (c.is_alphabetic() && ('\u{C0}'..='\u{24F}').contains(&c) && c != '×' && c != '÷')
}

fn valid_name(n: &str) -> bool {
    let n = n.trim();
    (2..=70).contains(&n.chars().count())
        && n.split_whitespace().count() >= 2
        && n.split_whitespace().all(|w| w.chars().count() > 1 || w.ends_with('.'))
        && n.chars().all(|c| latin_letter(c) || matches!(c, ' ' | '-' | '\'' | '.'))
}

fn mask(account: &str) -> String {
    let n = account.chars().count();
    account.chars().enumerate().map(|(i, c)| if i + 4 < n { '•' } else { c }).collect()
}

/// Validates and normalises; returns (name, country, currency, iban, account number).
/// A checked recipient: name, country, currency, IBAN or account number.
pub type Checked = (String, String, Currency, Option<String>, Option<String>);

pub fn validate(r: &NewRecipient) -> Result<Checked, RemitError> {
    if !valid_name(&r.name) {
        return Err(RemitError::Invalid("name"));
    }
    let country = r.country.trim().to_uppercase();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(RemitError::Invalid("country"));
    }
    let currency = Currency::parse(r.currency.trim()).map_err(|_| RemitError::Invalid("currency"))?;
    if !SUPPORTED.contains(&currency.as_str()) {
        return Err(RemitError::Invalid("currency"));
    }
    let iban_country = bank_account::uses_iban(&country);
    match (&r.iban, &r.account_number) {
        (Some(i), None) => {
            let iban = bank_account::iban(i).map_err(|_| RemitError::Invalid("iban"))?;
            if bank_account::iban_country(&iban) != country {
                return Err(RemitError::Invalid("iban"));
            }
            Ok((r.name.trim().to_owned(), country, currency, Some(iban), None))
        }
        (None, Some(a)) if country == "NO" => {
            let k = bank_account::kontonummer(a).map_err(|_| RemitError::Invalid("accountNumber"))?;
            Ok((r.name.trim().to_owned(), country, currency, None, Some(k)))
        }
        (None, Some(_)) if iban_country => Err(RemitError::Invalid("iban")),
        (None, Some(a)) => {
            let a: String = a.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
            if !(4..=34).contains(&a.len()) || !a.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(RemitError::Invalid("accountNumber"));
            }
            Ok((r.name.trim().to_owned(), country, currency, None, Some(a.to_uppercase())))
        }
        (Some(_), Some(_)) | (None, None) => Err(RemitError::Invalid("iban")),
    }
}

pub fn new_id() -> String {
    format!("rcp_{}", ulid::Ulid::new())
}

/// Every recipient is listed under this gsi3 partition, for re-screening.
pub use drop_domain::keys::SCREEN_RECIPIENTS_GSI as SCREEN_PARTITION;

/// Stores a recipient under an id from [`new_id`] (screened before it exists).
pub async fn create(
    table: &dyn Table,
    crypto: &Crypto,
    user_id: &str,
    id: &str,
    r: &NewRecipient,
    now: i64,
) -> Result<RecipientView, RemitError> {
    let (name, country, currency, iban, account) = validate(r)?;
    if !id.starts_with("rcp_") {
        return Err(RemitError::Invalid("id"));
    }
    let id = id.to_owned();
    let pk = drop_domain::keys::user_pk(user_id);
    let sk = sk(&id);
    let mut item = Item::new(&pk, &sk)
        .with(attr::COUNTRY, country.clone())
        .with(attr::CURRENCY, currency.as_str())
        .with(attr::CREATED_AT, now)
        .with(attr::GSI3PK, SCREEN_PARTITION)
        .with(attr::GSI3SK, format!("{user_id}#{id}"));
    item.set(attr::NAME, crypto.encrypt(aad(&pk, &sk, attr::NAME), name.as_bytes()).await?);
    let shown = iban.clone().or(account.clone()).unwrap_or_default();
    if let Some(i) = &iban {
        item.set(attr::IBAN, crypto.encrypt(aad(&pk, &sk, attr::IBAN), i.as_bytes()).await?);
    }
    if let Some(a) = &account {
        item.set(attr::ACCOUNT_NUMBER, crypto.encrypt(aad(&pk, &sk, attr::ACCOUNT_NUMBER), a.as_bytes()).await?);
    }
    table.put(item, Some(Condition::absent())).await?;
    Ok(RecipientView { id, name, country, currency: currency.as_str().to_owned(), account: mask(&shown) })
}

async fn dec(crypto: &Crypto, item: &Item, attr: &str) -> Result<Option<Secret<String>>, RemitError> {
    let (pk, sk) = (item.s(attr::PK).unwrap_or_default(), item.s(attr::SK).unwrap_or_default());
    match item.s(attr) {
        Some(ct) => Ok(Some(crypto.decrypt_str(aad(pk, sk, attr), ct).await?)),
        None => Ok(None),
    }
}

async fn beneficiary_of(crypto: &Crypto, item: &Item) -> Result<Beneficiary, RemitError> {
    Ok(Beneficiary {
        name: dec(crypto, item, "name").await?.ok_or(RemitError::NotFound)?,
        country: item.s(attr::COUNTRY).unwrap_or_default().to_owned(),
        currency: Currency::parse(item.s(attr::CURRENCY).unwrap_or_default()).map_err(|_| RemitError::NotFound)?,
        iban: dec(crypto, item, "iban").await?,
        account_number: dec(crypto, item, "account_number").await?,
    })
}

pub async fn beneficiary(
    table: &dyn Table,
    crypto: &Crypto,
    user_id: &str,
    id: &str,
) -> Result<Beneficiary, RemitError> {
    let item = table.get(&Key::new(drop_domain::keys::user_pk(user_id), sk(id))).await?.ok_or(RemitError::NotFound)?;
    beneficiary_of(crypto, &item).await
}

pub async fn list(table: &dyn Table, crypto: &Crypto, user_id: &str) -> Result<Vec<RecipientView>, RemitError> {
    let page = table
        .query(
            Query::partition(drop_domain::keys::user_pk(user_id))
                .prefix(drop_domain::keys::RECIPIENT_PREFIX)
                .limit(200),
        )
        .await?;
    let mut out = Vec::new();
    for item in &page.items {
        let b = beneficiary_of(crypto, item).await?;
        let shown = b.iban.as_ref().or(b.account_number.as_ref()).map(|s| s.expose().clone()).unwrap_or_default();
        out.push(RecipientView {
            id: item.s(attr::SK).unwrap_or_default().trim_start_matches(drop_domain::keys::RECIPIENT_PREFIX).to_owned(),
            name: b.name.expose().clone(),
            country: b.country,
            currency: b.currency.as_str().to_owned(),
            account: mask(&shown),
        });
    }
    Ok(out)
}

/// A transaction check that the recipient exists (confirm writes it with the payment's step).
pub fn exists(user_id: &str, id: &str) -> crate::table::TxOp {
    crate::table::TxOp::ConditionCheck {
        key: Key::new(drop_domain::keys::user_pk(user_id), sk(id)),
        condition: Condition::present(),
    }
}

/// Statuses in which a payment still needs its recipient (the bank or the payout is under way).
const IN_FLIGHT: [&str; 3] = ["pending_authorisation", "authorised", "payout_submitted"];

/// Deletes a recipient, unless a payment to it is in flight (`RecipientInUse`). A payment that
/// loses its recipient anyway (deleted between this check and its confirm) is refunded.
pub async fn delete(table: &dyn Table, user_id: &str, id: &str) -> Result<(), RemitError> {
    let pk = drop_domain::keys::user_pk(user_id);
    let mut cursor = None;
    loop {
        let page = table
            .query(Query::partition(&pk).prefix(drop_domain::keys::PAYMENT_PREFIX).limit(100).after(cursor))
            .await?;
        let busy = page
            .items
            .iter()
            .any(|i| i.s(attr::RECIPIENT_ID) == Some(id) && i.s(attr::STATUS).is_some_and(|s| IN_FLIGHT.contains(&s)));
        if busy {
            return Err(RemitError::RecipientInUse);
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    table.delete(&Key::new(drop_domain::keys::user_pk(user_id), sk(id)), Some(Condition::present())).await.map_err(
        |e| {
            if e.is_condition_failed() {
                RemitError::NotFound
            } else {
                e.into()
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &str, country: &str, currency: &str, iban: Option<&str>, acct: Option<&str>) -> NewRecipient {
        NewRecipient {
            name: name.into(),
            country: country.into(),
            currency: currency.into(),
            iban: iban.map(Into::into),
            account_number: acct.map(Into::into),
        }
    }

    #[test]
    fn validation_per_country() {
        assert!(validate(&r("Ola Nordmann", "DE", "EUR", Some("DE89370400440532013000"), None)).is_ok());
        assert!(validate(&r("Ola Nordmann", "NO", "EUR", None, Some("8601.11.17947"))).is_ok());
        assert!(validate(&r("Juan dela Cruz", "PH", "PHP", None, Some("1234567890"))).is_ok());
        assert!(matches!(
            validate(&r("Ola Nordmann", "DE", "EUR", None, Some("12345678"))),
            Err(RemitError::Invalid("iban"))
        ));
        assert!(matches!(
            validate(&r("Ola Nordmann", "FR", "EUR", Some("DE89370400440532013000"), None)),
            Err(RemitError::Invalid("iban"))
        ));
        assert!(matches!(
            validate(&r("Ola", "DE", "EUR", Some("DE89370400440532013000"), None)),
            Err(RemitError::Invalid("name"))
        ));
        assert!(matches!(
            validate(&r("Ola N0rdmann", "DE", "EUR", Some("DE89370400440532013000"), None)),
            Err(RemitError::Invalid("name"))
        ));
        assert!(matches!(
            validate(&r("Ola Nordmann", "DEU", "EUR", Some("DE89370400440532013000"), None)),
            Err(RemitError::Invalid("country"))
        ));
        assert!(matches!(
            validate(&r("Ola Nordmann", "DE", "XYZ", Some("DE89370400440532013000"), None)),
            Err(RemitError::Invalid("currency"))
        ));
        assert!(matches!(validate(&r("Ola Nordmann", "DE", "EUR", None, None)), Err(RemitError::Invalid("iban"))));
        assert_eq!(mask("DE89370400440532013000"), "••••••••••••••••••3000");
        assert!(validate(&r("Søren Ødegård-Müller", "DE", "EUR", Some("DE89370400440532013000"), None)).is_ok());
        for other_script in ["محمد علي", "Иван Петров", "王 小明"] {
            assert!(
                matches!(
                    validate(&r(other_script, "DE", "EUR", Some("DE89370400440532013000"), None)),
                    Err(RemitError::Invalid("name"))
                ),
                "{other_script}"
            );
        }
    }
}
