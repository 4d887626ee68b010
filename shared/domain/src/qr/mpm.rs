//! EMVCo Merchant-Presented Mode payloads: the parser rules of `reference/providers.md` §6.5 and
//! a generator that writes what the parser reads back. No maintained Rust crate parses MPM (the
//! one generator, `qrc` 0.0.x, assumes ASCII and does not parse), so this is ours; the CRC comes
//! from the `crc` crate.

use super::tlv::{self, DataObject};
use super::QrError;
use std::collections::BTreeMap;

/// The longest payload (characters).
pub const MAX_CHARS: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initiation {
    /// `11`: the same code for every payment.
    Static,
    /// `12`: a code for one transaction.
    Dynamic,
}

/// A merchant account information template (`26`–`51`): sub `00` is the globally unique
/// identifier; the others are the network's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: u8,
    pub guid: String,
    pub fields: BTreeMap<u8, String>,
}

/// A parsed payload. Values are as written (the amount as its decimal string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mpm {
    pub initiation: Option<Initiation>,
    /// Templates `26`–`51`.
    pub accounts: Vec<Account>,
    /// Card-network accounts `02`–`25` (primitive values).
    pub network_accounts: BTreeMap<u8, String>,
    pub mcc: Option<String>,
    /// ISO 4217 numeric.
    pub currency: String,
    pub amount: Option<String>,
    pub tip: Option<Tip>,
    pub country: Option<String>,
    pub merchant_name: Option<String>,
    pub merchant_city: Option<String>,
    pub postal_code: Option<String>,
    /// Template `62`.
    pub additional: BTreeMap<u8, String>,
    /// Everything else (templates `64`, `65`–`99`), kept as written.
    pub other: BTreeMap<u8, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tip {
    Prompt,
    Fixed(String),
    Percentage(String),
}

/// CRC-16/CCITT-FALSE (CRC-16/IBM-3740) over the bytes.
pub fn crc16(bytes: &[u8]) -> u16 {
    crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740).checksum(bytes)
}

/// Parses and validates a payload.
pub fn parse(payload: &str) -> Result<Mpm, QrError> {
    if payload.chars().count() > MAX_CHARS {
        return Err(QrError::TooLong);
    }
    let objects = tlv::split(payload)?;
    match objects.first() {
        Some(DataObject { id: 0, value }) if value == "01" => {}
        _ => return Err(QrError::FormatIndicator),
    }
    match objects.last() {
        Some(DataObject { id: 63, value }) if value.len() == 4 => {
            let signed = &payload[..payload.len() - 4];
            let given = u16::from_str_radix(value, 16).map_err(|_| QrError::Crc)?;
            if !value.bytes().all(|b| b.is_ascii_hexdigit()) || crc16(signed.as_bytes()) != given {
                return Err(QrError::Crc);
            }
        }
        _ => return Err(QrError::Crc),
    }
    let mut m = Mpm {
        initiation: None,
        accounts: Vec::new(),
        network_accounts: BTreeMap::new(),
        mcc: None,
        currency: String::new(),
        amount: None,
        tip: None,
        country: None,
        merchant_name: None,
        merchant_city: None,
        postal_code: None,
        additional: BTreeMap::new(),
        other: BTreeMap::new(),
    };
    let (mut tip_kind, mut fixed, mut percentage) = (None, None, None);
    for DataObject { id, value } in &objects[1..objects.len() - 1] {
        let v = value.clone();
        match id {
            1 => {
                m.initiation = Some(match value.as_str() {
                    "11" => Initiation::Static,
                    "12" => Initiation::Dynamic,
                    _ => return Err(QrError::Field("01")),
                })
            }
            2..=25 if !value.is_empty() => {
                m.network_accounts.insert(*id, v);
            }
            2..=25 => return Err(QrError::Field("02-25")),
            26..=51 => m.accounts.push(account(*id, value)?),
            52 => m.mcc = Some(digits(value, 4, 4).ok_or(QrError::Field("52"))?),
            53 => m.currency = digits(value, 3, 3).ok_or(QrError::Field("53"))?,
            54 => m.amount = Some(amount(value).ok_or(QrError::Field("54"))?),
            55 => tip_kind = Some(v),
            56 => fixed = Some(v),
            57 => percentage = Some(v),
            58 if value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase()) => m.country = Some(v),
            58 => return Err(QrError::Field("58")),
            // The spec's limits (25, 15, 10) are the generator's; codes in the wild exceed them.
            59 => m.merchant_name = Some(present(value).ok_or(QrError::Field("59"))?),
            60 => m.merchant_city = Some(present(value).ok_or(QrError::Field("60"))?),
            61 => m.postal_code = Some(present(value).ok_or(QrError::Field("61"))?),
            62 => m.additional = template(value)?,
            0 | 63 => return Err(QrError::Duplicate(*id)),
            64 => {
                template(value)?;
                m.other.insert(*id, v);
            }
            80..=99 => {
                if !template(value)?.contains_key(&0) {
                    return Err(QrError::Field("80-99"));
                }
                m.other.insert(*id, v);
            }
            _ => {
                m.other.insert(*id, v);
            }
        }
    }
    if m.currency.is_empty() {
        return Err(QrError::Field("53"));
    }
    if m.accounts.is_empty() && m.network_accounts.is_empty() {
        return Err(QrError::NoMerchantAccount);
    }
    m.tip = tip(tip_kind.as_deref(), fixed, percentage)?;
    Ok(m)
}

