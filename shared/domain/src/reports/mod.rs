//! A suspicious transaction report's content (compliance reference §3.3: a goAML-shaped model)
//! and its exports: goAML 5.0.2 XML ([`goaml`]) and the MT-0002-shaped document for entering it
//! into Altinn ([`mt0002`]). Pure: the service gathers the facts, these render them.

pub mod goaml;
pub mod mt0002;

use serde::{Deserialize, Serialize};

/// The reporting customer (goAML `t_from_my_client/from_person`), from KYC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub given_name: String,
    pub family_name: String,
    /// YYYY-MM-DD.
    pub birthdate: String,
    /// The national identity number (fødselsnummer or D-number).
    pub nin: String,
    /// ISO 3166 alpha-2.
    pub nationality: String,
    pub residence: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl Person {
    /// `M`, `F` or `-`, from the national identity number's individual digits (the ninth digit:
    /// odd for men, even for women).
    pub fn gender(&self) -> &'static str {
        match self.nin.as_bytes().get(8) {
            Some(d) if d.is_ascii_digit() => {
                if (d - b'0') % 2 == 1 {
                    "M"
                } else {
                    "F"
                }
            }
            _ => "-",
        }
    }
}

/// The counterparty of a transaction (goAML `t_to`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Counterparty {
    pub name: String,
    /// IBAN or account number.
    pub account: Option<String>,
    /// ISO 3166 alpha-2.
    pub country: String,
}

impl Counterparty {
    /// (first names, last name): the last word is the family name.
    pub fn split_name(&self) -> (String, String) {
        let name = self.name.trim();
        match name.rsplit_once(' ') {
            Some((first, last)) => (first.trim().to_owned(), last.to_owned()),
            None => (String::new(), name.to_owned()),
        }
    }
}

/// One payment as reported (goAML `transaction`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    /// Drop's payment id (`transactionnumber`).
    pub payment_id: String,
    /// RFC 3339, UTC.
    pub date: String,
    /// What the customer paid, in kroner (minor units).
    pub amount_local_minor: i64,
    /// For a payout abroad: the currency, amount (minor units) and rate.
    pub foreign_currency: Option<String>,
    pub foreign_amount_minor: Option<i64>,
    pub foreign_exponent: Option<u32>,
    pub rate: Option<String>,
    pub counterparty: Counterparty,
    /// `remittance` (payout abroad), `qr` or `wallet`.
    pub kind: String,
    /// The payout provider or rail (`wise`, `thunes`, …).
    pub channel: String,
    pub status: String,
}

/// What an STR says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    pub subject: Person,
    pub transactions: Vec<Transaction>,
    /// Internal indicator codes (mapped to the FIU's list on export).
    pub indicators: Vec<String>,
    /// Why the activity is suspicious.
    pub reason: String,
    /// What Drop did (held, declined, terminated …).
    pub action: String,
}

/// The longest reason or action text (goAML comments: 4,000 characters at the strictest FIUs).
pub const MAX_TEXT_CHARS: usize = 4000;

/// The report's identity and filing facts the exports carry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Header {
    /// Drop's reference (`entity_reference`): the STR's id.
    pub reference: String,
    /// The reporting entity's id issued by the FIU (`rentity_id`).
    pub rentity_id: String,
    /// RFC 3339 (UTC): when the report was made ready (approval) or drafted.
    pub date: String,
    pub case_id: String,
}

/// Minor units as a decimal string with `exponent` fraction digits (`123456`, 2 → `1234.56`).
pub fn decimal(minor: i64, exponent: u32) -> String {
    if exponent == 0 {
        return minor.to_string();
    }
    let p = 10i64.pow(exponent);
    let sign = if minor < 0 { "-" } else { "" };
    let a = minor.unsigned_abs();
    format!("{sign}{}.{:0width$}", a / p as u64, a % p as u64, width = exponent as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gender_from_the_nin_and_names_split() {
        let p = |nin: &str| Person { nin: nin.into(), ..Default::default() };
        assert_eq!(p("01017012245").gender(), "F");
        assert_eq!(p("01017012335").gender(), "M");
        assert_eq!(p("").gender(), "-");
        let c = Counterparty { name: "Hans Peter Müller".into(), ..Default::default() };
        assert_eq!(c.split_name(), ("Hans Peter".into(), "Müller".into()));
        assert_eq!(decimal(123_456, 2), "1234.56");
        assert_eq!(decimal(5, 2), "0.05");
        assert_eq!(decimal(-150, 2), "-1.50");
        assert_eq!(decimal(700, 0), "700");
    }
}
