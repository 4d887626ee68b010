//! Drop's codes (decision P7, `reference/providers.md` §8): Drop's GUID `NO.DROP.PAY` (the
//! reverse of drop.no) in merchant account template `26`, with sub `01` the merchant id or sub
//! `02` a person's payment request id; `01` = `12` with a mandatory amount (`54`) for one payment,
//! `11` without one for a code the payer enters the amount for; `53` = `578` (NOK); `58` = `NO`;
//! `62/05` the reference Drop pays against. Expiry and single use are the server's, not the code's.

use super::mpm::{self, Account, Initiation, Mpm};
use super::QrError;
use std::collections::BTreeMap;

pub const GUID: &str = "NO.DROP.PAY";
/// ISO 4217 numeric for NOK.
pub const NOK: &str = "578";
const MERCHANT: u8 = 1;
const REQUEST: u8 = 2;
const REFERENCE: u8 = 5;

/// Whom a code pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payee {
    /// A merchant (`mer_…`), settled through the acquirer.
    Merchant(String),
    /// A person's payment request (`req_…`), paid straight to their account.
    Request(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub payee: Payee,
    /// NOK minor units; `None` for a static code (the payer enters it).
    pub amount: Option<i64>,
    /// `62/05`: what the payment is for (the QR code's or the request's id).
    pub reference: Option<String>,
    /// ISO 18245 (`0000` for a person).
    pub mcc: String,
    /// ≤ 25 characters.
    pub name: String,
    /// ≤ 15 characters.
    pub city: String,
}

impl Code {
    pub fn initiation(&self) -> Initiation {
        if self.amount.is_some() {
            Initiation::Dynamic
        } else {
            Initiation::Static
        }
    }
}

/// The payload for `code`.
pub fn encode(code: &Code) -> Result<String, QrError> {
    let (sub, id) = match &code.payee {
        Payee::Merchant(id) => (MERCHANT, id),
        Payee::Request(id) => (REQUEST, id),
    };
    let amount = match code.amount {
        Some(minor) if minor > 0 => Some(format!("{}.{:02}", minor / 100, minor % 100)),
        Some(_) => return Err(QrError::Field("54")),
        None => None,
    };
    let (name, city) = (ascii(&code.name, 25), ascii(&code.city, 15));
    if name.is_empty() {
        return Err(QrError::Field("59"));
    }
    if city.is_empty() {
        return Err(QrError::Field("60"));
    }
    let m = Mpm {
        initiation: Some(code.initiation()),
        accounts: vec![Account { id: 26, guid: GUID.into(), fields: BTreeMap::from([(sub, id.clone())]) }],
        network_accounts: BTreeMap::new(),
        mcc: Some(code.mcc.clone()),
        currency: NOK.into(),
        amount,
        tip: None,
        country: Some("NO".into()),
        merchant_name: Some(name),
        merchant_city: Some(city),
        postal_code: None,
        additional: code.reference.iter().map(|r| (REFERENCE, r.clone())).collect(),
        other: BTreeMap::new(),
    };
    mpm::encode(&m)
}

/// Reads a Drop code: a valid EMVCo payload ([`QrError`] otherwise) that carries Drop's GUID
/// ([`QrError::Foreign`] when it is someone else's) in NOK, dynamic with an amount or static
/// without one.
pub fn read(payload: &str) -> Result<Code, QrError> {
    let m = mpm::parse(payload)?;
    let account = m.accounts.iter().find(|a| a.guid.eq_ignore_ascii_case(GUID)).ok_or(QrError::Foreign)?;
    let payee = match (account.fields.get(&MERCHANT), account.fields.get(&REQUEST)) {
        (Some(id), None) if id.starts_with("mer_") => Payee::Merchant(id.clone()),
        (None, Some(id)) if id.starts_with("req_") => Payee::Request(id.clone()),
        _ => return Err(QrError::Field("26")),
    };
    if m.currency != NOK {
        return Err(QrError::Field("53"));
    }
    if m.country.as_deref() != Some("NO") {
        return Err(QrError::Field("58"));
    }
    let amount = match (m.initiation, &m.amount) {
        (Some(Initiation::Dynamic), Some(a)) => Some(minor_units(a)?),
        (Some(Initiation::Static), None) => None,
        _ => return Err(QrError::Field("54")),
    };
    Ok(Code {
        payee,
        amount,
        reference: m.additional.get(&REFERENCE).cloned(),
        mcc: m.mcc.unwrap_or_else(|| "0000".into()),
        name: m.merchant_name.unwrap_or_default(),
        city: m.merchant_city.unwrap_or_default(),
    })
}

/// `54` in NOK (two decimals): `149.00`, `149.5`, `149.` and `149` are 14 900, 14 950, 14 900, 14 900.
fn minor_units(a: &str) -> Result<i64, QrError> {
    let bad = QrError::Field("54");
    let (whole, frac) = a.split_once('.').unwrap_or((a, ""));
    if frac.len() > 2 || whole.is_empty() && frac.is_empty() {
        return Err(bad);
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad.clone())? };
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad.clone())?;
    whole.checked_mul(100).and_then(|w| w.checked_add(frac)).filter(|m| *m > 0).ok_or(bad)
}

/// Scanning apps show `59`/`60` as ASCII (`ans`): transliterated (`Kaffebaren på Grünerløkka` →
/// `Kaffebaren pa Grunerlokka`), then cut to the field's length.
fn ascii(s: &str, max: usize) -> String {
    deunicode::deunicode(s).trim().chars().take(max).collect::<String>().trim_end().to_owned()
}
