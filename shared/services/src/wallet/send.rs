//! Sending euro on from the wallet by SEPA (`drop_domain::lifecycle::wallet_transfer`). The
//! transfer is checked before anything is written (an active wallet, a euro recipient with an
//! IBAN, no hold, screening, the balance at the provider), then stored with its amount reserved
//! on the euro limits in one transaction, then given to the provider under the transfer's id as
//! idempotency key (a retry after a crash asks again and gets the same payment). The user
//! consents at the provider's page; the provider's word (webhook, the owner's look,
//! reconciliation) moves it on: `sending`, then `sent` or `failed` (the reservation released).

use super::account::Wallet;
use super::ports::{PaymentState, SepaOrder, TransactionStatus};
use super::{WalletError, Wallets};
use crate::remit::limits::{self, Limits};
use crate::remit::status_index::{self, StatusStep};
use crate::screening::{self, Subject, Verdict};
use crate::table::{CancelReason, Condition, Item, Key, Query, TableError, TxOp};
use drop_domain::keys::{self, attr};
use drop_domain::lifecycle::wallet::Status as WalletStatus;
use drop_domain::lifecycle::wallet_transfer::{transition, Event, Status};
use drop_domain::screening::Party;
use drop_domain::Currency;

/// Euro limits in cents (per transfer, Oslo day, Oslo month), apart from the NOK ones.
pub const LIMITS: Limits = Limits { per_payment: 500_000, per_day: 1_000_000, per_month: 4_000_000 };

/// A transfer as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub id: String,
    pub user_id: String,
    pub recipient_id: String,
    /// Euro cents.
    pub amount: i64,
    pub status: Status,
    pub payment_id: Option<String>,
    pub consent_id: Option<String>,
    /// Where the user consents (while `consent_pending`).
    pub consent_url: Option<String>,
    /// The provider's transaction (from `sending`).
    pub tx_id: Option<String>,
    pub failure: Option<String>,
    /// The limit periods the amount is reserved on.
    pub day: String,
    pub month: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

const RECIPIENT_ID: &str = "recipient_id";
const PROVIDER_PAYMENT: &str = "provider_payment_id";
const CONSENT_ID: &str = "consent_id";
const CONSENT_URL: &str = "consent_url";
const PROVIDER_TX: &str = "provider_tx_id";

/// The limit periods of euro transfers (their own counters beside the NOK ones).
fn periods(now: time::OffsetDateTime) -> (String, String) {
    let (day, month) = limits::periods(now);
    (format!("EUR-{day}"), format!("EUR-{month}"))
}

/// A transfer id from the user's idempotency key: a retry of a request that did not finish
/// finds the transfer it started.
pub fn transfer_id(user_id: &str, key: &str) -> String {
    let h = crate::digest::sha256_hex(format!("wallet-transfer#{user_id}#{key}").as_bytes());
    format!("wtr_{}", &h[..26])
}