fn account(id: u8, value: &str) -> Result<Account, QrError> {
    let mut fields = template(value)?;
    let guid = fields.remove(&0).filter(|g| !g.is_empty()).ok_or(QrError::Field("26-51"))?;
    Ok(Account { id, guid, fields })
}

fn template(value: &str) -> Result<BTreeMap<u8, String>, QrError> {
    Ok(tlv::split(value)?.into_iter().map(|o| (o.id, o.value)).collect())
}

fn digits(v: &str, min: usize, max: usize) -> Option<String> {
    (v.len() >= min && v.len() <= max && v.bytes().all(|b| b.is_ascii_digit())).then(|| v.to_owned())
}

fn present(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_owned())
}

/// `54`: ≤ 13 characters, digits and at most one `.`, not zero.
fn amount(v: &str) -> Option<String> {
    let ok = !v.is_empty()
        && v.len() <= 13
        && v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && v.bytes().filter(|b| *b == b'.').count() <= 1
        && v.bytes().any(|b| b.is_ascii_digit() && b != b'0');
    ok.then(|| v.to_owned())
}

fn tip(kind: Option<&str>, fixed: Option<String>, percentage: Option<String>) -> Result<Option<Tip>, QrError> {
    match (kind, fixed, percentage) {
        (None, None, None) => Ok(None),
        (Some("01"), None, None) => Ok(Some(Tip::Prompt)),
        (Some("02"), Some(f), None) if amount(&f).is_some() => Ok(Some(Tip::Fixed(f))),
        (Some("03"), None, Some(p)) if percentage_ok(&p) => Ok(Some(Tip::Percentage(p))),
        _ => Err(QrError::Field("55")),
    }
}

/// `57`: `00.01`–`99.99`.
fn percentage_ok(p: &str) -> bool {
    let (whole, frac) = p.split_once('.').unwrap_or((p, ""));
    let ok = !whole.is_empty()
        && whole.len() <= 2
        && frac.len() <= 2
        && whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit());
    ok && p.bytes().any(|b| b.is_ascii_digit() && b != b'0')
}

/// Writes a payload: objects in numeric order, the CRC last.
pub fn encode(m: &Mpm) -> Result<String, QrError> {
    let mut objects: BTreeMap<u8, String> = BTreeMap::new();
    objects.insert(0, "01".into());
    if let Some(i) = m.initiation {
        objects.insert(1, if i == Initiation::Static { "11" } else { "12" }.into());
    }
    for (id, v) in &m.network_accounts {
        objects.insert(*id, v.clone());
    }
    for a in &m.accounts {
        let mut inner = tlv::write(0, &a.guid)?;
        for (id, v) in &a.fields {
            inner.push_str(&tlv::write(*id, v)?);
        }
        objects.insert(a.id, inner);
    }
    let mut put = |id: u8, v: &Option<String>| {
        if let Some(v) = v {
            objects.insert(id, v.clone());
        }
    };
    put(52, &m.mcc);
    put(53, &Some(m.currency.clone()));
    put(54, &m.amount);
    match &m.tip {
        None => {}
        Some(Tip::Prompt) => put(55, &Some("01".into())),
        Some(Tip::Fixed(f)) => {
            put(55, &Some("02".into()));
            put(56, &Some(f.clone()));
        }
        Some(Tip::Percentage(p)) => {
            put(55, &Some("03".into()));
            put(57, &Some(p.clone()));
        }
    }
    put(58, &m.country);
    put(59, &m.merchant_name);
    put(60, &m.merchant_city);
    put(61, &m.postal_code);
    if !m.additional.is_empty() {
        let mut inner = String::new();
        for (id, v) in &m.additional {
            inner.push_str(&tlv::write(*id, v)?);
        }
        objects.insert(62, inner);
    }
    for (id, v) in &m.other {
        objects.insert(*id, v.clone());
    }
    let mut out = String::new();
    for (id, v) in &objects {
        out.push_str(&tlv::write(*id, v)?);
    }
    out.push_str("6304");
    let crc = crc16(out.as_bytes());
    out.push_str(&format!("{crc:04X}"));
    if out.chars().count() > MAX_CHARS {
        return Err(QrError::TooLong);
    }
    Ok(out)
}
