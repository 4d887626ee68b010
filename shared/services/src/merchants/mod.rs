//! Merchants: a signed-in person onboards their organisation (`onboard`): the organisation number
//! is checked, the organisation looked up in Enhetsregisteret (it must exist and be active: not
//! deleted, bankrupt or being wound up), the person must hold a signing role there (matched on
//! name and birth date from BankID), and the organisation and its role holders are screened. A
//! clean merchant is `active` and the person becomes its member (and gets the `merchant` role); a
//! screening hit leaves it `pending` behind an alert (the person is not told why). Merchant routes
//! check membership of the merchant, not only the role.

pub mod qr;
pub mod register;
pub mod sales;

use crate::crypto::{aad, Crypto, CryptoError};
use crate::screening::{self, Subject, Verdict};
use crate::table::{Condition, Item, Key, Table, TableError, TxOp};
use drop_domain::keys;
use drop_domain::keys::attr;
use drop_domain::lifecycle::merchant::{self as lifecycle, Status};
use drop_domain::organisation::OrgNumber;
use drop_domain::screening::matcher::Party;
use register::{BusinessRegister, RegisterError, RoleHolder};

/// The role types that let one person onboard the organisation alone: its daily manager (`DAGL`)
/// or, for a sole proprietorship, its owner (`INNH`). Signature (`SIGN`), procuration (`PROK`)
/// and the chair (`LEDE`) may be joint ("i fellesskap"), which the open register does not say
/// (UNCONFIRMED): they are not enough until those rules are read from the authorised API.
pub const SIGNING_ROLES: &[&str] = &["DAGL", "INNH"];

