//! Transactions on a euro account, recorded from the provider's word (a webhook is only a hint:
//! the transaction is read again). One item per provider transaction, written on the condition
//! that it is new or moves forward (`pending` → `booked` | `rejected`), in one transaction with
//! its ledger postings (when booked), its event and, for money in seen first, the screening of
//! the sender (a hit: an alert for compliance and a hold on the user's transfers; nothing the
//! user sees). Webhooks duplicated, reordered or lost change nothing: the reconciliation poll
//! reads every open account's transactions changed since its last run.

use super::account::Wallet;
use super::ports::{TransactionStatus, WalletTransaction};
use super::{provider_account, wallet_account, WalletError, Wallets};
use crate::crypto::aad;
use crate::remit::ledger::{self, Posting};
use crate::screening::{self, Subject, Verdict};
use crate::table::{CancelReason, Condition, Item, Key, TableError, TxOp, Update};
use drop_domain::event::catalogue::{DomainEvent, WalletTxChanged};
use drop_domain::keys::{self, attr};
use drop_domain::lifecycle::wallet::{Status, TxStatus};
use drop_domain::lifecycle::wallet_transfer::Status as TransferStatus;
use drop_domain::screening::Party;
use drop_domain::Currency;

/// What recording a transaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    New(TxStatus),
    Moved(TxStatus),
    /// Known already in this status or a later one (a duplicate or a late, older word).
    Unchanged,
    /// Not Drop's to record: no wallet has its account, or a status Drop does not record.
    Ignored,
}

/// A recorded transaction, as the owner's history shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct WalletTx {
    /// The provider's id.
    pub id: String,
    /// `true`: money in.
    pub credit: bool,
    /// Euro cents.
    pub amount: i64,
    pub status: TxStatus,
    pub created_at: i64,
    pub updated_at: i64,
    key: Key,
    /// The sender's or the beneficiary's name, encrypted.
    counterparty: String,
}

impl WalletTx {
    pub fn from_item(i: &Item) -> Option<WalletTx> {
        let (pk, sk) = (i.s(attr::PK)?, i.s(attr::SK)?);
        Some(WalletTx {
            id: sk.strip_prefix(keys::WALLET_TX_PREFIX)?.to_owned(),
            credit: i.s(attr::SIDE)? == "credit",
            amount: i.n(attr::AMOUNT)?,
            status: TxStatus::parse(i.s(attr::STATUS)?)?,
            created_at: i.n(attr::CREATED_AT)?,
            updated_at: i.n(attr::UPDATED_AT)?,
            key: Key::new(pk, sk),
            counterparty: i.s(attr::COUNTERPARTY_NAME)?.to_owned(),
        })
    }

    /// The counterparty's name (decrypted for its owner's view only).
    pub async fn counterparty(
        &self,
        crypto: &crate::crypto::Crypto,
    ) -> Result<drop_domain::Secret<String>, WalletError> {
        let aad = aad(&self.key.pk, &self.key.sk, attr::COUNTERPARTY_NAME);
        Ok(crypto.decrypt_str(aad, &self.counterparty).await?)
    }
}

/// What reconciliation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reconciled {
    pub wallets: u32,
    pub opened: u32,
    pub recorded: u32,
    /// Transfers moved on.
    pub transfers: u32,
    pub errors: u32,
}

/// Reconciliation reads again this far back from where it stopped (clock skew, late updates).
const OVERLAP_SECS: i64 = 600;
/// Wallets per run and status.
const MAX_WALLETS: usize = 1000;

fn status_of(t: &WalletTransaction) -> Option<TxStatus> {
    match t.status {
        TransactionStatus::Pending => Some(TxStatus::Pending),
        TransactionStatus::Booked => Some(TxStatus::Booked),
        TransactionStatus::Rejected(_) => Some(TxStatus::Rejected),
        // Upcoming (not yet in any balance), cancelled before it moved money, or unknown.
        _ => None,
    }
}

