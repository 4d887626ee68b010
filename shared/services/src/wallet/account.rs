//! Opening and showing the euro account. Opening claims the wallet item first (one onboarding
//! per user however many requests race), then starts the provider's onboarding; the account is
//! taken as open when the provider says its onboarding has one (read when the user looks, and by
//! reconciliation).

use super::ports::{AccountStatus, OpenAccount};
use super::{WalletError, Wallets};
use crate::crypto::aad;
use crate::table::{Condition, Item, Key, Query, Update};
use drop_domain::keys::{self, attr};
use drop_domain::lifecycle::wallet::{transition, Event, Status};
use drop_domain::Secret;

/// A wallet as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Wallet {
    pub user_id: String,
    pub status: Status,
    /// The provider's onboarding (none while it is being asked for).
    pub onboarding_id: Option<String>,
    pub onboarding_url: Option<String>,
    pub account_id: Option<String>,
    /// The provider's user who holds the account.
    pub holder_id: Option<String>,
    /// Encrypted.
    iban: Option<String>,
    pub bic: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    /// Reconciliation has seen the account's transactions changed up to this time (epoch s).
    pub synced_until: Option<i64>,
}

const ONBOARDING_ID: &str = "onboarding_id";
const ONBOARDING_URL: &str = "onboarding_url";
const HOLDER_ID: &str = "holder_id";
const BIC: &str = "bic";
const SYNCED_UNTIL: &str = "synced_until";

pub(super) fn key(user_id: &str) -> Key {
    Key::new(keys::user_pk(user_id), keys::WALLET_SK)
}

impl Wallet {
    fn from_item(i: &Item) -> Option<Wallet> {
        Some(Wallet {
            user_id: i.s(attr::USER_ID)?.to_owned(),
            status: Status::parse(i.s(attr::STATUS)?)?,
            onboarding_id: i.s(ONBOARDING_ID).map(str::to_owned),
            onboarding_url: i.s(ONBOARDING_URL).map(str::to_owned),
            account_id: i.s(attr::ACCOUNT_ID).map(str::to_owned),
            holder_id: i.s(HOLDER_ID).map(str::to_owned),
            iban: i.s(attr::IBAN).map(str::to_owned),
            bic: i.s(BIC).map(str::to_owned),
            created_at: i.n(attr::CREATED_AT)?,
            updated_at: i.n(attr::UPDATED_AT)?,
            version: i.n(attr::VERSION)?,
            synced_until: i.n(SYNCED_UNTIL),
        })
    }

    fn claim(user_id: &str, now: i64) -> Item {
        let k = key(user_id);
        Item::new(k.pk, k.sk)
            .with(attr::USER_ID, user_id)
            .with(attr::STATUS, Status::Onboarding.as_str())
            .with(attr::CREATED_AT, now)
            .with(attr::UPDATED_AT, now)
            .with(attr::VERSION, 1)
            .with(attr::GSI2PK, keys::wallet_status_gsi(Status::Onboarding.as_str()))
            .with(attr::GSI2SK, user_id)
    }
}

/// What the owner sees.
#[derive(Debug, Clone, PartialEq)]
pub struct WalletView {
    pub status: Status,
    /// Where to finish onboarding (while `onboarding`).
    pub onboarding_url: Option<String>,
    pub iban: Option<Secret<String>>,
    pub bic: Option<String>,
    /// Euro cents, as the provider has them now (while open).
    pub booked: Option<i64>,
    pub available: Option<i64>,
}

impl Wallets {
    pub(super) async fn find(&self, user_id: &str) -> Result<Option<Wallet>, WalletError> {
        Ok(self.table.get(&key(user_id)).await?.as_ref().and_then(Wallet::from_item))
    }

    /// The wallet a provider account belongs to.
    pub(super) async fn by_account(&self, account_id: &str) -> Result<Option<Wallet>, WalletError> {
        let q = Query::partition(keys::wallet_account_gsi(account_id)).on_index("gsi1").limit(1);
        Ok(self.table.query(q).await?.items.first().and_then(Wallet::from_item))
    }