#[derive(Debug, thiserror::Error)]
pub enum MerchantError {
    #[error("{0} is not valid")]
    Invalid(&'static str),
    #[error("the organisation is not in Enhetsregisteret")]
    UnknownOrganisation,
    #[error("the organisation is {0}")]
    Inactive(&'static str),
    #[error("the person holds no signing role in the organisation")]
    NotSignatory,
    #[error("the organisation is already a Drop merchant")]
    AlreadyOnboarded,
    #[error("not a member of this merchant")]
    NotMember,
    #[error("the merchant is not active")]
    MerchantInactive,
    /// No screening list is loaded: nothing is decided (screening fails closed).
    #[error("screening is not available")]
    NotScreened,
    #[error("register: {0}")]
    Register(#[from] RegisterError),
    #[error("storage: {0}")]
    Storage(#[from] TableError),
    #[error("crypto: {0}")]
    Crypto(#[from] CryptoError),
}

/// What onboarding needs to know of the person (from their BankID profile).
#[derive(Debug, Clone)]
pub struct Person {
    pub user_id: String,
    pub given_name: String,
    pub family_name: String,
    /// YYYY-MM-DD.
    pub birth_date: String,
    /// Make them a `merchant` user if the merchant is active (they are a `user` now).
    pub grant_role: bool,
}

#[derive(Debug, Clone)]
pub struct Application {
    pub org_number: String,
    pub settlement_account: String,
    pub mcc: String,
}

/// A merchant as stored (the settlement account stays encrypted).
#[derive(Debug, Clone, PartialEq)]
pub struct Merchant {
    pub id: String,
    pub org_number: String,
    pub name: String,
    pub status: Status,
    pub mcc: String,
    /// Where it does business (Enhetsregisteret's business address), for its QR codes.
    pub city: String,
    pub created_at: i64,
}

const ATTR_ID: &str = "merchant_id";
const ATTR_ORG: &str = "org_number";
const ATTR_NAME: &str = "name";
const ATTR_STATUS: &str = "status";
const ATTR_MCC: &str = "mcc";
const ATTR_ACCOUNT: &str = "settlement_account";
const ATTR_CREATED: &str = "created_at";
const ATTR_CITY: &str = "city";

impl Merchant {
    fn key(id: &str) -> Key {
        Key::new(keys::merchant_pk(id), keys::MERCHANT_SK)
    }

    pub fn from_item(i: &Item) -> Option<Merchant> {
        Some(Merchant {
            id: i.s(ATTR_ID)?.to_owned(),
            org_number: i.s(ATTR_ORG)?.to_owned(),
            name: i.s(ATTR_NAME)?.to_owned(),
            status: Status::parse(i.s(ATTR_STATUS)?)?,
            mcc: i.s(ATTR_MCC)?.to_owned(),
            city: i.s(ATTR_CITY).unwrap_or("NORGE").to_owned(),
            created_at: i.n(ATTR_CREATED)?,
        })
    }
}

pub fn new_id() -> String {
    format!("mer_{}", crate::ids::ulid())
}

/// `mer_` and a ULID: anything else names no merchant (and never reaches a key).
pub fn is_id(id: &str) -> bool {
    id.strip_prefix("mer_").is_some_and(|u| u.len() == 26 && u.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Validates the application before anything is looked up.
pub fn validate(a: &Application) -> Result<(OrgNumber, String), MerchantError> {
    let org = OrgNumber::parse(&a.org_number).ok_or(MerchantError::Invalid("organisationNumber"))?;
    let compact: String = a.settlement_account.chars().filter(|c| !c.is_whitespace() && *c != '.').collect();
    let account = if compact.len() == 11 && compact.bytes().all(|b| b.is_ascii_digit()) {
        drop_domain::bank_account::kontonummer(&compact)
    } else {
        drop_domain::bank_account::iban(&compact).and_then(|i| {
            if drop_domain::bank_account::iban_country(&i) == "NO" {
                Ok(i)
            } else {
                Err(drop_domain::bank_account::AccountError::Iban)
            }
        })
    }
    .map_err(|_| MerchantError::Invalid("settlementAccount"))?;
    if a.mcc.len() != 4 || !a.mcc.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MerchantError::Invalid("mcc"));
    }
    Ok((org, account))
}

/// Does `holder` name `person`? Same birth date, same family name, and the register's given
/// names contain BankID's (or the other way round), ignoring case and accents.
pub fn same_person(holder: &RoleHolder, person: &Person) -> bool {
    let fold = |s: &str| -> Vec<String> {
        deunicode::deunicode(s).to_lowercase().split_whitespace().map(str::to_owned).collect()
    };
    let (hg, pg) = (fold(&holder.given_name), fold(&person.given_name));
    let given =
        !hg.is_empty() && !pg.is_empty() && (hg.iter().all(|g| pg.contains(g)) || pg.iter().all(|g| hg.contains(g)));
    holder.birth_date == person.birth_date && fold(&holder.family_name) == fold(&person.family_name) && given
}

pub struct Onboarded {
    pub merchant: Merchant,
}

/// Onboards `a` for `person` (see the module's documentation).
pub async fn onboard(
    table: &dyn Table,
    crypto: &Crypto,
    register: &dyn BusinessRegister,
    screener: &crate::screening::Screener,
    person: &Person,
    a: &Application,
    now: i64,
) -> Result<Onboarded, MerchantError> {
    let (org, account) = validate(a)?;
    let unit = register.unit(&org).await?.ok_or(MerchantError::UnknownOrganisation)?;
    if let Some(reason) = unit.inactive() {
        return Err(MerchantError::Inactive(reason));
    }
    let roles = register.roles(&org).await?;
    let holders: Vec<&RoleHolder> = roles.iter().filter(|r| !r.resigned).collect();
    if !holders.iter().any(|r| SIGNING_ROLES.contains(&r.role.as_str()) && same_person(r, person)) {
        return Err(MerchantError::NotSignatory);
    }
    // Only a signatory learns whether the organisation is already a Drop merchant.
    let claim = Key::new(keys::merchant_org_pk(org.as_str()), keys::UNIQUE_SK);
    if table.get(&claim).await?.is_some() {
        return Err(MerchantError::AlreadyOnboarded);
    }
    let id = new_id();
    // The organisation and everyone holding a role in it are screened; any hit keeps the
    // merchant pending behind an alert.
    let mut ops = Vec::new();
    let mut hit = false;
    let subject = || Subject {
        subject_type: "merchant",
        subject_id: &id,
        user_id: &person.user_id,
        trigger: "onboarding",
        alert_id: None,
    };
    let org_party = Party { names: vec![unit.name.clone()], birth: None, countries: vec!["no".into()], gender: None };
    let mut parties = vec![org_party];
    for h in &holders {
        parties.push(Party {
            names: vec![format!("{} {}", h.given_name, h.family_name)],
            birth: birth(&h.birth_date),
            countries: vec![],
            gender: None,
        });
    }
    for party in &parties {
        let (verdict, op) = screening::assess(screener, &subject(), party, now);
        match verdict {
            Verdict::NoHit => {}
            // Fails closed, before anything is written: with no list loaded nobody is onboarded.
            Verdict::NotScreened => return Err(MerchantError::NotScreened),
            Verdict::PotentialHit { .. } | Verdict::ConfirmedHit { .. } => hit = true,
        }
        ops.extend(op);
    }
    let status = if hit {
        Status::Pending
    } else {
        lifecycle::transition(Status::Pending, lifecycle::Event::Approve).unwrap_or(Status::Pending)
    };
    let key = Merchant::key(&id);
    let sealed = crypto.encrypt_str(aad(&key.pk, &key.sk, ATTR_ACCOUNT), &drop_domain::Secret::new(account)).await?;
    let item = Item::new(key.pk.clone(), key.sk.clone())
        .with(ATTR_ID, id.as_str())
        .with(ATTR_ORG, org.as_str())
        .with(ATTR_NAME, unit.name.as_str())
        .with(ATTR_STATUS, status.as_str())
        .with(ATTR_MCC, a.mcc.as_str())
        .with(ATTR_CITY, unit.city.as_str())
        .with(ATTR_ACCOUNT, sealed)
        .with("onboarded_by", person.user_id.as_str())
        .with(ATTR_CREATED, now);
    ops.push(TxOp::Put { item, condition: Some(Condition::absent()) });
    ops.push(TxOp::Put {
        item: Item::new(claim.pk, claim.sk).with(ATTR_ID, id.as_str()),
        condition: Some(Condition::absent()),
    });
    let member =
        crate::subject::owned_by(Item::new(keys::user_pk(&person.user_id), keys::member_sk(&id)), &person.user_id)
            .with(ATTR_ID, id.as_str())
            .with(attr::ROLE, "owner")
            .with(ATTR_CREATED, now);
    ops.push(TxOp::Put { item: member, condition: Some(Condition::absent()) });
    // An active merchant's person becomes a merchant user in the same transaction (not an admin
    // or someone already a merchant: their role stays).
    if status == Status::Active && person.grant_role {
        let profile = Key::new(keys::user_pk(&person.user_id), keys::PROFILE_SK);
        ops.push(TxOp::Update(
            crate::table::Update::new(profile)
                .set(attr::ROLE, drop_domain::role::Role::Merchant.as_str())
                .when(Condition::eq(attr::ROLE, drop_domain::role::Role::User.as_str())),
        ));
    }
    match table.transact(ops).await {
        Ok(()) => {}
        // Another request onboarded the organisation meanwhile.
        Err(TableError::TransactionCanceled { .. }) => return Err(MerchantError::AlreadyOnboarded),
        Err(e) => return Err(e.into()),
    }
    let merchant = Merchant {
        id,
        org_number: org.as_str().to_owned(),
        name: unit.name,
        status,
        mcc: a.mcc.clone(),
        city: unit.city,
        created_at: now,
    };
    Ok(Onboarded { merchant })
}

fn birth(date: &str) -> Option<(i32, Option<(u8, u8)>)> {
    let mut parts = date.splitn(3, '-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next().and_then(|m| m.parse().ok());
    let d = parts.next().and_then(|d| d.parse().ok());
    Some((y, m.zip(d)))
}

/// The merchant if `user_id` is its member (the object-level check every merchant route makes).
pub async fn as_member(table: &dyn Table, user_id: &str, merchant_id: &str) -> Result<Merchant, MerchantError> {
    if !is_id(merchant_id) {
        return Err(MerchantError::NotMember);
    }
    let member = Key::new(keys::user_pk(user_id), keys::member_sk(merchant_id));
    if table.get(&member).await?.is_none() {
        return Err(MerchantError::NotMember);
    }
    let item = table.get(&Merchant::key(merchant_id)).await?.ok_or(MerchantError::NotMember)?;
    Merchant::from_item(&item).ok_or(MerchantError::NotMember)
}

/// The merchants `user_id` is a member of.
pub async fn of_member(table: &dyn Table, user_id: &str) -> Result<Vec<Merchant>, MerchantError> {
    let page = table.query(crate::table::Query::partition(keys::user_pk(user_id)).prefix(keys::MEMBER_PREFIX)).await?;
    let mut out = Vec::new();
    for m in page.items {
        if let Some(id) = m.s(ATTR_ID) {
            if let Some(item) = table.get(&Merchant::key(id)).await? {
                out.extend(Merchant::from_item(&item));
            }
        }
    }
    Ok(out)
}