impl Wallets {
    /// Reads a transaction the provider named (a webhook) and records it.
    pub async fn on_transaction(&self, provider_tx_id: &str) -> Result<Recorded, WalletError> {
        let Some(t) = self.banking.transaction(provider_tx_id).await? else { return Ok(Recorded::Ignored) };
        let Some(w) = self.by_account(&t.account_id).await? else {
            tracing::warn!(tx = provider_tx_id, "a transaction on an account no wallet has");
            return Ok(Recorded::Ignored);
        };
        let recorded = self.record(&w, &t).await?;
        // A transfer of Drop's moved at the bank: the transfer follows.
        if let Some(transfer) = t.external_reference.as_deref().filter(|r| super::send::is_id(r)) {
            if let Some(found) = self.transfer_find(&w.user_id, transfer).await? {
                self.advance(&found).await?;
            }
        }
        Ok(recorded)
    }

    /// A consent of a transfer changed (given, refused, expired): the transfer follows.
    pub async fn on_consent(&self, consent_id: &str) -> Result<Option<TransferStatus>, WalletError> {
        match self.by_consent(consent_id).await? {
            Some(t) => Ok(Some(self.advance(&t).await?.status)),
            None => Ok(None),
        }
    }

    /// Records one transaction of `w`'s account as the provider has it now.
    pub async fn record(&self, w: &Wallet, t: &WalletTransaction) -> Result<Recorded, WalletError> {
        let Some(to) = status_of(t) else { return Ok(Recorded::Ignored) };
        let k = Key::new(keys::user_pk(&w.user_id), keys::wallet_tx_sk(&t.id));
        let known = self.table.get(&k).await?;
        let from = known.as_ref().and_then(|i| i.s(attr::STATUS)).and_then(TxStatus::parse);
        let now = self.clock.epoch();
        let mut ops = Vec::new();
        match from {
            None => {
                ops.push(TxOp::Put {
                    item: self.tx_item(&k, w, t, to, now).await?,
                    condition: Some(Condition::absent()),
                });
                if t.credit {
                    ops.extend(self.screen_sender(w, t, now).await);
                }
            }
            Some(from) if from.may_become(to) => {
                let u = Update::new(k.clone())
                    .set(attr::STATUS, to.as_str())
                    .set(attr::UPDATED_AT, now)
                    .when(Condition::eq(attr::STATUS, from.as_str()));
                ops.push(TxOp::Update(u));
            }
            Some(_) => return Ok(Recorded::Unchanged),
        }
        if to == TxStatus::Booked {
            let (debit, credit) = if t.credit {
                (provider_account(), wallet_account(&w.user_id))
            } else {
                (wallet_account(&w.user_id), provider_account())
            };
            let kind = if t.credit { "wallet_credit" } else { "wallet_debit" };
            let posting =
                Posting { debit, credit, amount: t.amount, currency: Currency::EUR, reference: t.id.clone(), kind };
            ops.extend(ledger::ops(&[posting], &drop_domain::time::rfc3339(self.clock.now())));
        }
        let changed = WalletTxChanged {
            v: 1,
            user_id: w.user_id.clone(),
            credit: t.credit,
            status: to.as_str().to_owned(),
            amount_minor: t.amount,
            currency: Currency::EUR.as_str().to_owned(),
        };
        ops.push(
            crate::events::outbox_put(&DomainEvent::WalletTx { tx_id: t.id.clone(), changed }, self.clock.now()).0,
        );
        match self.table.transact(ops).await {
            Ok(()) => Ok(if from.is_some() { Recorded::Moved(to) } else { Recorded::New(to) }),
            // Recorded meanwhile by the other path (webhook or poll): theirs stands.
            Err(TableError::TransactionCanceled { reasons })
                if reasons.iter().flatten().all(|r| matches!(r, CancelReason::ConditionFailed { .. })) =>
            {
                Ok(Recorded::Unchanged)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn tx_item(
        &self,
        k: &Key,
        w: &Wallet,
        t: &WalletTransaction,
        status: TxStatus,
        now: i64,
    ) -> Result<Item, WalletError> {
        let enc = |a: &'static str, v: &drop_domain::Secret<String>| {
            let (k, v) = (k.clone(), v.clone());
            async move { self.crypto.encrypt_str(aad(&k.pk, &k.sk, a), &v).await }
        };
        Ok(Item::new(k.pk.clone(), k.sk.clone())
            .with(attr::USER_ID, w.user_id.as_str())
            .with(attr::STATUS, status.as_str())
            .with(attr::AMOUNT, t.amount)
            .with(attr::CURRENCY, Currency::EUR.as_str())
            .with(attr::SIDE, if t.credit { "credit" } else { "debit" })
            .with(attr::REFERENCE, t.reference.as_str())
            .with(attr::COUNTERPARTY_NAME, enc(attr::COUNTERPARTY_NAME, &t.counterparty_name).await?)
            .with(attr::COUNTERPARTY_IBAN, enc(attr::COUNTERPARTY_IBAN, &t.counterparty_iban).await?)
            .with(attr::CREATED_AT, now)
            .with(attr::UPDATED_AT, now)
            .with(attr::GSI3PK, keys::wallet_history_gsi(&w.user_id))
            .with(attr::GSI3SK, format!("{now:012}#{}", t.id)))
    }

    /// The sender of money in, screened: a hit raises an alert and holds the user's transfers
    /// (in the recording's transaction). Nothing of it reaches the user.
    async fn screen_sender(&self, w: &Wallet, t: &WalletTransaction, now: i64) -> Vec<TxOp> {
        let party = Party { names: vec![t.counterparty_name.expose().clone()], ..Default::default() };
        let subject = Subject {
            subject_type: "wallet_sender",
            subject_id: &t.id,
            user_id: &w.user_id,
            trigger: "incoming_credit",
            alert_id: None,
        };
        let screener = self.lists.current().await;
        let (verdict, mut ops) = screening::assess(&screener, &subject, &party, now);
        if let Verdict::PotentialHit { alert_id } | Verdict::ConfirmedHit { alert_id } = &verdict {
            tracing::info!(tx = %t.id, verdict = verdict.as_str(), "incoming credit's sender flagged");
            ops.extend(crate::holds::hold(&w.user_id, crate::holds::Source::Alert, alert_id, now));
        }
        ops
    }

    /// Every onboarding wallet is checked for an open account; every open account's
    /// transactions changed since the last run are recorded.
    pub async fn reconcile(&self) -> Result<Reconciled, WalletError> {
        let mut r = Reconciled::default();
        for w in self.in_status(Status::Onboarding, MAX_WALLETS).await? {
            match self.activate(&w).await {
                Ok(Some(_)) => r.opened += 1,
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "wallet onboarding check failed");
                    r.errors += 1;
                }
            }
        }
        for status in [TransferStatus::Requested, TransferStatus::ConsentPending, TransferStatus::Sending] {
            for t in self.transfers_in(status, MAX_WALLETS).await? {
                match self.advance(&t).await {
                    Ok(moved) if moved.status != t.status => r.transfers += 1,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "wallet transfer reconciliation failed");
                        r.errors += 1;
                    }
                }
            }
        }
        for w in self.in_status(Status::Active, MAX_WALLETS).await? {
            r.wallets += 1;
            match self.sync(&w).await {
                Ok(n) => r.recorded += n,
                Err(e) => {
                    tracing::warn!(error = %e, "wallet reconciliation failed");
                    r.errors += 1;
                }
            }
        }
        Ok(r)
    }

    /// Records `w`'s transactions changed since its last sync (with an overlap).
    pub(super) async fn sync(&self, w: &Wallet) -> Result<u32, WalletError> {
        let Some(account_id) = &w.account_id else { return Ok(0) };
        let started = self.clock.epoch();
        let since = w.synced_until.map(|s| drop_domain::time::rfc3339_epoch(s - OVERLAP_SECS));
        let (mut after, mut recorded) = (None, 0);
        loop {
            let page = self.banking.transactions(account_id, since.as_deref(), after.as_deref()).await?;
            for t in &page.transactions {
                if matches!(self.record(w, t).await?, Recorded::New(_) | Recorded::Moved(_)) {
                    recorded += 1;
                }
            }
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        self.synced(w, started).await?;
        Ok(recorded)
    }
}