    /// Wallets in a status, at most `max`.
    pub(super) async fn in_status(&self, status: Status, max: usize) -> Result<Vec<Wallet>, WalletError> {
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let q =
                Query::partition(keys::wallet_status_gsi(status.as_str())).on_index("gsi2").limit(100).after(cursor);
            let page = self.table.query(q).await?;
            out.extend(page.items.iter().filter_map(Wallet::from_item));
            match page.cursor {
                Some(c) if out.len() < max => cursor = Some(c),
                _ => {
                    out.truncate(max);
                    return Ok(out);
                }
            }
        }
    }

    /// Opens the user's euro account: the provider's onboarding starts (KYC at its page, then
    /// back to the frontend's wallet page). A second call while onboarding answers the same onboarding.
    pub async fn open(&self, user_id: &str) -> Result<WalletView, WalletError> {
        if !self.settings.enabled {
            return Err(WalletError::Disabled);
        }
        let person = self.person(user_id).await?;
        let now = self.clock.epoch();
        let claimed = match self.table.put(Wallet::claim(user_id, now), Some(Condition::absent())).await {
            Ok(()) => None,
            Err(e) if e.is_condition_failed() => self.find(user_id).await?,
            Err(e) => return Err(e.into()),
        };
        if let Some(w) = &claimed {
            match (w.status, &w.onboarding_url) {
                (Status::Onboarding, Some(_)) => return self.view(user_id).await,
                (Status::Onboarding, None) => {}
                _ => return Err(WalletError::AlreadyOpen),
            }
        }
        let req = OpenAccount {
            country: self.settings.country,
            account_name: "Drop EUR".into(),
            email: person.email,
            first_name: person.first_name,
            last_name: person.last_name,
            birth_date: person.birth_date,
            redirect_url: format!("{}/wallet", self.settings.frontend_origin),
            state: user_id.to_owned(),
        };
        let onboarding = self.banking.open_account(&req).await?;
        // The first onboarding recorded stays (a racing request's is left unused).
        let u = Update::new(key(user_id))
            .set(ONBOARDING_ID, onboarding.id.as_str())
            .set(ONBOARDING_URL, onboarding.url.as_str())
            .when(Condition::NotExists(ONBOARDING_ID.into()));
        match self.table.update(u).await {
            Ok(_) => {}
            Err(e) if e.is_condition_failed() => {}
            Err(e) => return Err(e.into()),
        }
        self.view(user_id).await
    }

    /// The owner's view; an onboarding the provider finished opens the wallet first.
    pub async fn view(&self, user_id: &str) -> Result<WalletView, WalletError> {
        let mut w = self.find(user_id).await?.ok_or(WalletError::NotFound)?;
        if w.status == Status::Onboarding {
            if let Some(opened) = self.activate(&w).await? {
                w = opened;
            }
        }
        let (booked, available) = match (&w.account_id, w.status) {
            (Some(id), Status::Active | Status::Suspended) => match self.banking.account(id).await? {
                Some(a) => (Some(a.booked), Some(a.available)),
                None => (None, None),
            },
            _ => (None, None),
        };
        let iban = match &w.iban {
            Some(ct) => {
                let k = key(user_id);
                Some(self.crypto.decrypt_str(aad(&k.pk, &k.sk, attr::IBAN), ct).await?)
            }
            None => None,
        };
        Ok(WalletView {
            status: w.status,
            onboarding_url: w.onboarding_url.filter(|_| w.status == Status::Onboarding),
            iban,
            bic: w.bic,
            booked,
            available,
        })
    }

    /// Opens the wallet if the provider's onboarding has an open account (`None`: not yet).
    pub(super) async fn activate(&self, w: &Wallet) -> Result<Option<Wallet>, WalletError> {
        let Some(onboarding_id) = &w.onboarding_id else { return Ok(None) };
        let Some(account_id) = self.banking.onboarding(onboarding_id).await?.and_then(|o| o.account_id) else {
            return Ok(None);
        };
        let Some(account) = self.banking.account(&account_id).await? else { return Ok(None) };
        if account.status != AccountStatus::Opened {
            return Ok(None);
        }
        let to = transition(w.status, Event::Opened).map_err(|_| WalletError::IllegalState(w.status.as_str()))?;
        let now = self.clock.epoch();
        let k = key(&w.user_id);
        let mut u = Update::new(k.clone())
            .set(attr::STATUS, to.as_str())
            .set(attr::UPDATED_AT, now)
            .add(attr::VERSION, 1)
            .set(attr::ACCOUNT_ID, account_id.as_str())
            .set(HOLDER_ID, account.holder_user_id.as_str())
            .set(BIC, account.bic.as_str())
            .set(SYNCED_UNTIL, w.created_at)
            .set(attr::GSI1PK, keys::wallet_account_gsi(&account_id))
            .set(attr::GSI1SK, keys::WALLET_SK)
            .set(attr::GSI2PK, keys::wallet_status_gsi(to.as_str()))
            .when(Condition::eq(attr::STATUS, w.status.as_str()).and(Condition::eq(attr::VERSION, w.version)));
        if let Some(iban) = &account.iban {
            u = u.set(attr::IBAN, self.crypto.encrypt_str(aad(&k.pk, &k.sk, attr::IBAN), iban).await?);
        }
        match self.table.update(u).await {
            Ok(item) => Ok(Wallet::from_item(&item)),
            // Opened meanwhile by another request.
            Err(e) if e.is_condition_failed() => self.find(&w.user_id).await,
            Err(e) => Err(e.into()),
        }
    }

    /// Records how far reconciliation has read the account's transactions.
    pub(super) async fn synced(&self, w: &Wallet, until: i64) -> Result<(), WalletError> {
        let u = Update::new(key(&w.user_id)).set(SYNCED_UNTIL, until).when(Condition::present());
        self.table.update(u).await?;
        Ok(())
    }

    /// What the provider needs of the person: BankID's names and birth date, a verified e-mail.
    async fn person(&self, user_id: &str) -> Result<Person, WalletError> {
        let p = crate::auth::users::profile(self.table.as_ref(), &self.crypto, user_id)
            .await
            .map_err(|_| WalletError::Unserved("a verified identity"))?;
        if p.status != "active" {
            return Err(WalletError::Unserved("a verified identity"));
        }
        let email = p.email.filter(|_| p.email_verified).ok_or(WalletError::Unserved("a verified e-mail address"))?;
        let (Some(first), Some(last), Some(birth)) = (p.given_name, p.family_name, p.birthdate) else {
            return Err(WalletError::Unserved("a verified identity"));
        };
        Ok(Person {
            email: Secret::new(email),
            first_name: Secret::new(first),
            last_name: Secret::new(last),
            birth_date: Secret::new(birth),
        })
    }
}

struct Person {
    email: Secret<String>,
    first_name: Secret<String>,
    last_name: Secret<String>,
    birth_date: Secret<String>,
}