pub fn is_id(id: &str) -> bool {
    id.strip_prefix("wtr_").is_some_and(|h| h.len() == 26 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn key(user_id: &str, id: &str) -> Key {
    Key::new(keys::user_pk(user_id), keys::wallet_transfer_sk(id))
}

impl Transfer {
    fn key(&self) -> Key {
        key(&self.user_id, &self.id)
    }

    fn from_item(i: &Item) -> Option<Transfer> {
        Some(Transfer {
            id: i.s(attr::PAYMENT_ID)?.to_owned(),
            user_id: i.s(attr::USER_ID)?.to_owned(),
            recipient_id: i.s(RECIPIENT_ID)?.to_owned(),
            amount: i.n(attr::AMOUNT)?,
            status: Status::parse(i.s(attr::STATUS)?)?,
            payment_id: i.s(PROVIDER_PAYMENT).map(str::to_owned),
            consent_id: i.s(CONSENT_ID).map(str::to_owned),
            consent_url: i.s(CONSENT_URL).map(str::to_owned),
            tx_id: i.s(PROVIDER_TX).map(str::to_owned),
            failure: i.s(attr::FAILURE_REASON).map(str::to_owned),
            day: i.s(attr::LIMIT_DAY)?.to_owned(),
            month: i.s(attr::LIMIT_MONTH)?.to_owned(),
            created_at: i.n(attr::CREATED_AT)?,
            updated_at: i.n(attr::UPDATED_AT)?,
            version: i.n(attr::VERSION)?,
        })
    }

    fn to_item(&self) -> Item {
        let k = self.key();
        Item::new(k.pk, k.sk)
            .with(attr::PAYMENT_ID, self.id.as_str())
            .with(attr::USER_ID, self.user_id.as_str())
            .with(RECIPIENT_ID, self.recipient_id.as_str())
            .with(attr::AMOUNT, self.amount)
            .with(attr::CURRENCY, Currency::EUR.as_str())
            .with(attr::STATUS, self.status.as_str())
            .with(attr::LIMIT_DAY, self.day.as_str())
            .with(attr::LIMIT_MONTH, self.month.as_str())
            .with(attr::CREATED_AT, self.created_at)
            .with(attr::UPDATED_AT, self.updated_at)
            .with(attr::VERSION, self.version)
            .with(attr::GSI2PK, keys::wallet_transfer_status_gsi(self.status.as_str()))
            .with(attr::GSI2SK, status_index::status_sort(self.updated_at, &self.id))
    }
}

/// A euro recipient's name and IBAN.
type Recipient = (drop_domain::Secret<String>, drop_domain::Secret<String>);

/// What a send is asked for.
pub struct SendRequest<'a> {
    pub user_id: &'a str,
    pub recipient_id: &'a str,
    pub amount: i64,
    /// From the idempotency key ([`transfer_id`]).
    pub transfer_id: &'a str,
}

impl Wallets {
    /// Checks, stores and starts a transfer; answers it as far as it went.
    pub async fn send(&self, r: &SendRequest<'_>) -> Result<Transfer, WalletError> {
        if !(1..=LIMITS.per_payment).contains(&r.amount) {
            return Err(WalletError::Invalid("amount"));
        }
        let w = self.find(r.user_id).await?.ok_or(WalletError::NotFound)?;
        if w.status != WalletStatus::Active {
            return Err(WalletError::IllegalState(w.status.as_str()));
        }
        let recipient = self.euro_recipient(r.user_id, r.recipient_id).await?;
        if let Some(known) = self.transfer_find(r.user_id, r.transfer_id).await? {
            return self.advance(&known).await;
        }
        let profile = self.table.get(&crate::holds::profile_key(r.user_id)).await?.ok_or(WalletError::NotFound)?;
        if crate::holds::is_held(&profile) {
            return Err(WalletError::Declined);
        }
        let now = self.clock.epoch();
        let party = Party { names: vec![recipient.0.expose().clone()], ..Default::default() };
        let subject = Subject {
            subject_type: "recipient",
            subject_id: r.recipient_id,
            user_id: r.user_id,
            trigger: "wallet_transfer",
            alert_id: None,
        };
        let screener = self.lists.current().await;
        let (verdict, alert) = screening::assess(&screener, &subject, &party, now);
        if let Verdict::PotentialHit { alert_id } | Verdict::ConfirmedHit { alert_id } = &verdict {
            let mut ops = alert;
            ops.extend(crate::holds::hold(r.user_id, crate::holds::Source::Alert, alert_id, now));
            self.table.transact(ops).await?;
            return Err(WalletError::Declined);
        }
        let account_id = w.account_id.clone().ok_or(WalletError::IllegalState("onboarding"))?;
        let account = self.banking.account(&account_id).await?.ok_or(WalletError::NotFound)?;
        if account.available < r.amount {
            return Err(WalletError::InsufficientFunds);
        }
        let (day, month) = periods(self.clock.now());
        let t = Transfer {
            id: r.transfer_id.to_owned(),
            user_id: r.user_id.to_owned(),
            recipient_id: r.recipient_id.to_owned(),
            amount: r.amount,
            status: Status::Requested,
            payment_id: None,
            consent_id: None,
            consent_url: None,
            tx_id: None,
            failure: None,
            day,
            month,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut ops = vec![TxOp::Put { item: t.to_item(), condition: Some(Condition::absent()) }];
        ops.extend(limits::reserve(r.user_id, r.amount, &t.day, &t.month, LIMITS));
        match self.table.transact(ops).await {
            Ok(()) => {}
            Err(TableError::TransactionCanceled { reasons }) => {
                return Err(match reasons.as_slice() {
                    [_, Some(CancelReason::ConditionFailed { .. }), ..] => WalletError::Limit("daily"),
                    [_, _, Some(CancelReason::ConditionFailed { .. }), ..] => WalletError::Limit("monthly"),
                    _ => WalletError::IllegalState("changed meanwhile"),
                })
            }
            Err(e) => return Err(e.into()),
        }
        self.ask_provider(&t, Some((w, recipient))).await
    }

    async fn euro_recipient(&self, user_id: &str, recipient_id: &str) -> Result<Recipient, WalletError> {
        let b = crate::remit::recipients::beneficiary(self.table.as_ref(), &self.crypto, user_id, recipient_id)
            .await
            .map_err(|_| WalletError::NoRecipient)?;
        match (b.currency, b.iban) {
            (Currency::EUR, Some(iban)) => Ok((b.name, iban)),
            _ => Err(WalletError::NotEuroRecipient),
        }
    }

    pub async fn transfer_find(&self, user_id: &str, id: &str) -> Result<Option<Transfer>, WalletError> {
        if !is_id(id) {
            return Ok(None);
        }
        Ok(self.table.get(&key(user_id, id)).await?.as_ref().and_then(Transfer::from_item))
    }

    /// The owner's transfer, moved on as far as the provider's word goes now.
    pub async fn transfer_view(&self, user_id: &str, id: &str) -> Result<Transfer, WalletError> {
        let t = self.transfer_find(user_id, id).await?.ok_or(WalletError::NoTransfer)?;
        self.advance(&t).await
    }

    /// Gives a `requested` transfer to the provider (again: the same key answers the same
    /// payment) and records its answer.
    /// `known`: the wallet and the recipient, when the caller has just read them.
    async fn ask_provider(&self, t: &Transfer, known: Option<(Wallet, Recipient)>) -> Result<Transfer, WalletError> {
        let (w, (name, iban)) = match known {
            Some(k) => k,
            None => (
                self.find(&t.user_id).await?.ok_or(WalletError::NotFound)?,
                self.euro_recipient(&t.user_id, &t.recipient_id).await?,
            ),
        };
        let (Some(account_id), Some(holder)) = (w.account_id, w.holder_id) else {
            return Err(WalletError::IllegalState("onboarding"));
        };
        let order = SepaOrder {
            account_id,
            amount: t.amount,
            beneficiary_iban: iban,
            beneficiary_name: name,
            reference: t.id.replace('_', "-").chars().take(35).collect(),
            external_reference: t.id.clone(),
            consent_redirect_url: self.consent_return(&t.id),
        };
        match self.banking.send(&holder, &order, &t.id).await {
            Ok(p) => {
                let (event, set) = match p.state {
                    PaymentState::ConsentPending { consent_id, consent_url } => (
                        Event::ConsentAsked,
                        vec![
                            (CONSENT_ID, consent_id.clone().into()),
                            (CONSENT_URL, consent_url.into()),
                            (attr::GSI1PK, keys::wallet_consent_gsi(&consent_id).into()),
                            (attr::GSI1SK, t.id.clone().into()),
                        ],
                    ),
                    PaymentState::Initiated => (
                        Event::Initiated,
                        p.transaction_ids.first().map(|x| vec![(PROVIDER_TX, x.clone().into())]).unwrap_or_default(),
                    ),
                    PaymentState::Rejected(reason) => (Event::Rejected, vec![(attr::FAILURE_REASON, reason.into())]),
                };
                let mut set = set;
                set.push((PROVIDER_PAYMENT, p.id.into()));
                self.step(t, event, set).await
            }
            Err(crate::remit::ports::ProviderError::Rejected(reason)) => {
                self.step(t, Event::Rejected, vec![(attr::FAILURE_REASON, reason.into())]).await
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Where the provider sends the browser back (the frontend's page of the transfer).
    fn consent_return(&self, id: &str) -> String {
        format!("{}/wallet/transfers/{id}", self.settings.frontend_origin)
    }

    /// Moves a transfer on by the provider's word (nothing for a final one).
    pub async fn advance(&self, t: &Transfer) -> Result<Transfer, WalletError> {
        let (event, set) = match t.status {
            Status::Requested => return self.ask_provider(t, None).await,
            Status::ConsentPending => {
                let Some(pid) = &t.payment_id else { return Ok(t.clone()) };
                let Some(p) = self.banking.payment(pid).await? else { return Ok(t.clone()) };
                match p.state {
                    PaymentState::ConsentPending { .. } => return Ok(t.clone()),
                    PaymentState::Initiated => (
                        Event::Initiated,
                        p.transaction_ids.first().map(|x| vec![(PROVIDER_TX, x.clone().into())]).unwrap_or_default(),
                    ),
                    PaymentState::Rejected(reason) => (Event::Rejected, vec![(attr::FAILURE_REASON, reason.into())]),
                }
            }
            Status::Sending => {
                let Some(tx) = &t.tx_id else { return Ok(t.clone()) };
                let Some(found) = self.banking.transaction(tx).await? else { return Ok(t.clone()) };
                match found.status {
                    TransactionStatus::Booked => (Event::Booked, vec![]),
                    TransactionStatus::Rejected(reason) => {
                        (Event::Rejected, vec![(attr::FAILURE_REASON, reason.into())])
                    }
                    TransactionStatus::Canceled => (Event::Rejected, vec![(attr::FAILURE_REASON, "Canceled".into())]),
                    _ => return Ok(t.clone()),
                }
            }
            Status::Sent | Status::Failed => return Ok(t.clone()),
        };
        self.step(t, event, set).await
    }

    /// One transition, conditional on the version read; a failure releases the limits.
    async fn step(
        &self,
        t: &Transfer,
        event: Event,
        set: Vec<(&str, crate::table::Value)>,
    ) -> Result<Transfer, WalletError> {
        let to = transition(t.status, event).map_err(|_| WalletError::IllegalState(t.status.as_str()))?;
        let now = self.clock.epoch();
        let step = StatusStep {
            key: t.key(),
            id: &t.id,
            index: keys::wallet_transfer_status_gsi(to.as_str()),
            from: t.status.as_str(),
            to: to.as_str(),
            version: t.version,
            now,
        };
        let u = step.update(set);
        let mut next = t.clone();
        next.status = to;
        next.updated_at = now;
        next.version += 1;
        for (k, v) in &u.set {
            let s = match v {
                crate::table::Value::S(s) => Some(s.clone()),
                _ => None,
            };
            match *k {
                _ if k == PROVIDER_PAYMENT => next.payment_id = s,
                _ if k == CONSENT_ID => next.consent_id = s,
                _ if k == CONSENT_URL => next.consent_url = s,
                _ if k == PROVIDER_TX => next.tx_id = s,
                _ if k == attr::FAILURE_REASON => next.failure = s,
                _ => {}
            }
        }
        let mut ops = vec![TxOp::Update(u)];
        if to == Status::Failed {
            ops.extend(limits::release(&t.user_id, t.amount, &t.day, &t.month));
        }
        match self.table.transact(ops).await {
            Ok(()) => Ok(next),
            // Moved meanwhile (webhook, reconciliation, the owner's look): theirs stands.
            Err(TableError::TransactionCanceled { .. }) => {
                self.transfer_find(&t.user_id, &t.id).await?.ok_or(WalletError::NoTransfer)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The transfer a consent belongs to (a consent webhook names only the consent).
    pub async fn by_consent(&self, consent_id: &str) -> Result<Option<Transfer>, WalletError> {
        let q = Query::partition(keys::wallet_consent_gsi(consent_id)).on_index("gsi1").limit(1);
        Ok(self.table.query(q).await?.items.first().and_then(Transfer::from_item))
    }

    /// Transfers in a status, at most `max` (reconciliation).
    pub(super) async fn transfers_in(&self, status: Status, max: usize) -> Result<Vec<Transfer>, WalletError> {
        let index = keys::wallet_transfer_status_gsi(status.as_str());
        let end = status_index::END_OF_TIME;
        Ok(status_index::in_range(self.table.as_ref(), index, 0, end, max, Transfer::from_item).await?)
    }
}
