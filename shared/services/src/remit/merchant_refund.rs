//! A merchant refunds a QR payment, all of it or part (`drop_domain::lifecycle::merchant_refund`).
//! The request reserves the amount on the payment (its `refunded_amount`, changed only from the
//! value read: two refunds at once cannot take more than was paid) and stores the refund with the
//! idempotency record's answer in one transaction. Then the acquirer refunds its charge (under the
//! refund's id as idempotency key) and Drop owes the payer (acquirer → payer); a credit transfer
//! from the client-funds account goes to the account the payment came from, under a key per
//! attempt; when the bank settles it the payer is paid (payer → safeguarding). What a request does
//! not finish (a partner did not answer) reconciliation finishes: refunds in flight are listed by
//! status. The acquirer refusing frees the amount again.

use super::invariants::Violation;
use super::ledger::{self, Posting};
use super::payments::{provider_err, Completion, Remit};
use super::ports::ProviderError;
use super::qr::QrPayment;
use super::qr_settle::acquirer_account;
use super::refund_transfer::{paid_back, Progress, Transfer, MAX_REFUND_ATTEMPTS};
use super::status_index::{self, StatusStep};
use super::RemitError;
use crate::idempotency;
use crate::table::{Condition, Item, Key, Query, TxOp, Update};
use drop_domain::event::catalogue::{DomainEvent, QrRefundChanged};
use drop_domain::keys;
use drop_domain::keys::attr;
use drop_domain::lifecycle::merchant_refund::{transition, Event, Status};
use drop_domain::lifecycle::qr_payment::Status as PaymentStatus;
use drop_domain::payment::Kind;
use drop_domain::Currency;
use std::collections::BTreeMap;

/// Why a payment cannot be refunded (each its own problem type).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundRefusal {
    /// Not (yet) money the merchant has: the payer's bank has not settled it, or it went back.
    #[error("the payment cannot be refunded in status {0}")]
    NotRefundable(&'static str),
    /// More than is left of the payment after its earlier refunds.
    #[error("at most {left} can be refunded")]
    TooLarge { left: i64 },
}

/// A merchant refund as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct MerchantRefund {
    pub id: String,
    pub payment_id: String,
    /// The payer (whose partition holds it).
    pub payer_id: String,
    pub merchant_id: String,
    /// NOK minor units.
    pub amount: i64,
    pub currency: Currency,
    pub status: Status,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    /// The acquirer's charge refunded, and its refund.
    pub charge_id: String,
    pub acquirer: String,
    pub acquirer_refund_id: Option<String>,
    /// The transfer to the payer: the attempt, and the bank's id of it.
    pub attempt: i64,
    pub bank_id: Option<(i64, String)>,
}

/// A refund id as this API gives them out.
pub fn is_id(id: &str) -> bool {
    id.strip_prefix("qrr_").is_some_and(|u| u.len() == 26 && u.bytes().all(|b| b.is_ascii_alphanumeric()))
}

impl MerchantRefund {
    fn key(&self) -> Key {
        Key::new(keys::user_pk(&self.payer_id), keys::qr_refund_sk(&self.payment_id, &self.id))
    }

    fn from_item(i: &Item) -> Option<MerchantRefund> {
        Some(MerchantRefund {
            id: i.s(attr::REFUND_ID)?.to_owned(),
            payment_id: i.s(attr::PAYMENT_ID)?.to_owned(),
            payer_id: i.s(attr::USER_ID)?.to_owned(),
            merchant_id: i.s(attr::MERCHANT_ID)?.to_owned(),
            amount: i.n(attr::AMOUNT)?,
            currency: Currency::parse(i.s(attr::CURRENCY)?).ok()?,
            status: Status::parse(i.s(attr::STATUS)?)?,
            created_at: i.n(attr::CREATED_AT)?,
            updated_at: i.n(attr::UPDATED_AT)?,
            version: i.n(attr::VERSION)?,
            charge_id: i.s(attr::CHARGE_ID)?.to_owned(),
            acquirer: i.s(attr::ACQUIRER)?.to_owned(),
            acquirer_refund_id: i.s(attr::ACQUIRER_REFUND_ID).map(str::to_owned),
            attempt: i.n(attr::REFUND_ATTEMPT).unwrap_or(1),
            bank_id: i.n(attr::REFUND_BANK_ATTEMPT).zip(i.s(attr::REFUND_BANK_ID).map(str::to_owned)),
        })
    }

    fn to_item(&self) -> Item {
        Item::new(self.key().pk, self.key().sk)
            .with(attr::REFUND_ID, self.id.as_str())
            .with(attr::PAYMENT_ID, self.payment_id.as_str())
            .with(attr::USER_ID, self.payer_id.as_str())
            .with(attr::MERCHANT_ID, self.merchant_id.as_str())
            .with(attr::AMOUNT, self.amount)
            .with(attr::CURRENCY, self.currency.as_str())
            .with(attr::STATUS, self.status.as_str())
            .with(attr::CREATED_AT, self.created_at)
            .with(attr::UPDATED_AT, self.updated_at)
            .with(attr::VERSION, self.version)
            .with(attr::CHARGE_ID, self.charge_id.as_str())
            .with(attr::ACQUIRER, self.acquirer.as_str())
            .with(attr::REFUND_ATTEMPT, self.attempt)
            .with(attr::GSI1PK, keys::payment_id_gsi(&self.id))
            .with(attr::GSI1SK, keys::payment_id_gsi(&self.id))
            .with(attr::GSI2PK, keys::qr_refund_status_gsi(self.status.as_str()))
            .with(attr::GSI2SK, status_index::status_sort(self.updated_at, &self.id))
            .with(attr::GSI3PK, keys::merchant_refunds_gsi(&self.merchant_id))
            .with(attr::GSI3SK, format!("{:012}#{}", self.created_at, self.id))
    }
}

/// The acquirer took the charge back: Drop owes the payer.
fn owed_to_payer(r: &MerchantRefund) -> Posting {
    Posting {
        debit: acquirer_account(&r.acquirer),
        credit: ledger::customer(&r.payer_id),
        amount: r.amount,
        currency: Currency::NOK,
        reference: r.id.clone(),
        kind: "merchant_refund",
    }
}

impl Remit {
    fn refund_event(&self, r: &MerchantRefund, to: Status) -> TxOp {
        let changed = QrRefundChanged {
            v: 1,
            payer_id: r.payer_id.clone(),
            merchant_id: r.merchant_id.clone(),
            payment_id: r.payment_id.clone(),
            status: to.as_str().to_owned(),
            amount_minor: r.amount,
            currency: r.currency.as_str().to_owned(),
        };
        crate::events::outbox_put(&DomainEvent::QrRefund { refund_id: r.id.clone(), changed }, self.clock.now()).0
    }

    /// One transition of a refund as a conditional update (on the version read), with its event.
    fn refund_step(
        &self,
        r: &MerchantRefund,
        event: Event,
        set: Vec<(&str, crate::table::Value)>,
    ) -> Result<Vec<TxOp>, RemitError> {
        let to = transition(r.status, event).map_err(|_| RemitError::IllegalState(r.status.as_str()))?;
        let step = StatusStep {
            key: r.key(),
            id: &r.id,
            index: keys::qr_refund_status_gsi(to.as_str()),
            from: r.status.as_str(),
            to: to.as_str(),
            version: r.version,
            now: self.now(),
        };
        let u = step.update(set);
        Ok(vec![TxOp::Update(u), self.refund_event(r, to)])
    }

    /// A merchant's refund of one of its payments (`p`, as just read; `amount`: all that is left
    /// if `None`). The refund is stored with `idem`'s answer, on the condition that the payment's
    /// refunds hold what `p` says; then it goes as far as the partners let it now.
    pub async fn merchant_refund(
        &self,
        merchant_id: &str,
        p: &QrPayment,
        amount: Option<i64>,
        idem: Option<Completion<'_, MerchantRefund>>,
    ) -> Result<MerchantRefund, RemitError> {
        // Another merchant's payment, or a person's: not found (nothing said about it).
        if p.merchant_id != merchant_id || p.kind != Kind::Qr {
            return Err(RemitError::NotFound);
        }
        let charge_id = match (&p.charge_id, p.status) {
            (Some(c), PaymentStatus::Completed | PaymentStatus::Settled) => c.clone(),
            // Completed, not charged yet (the settlement worker is on it): not yet.
            (None, PaymentStatus::Completed) => return Err(RefundRefusal::NotRefundable("not charged yet").into()),
            _ => return Err(RefundRefusal::NotRefundable(p.status.as_str()).into()),
        };
        let refunded = p.refunded;
        let left = p.amount - refunded;
        let amount = amount.unwrap_or(left);
        if amount < 1 || amount > left {
            return Err(RefundRefusal::TooLarge { left }.into());
        }
        let now = self.now();
        let acquirer = self.acquirer_name()?;
        let r = MerchantRefund {
            id: format!("qrr_{}", crate::ids::ulid()),
            payment_id: p.id.clone(),
            payer_id: p.user_id.clone(),
            merchant_id: p.merchant_id.clone(),
            amount,
            currency: Currency::NOK,
            status: Status::Requested,
            created_at: now,
            updated_at: now,
            version: 1,
            charge_id,
            acquirer,
            acquirer_refund_id: None,
            attempt: 1,
            bank_id: None,
        };
        let seen = if refunded == 0 {
            Condition::NotExists(attr::REFUNDED_AMOUNT.into())
        } else {
            Condition::eq(attr::REFUNDED_AMOUNT, refunded)
        };
        let reserve = Update::new(p.key())
            .set(attr::REFUNDED_AMOUNT, refunded + amount)
            .when(seen.and(Condition::Exists(attr::CHARGE_ID.into())));
        let mut ops = vec![
            TxOp::Put { item: r.to_item(), condition: Some(Condition::absent()) },
            TxOp::Update(reserve),
            self.refund_event(&r, Status::Requested),
        ];
        if let Some(c) = &idem {
            ops.push(TxOp::Update(idempotency::complete(c.record, c.hash, 202, &(c.render)(&r))));
        }
        self.apply(ops).await?;
        // The rest is the partners': what they do not do now, reconciliation does.
        let latest = match self.refund_advance(&r).await {
            Ok(latest) => latest,
            Err(e) => {
                tracing::warn!(refund = %r.id, error = %e, "merchant refund left for reconciliation");
                // A step may have been written before the one that failed: the stored refund says.
                self.refund_find(&r.id).await.unwrap_or_else(|_| r.clone())
            }
        };
        // A replay answers what the first request answered (if this fails, the stored answer is
        // the refund as it was accepted: also true, only earlier).
        if let Some(c) = idem.filter(|_| latest != r) {
            if let Err(e) = self.table.update(idempotency::rewrite(c.record, c.hash, &(c.render)(&latest))).await {
                tracing::warn!(refund = %r.id, error = %e, "refund answer not updated");
            }
        }
        Ok(latest)
    }

    fn acquirer_name(&self) -> Result<String, RemitError> {
        Ok(self.acquirer.as_ref().ok_or(RemitError::Unwired("Acquirer"))?.name().to_owned())
    }

    pub async fn refund_find(&self, id: &str) -> Result<MerchantRefund, RemitError> {
        if !is_id(id) {
            return Err(RemitError::NotFound);
        }
        let q = Query::partition(keys::payment_id_gsi(id)).on_index("gsi1").limit(1);
        let page = self.table.query(q).await?;
        page.items.first().and_then(MerchantRefund::from_item).ok_or(RemitError::NotFound)
    }

    /// A payment's refunds, oldest first (the payer's partition).
    pub async fn refunds_of(&self, payer_id: &str, payment_id: &str) -> Result<Vec<MerchantRefund>, RemitError> {
        let q = Query::partition(keys::user_pk(payer_id)).prefix(keys::qr_refunds_of(payment_id)).limit(100);
        Ok(self.table.query(q).await?.items.iter().filter_map(MerchantRefund::from_item).collect())
    }

    /// Moves a refund on as far as it goes now (at most one acquirer call, one transfer and one
    /// status read).
    /// Answers the refund as it now stands (each step's write is conditional on what it read, so
    /// the refund as written is known without reading it back).
    pub async fn refund_advance(&self, r: &MerchantRefund) -> Result<MerchantRefund, RemitError> {
        let mut r = r.clone();
        for _ in 0..3 {
            let moved = match r.status {
                Status::Requested => self.refund_at_acquirer(&r).await?,
                Status::Sending => self.refund_to_payer(&r).await?,
                Status::Refunded | Status::Failed => None,
            };
            match moved {
                Some(next) => r = next,
                None => break,
            }
        }
        Ok(r)
    }

    /// `r` after a transition written by [`Remit::refund_step`].
    fn stepped(&self, r: &MerchantRefund, event: Event) -> MerchantRefund {
        let mut next = r.clone();
        next.status = transition(r.status, event).unwrap_or(r.status);
        next.version += 1;
        next.updated_at = self.now();
        next
    }

    /// Asks the acquirer to refund the charge (its key: the refund's id).
    async fn refund_at_acquirer(&self, r: &MerchantRefund) -> Result<Option<MerchantRefund>, RemitError> {
        let acquirer = self.acquirer.as_ref().ok_or(RemitError::Unwired("Acquirer"))?.clone();
        let (ops, event) = match acquirer.refund(&r.charge_id, r.amount, &r.id).await {
            Ok(refund_id) => {
                let mut ops =
                    self.refund_step(r, Event::AcquirerRefunded, vec![(attr::ACQUIRER_REFUND_ID, refund_id.into())])?;
                ops.extend(ledger::ops(&[owed_to_payer(r)], &drop_domain::time::rfc3339(self.clock.now())));
                (ops, Event::AcquirerRefunded)
            }
            Err(ProviderError::Rejected(why)) => {
                tracing::warn!(refund = %r.id, why, "the acquirer refused a merchant refund");
                let mut ops = self.refund_step(r, Event::AcquirerRefused, vec![])?;
                // The amount is free again (added back: other refunds may have moved it since).
                let payment_key = Key::new(keys::user_pk(&r.payer_id), keys::qr_payment_sk(&r.payment_id));
                ops.push(TxOp::Update(Update::new(payment_key).add(attr::REFUNDED_AMOUNT, -r.amount)));
                (ops, Event::AcquirerRefused)
            }
            Err(e) => return Err(provider_err(e)),
        };
        self.apply(ops).await?;
        Ok(Some(self.stepped(r, event)))
    }

    fn refund_transfer<'a>(&self, r: &'a MerchantRefund) -> Transfer<'a> {
        Transfer {
            key: r.key(),
            id: &r.id,
            sending: Status::Sending.as_str(),
            attempt: r.attempt,
            bank_id: r.bank_id.as_ref(),
            amount: r.amount,
            end_to_end_id: format!("M{}{}", r.attempt, r.id.trim_start_matches("qrr_")),
            remittance: format!("Refund {} {}", r.payment_id, r.id),
        }
    }

    /// Sends the current attempt's transfer to the payer, or reads the bank's word on it.
    async fn refund_to_payer(&self, r: &MerchantRefund) -> Result<Option<MerchantRefund>, RemitError> {
        let t = self.refund_transfer(r);
        match self.transfer_progress(&t).await? {
            Progress::Unsent => {
                let payment_key = Key::new(keys::user_pk(&r.payer_id), keys::qr_payment_sk(&r.payment_id));
                let creditor = self
                    .stored_debtor(&payment_key)
                    .await?
                    .ok_or_else(|| RemitError::Bank("no account to refund to".into()))?;
                match self.transfer_send(&t, creditor).await? {
                    Ok(bank_id) => Ok(Some(MerchantRefund { bank_id: Some((r.attempt, bank_id)), ..r.clone() })),
                    Err(why) => self.transfer_next_attempt(&t, &why).await.map(|_| None),
                }
            }
            Progress::Pending => Ok(None),
            Progress::Settled(status) => {
                let mut ops = self.refund_step(r, Event::BankSettled, vec![(attr::REFUND_STATUS, status.into())])?;
                ops.extend(ledger::ops(
                    &[paid_back(&r.payer_id, r.amount, &r.id)],
                    &drop_domain::time::rfc3339(self.clock.now()),
                ));
                self.apply(ops).await?;
                Ok(Some(self.stepped(r, Event::BankSettled)))
            }
            Progress::Rejected(status) => self.transfer_next_attempt(&t, &status).await.map(|_| None),
        }
    }

    /// Refunds in a status, oldest change first, at most `max`.
    pub(super) async fn refunds_in(&self, status: Status, max: usize) -> Result<Vec<MerchantRefund>, RemitError> {
        let index = keys::qr_refund_status_gsi(status.as_str());
        let end = status_index::END_OF_TIME;
        Ok(status_index::in_range(self.table.as_ref(), index, 0, end, max, MerchantRefund::from_item).await?)
    }

    /// Reconciliation's part: every refund in flight is moved on. Answers (examined, errors).
    pub(super) async fn refunds_reconcile(&self, max: usize) -> Result<(u32, u32), RemitError> {
        let (mut examined, mut errors) = (0, 0);
        for status in [Status::Sending, Status::Requested] {
            for r in self.refunds_in(status, max).await? {
                examined += 1;
                if let Err(e) = self.refund_advance(&r).await {
                    errors += 1;
                    tracing::warn!(refund = %r.id, error = %e, "merchant refund step failed");
                }
            }
        }
        Ok((examined, errors))
    }
}

/// What the invariant checker needs of the refunds: their journals match their statuses, and
/// each payment's `refunded_amount` is what its refunds hold.
impl Remit {
    pub(super) async fn refund_invariants(
        &self,
        payments: &BTreeMap<String, (i64, i64)>,
        customers: &mut BTreeMap<String, i64>,
        house: &mut BTreeMap<String, i64>,
        by_status: &mut BTreeMap<String, i64>,
    ) -> Result<(u32, Vec<Violation>), RemitError> {
        let (mut postings, mut v) = (0, Vec::new());
        let mut held: BTreeMap<String, i64> = BTreeMap::new();
        for status in Status::ALL {
            for r in self.refunds_in(*status, usize::MAX).await? {
                let journal = ledger::journal(self.table.as_ref(), &r.id).await?;
                postings += journal.len() as u32;
                let violation = |rule: &'static str, detail: String| Violation { rule, subject: r.id.clone(), detail };
                let allowed: &[&str] = match r.status {
                    Status::Requested | Status::Failed => &[],
                    Status::Sending => &["merchant_refund"],
                    Status::Refunded => &["merchant_refund", "refund"],
                };
                if let Some(j) = journal.iter().find(|j| !allowed.contains(&j.kind)) {
                    v.push(violation("postings-match-status", format!("{} posting in {}", j.kind, r.status.as_str())));
                }
                if journal.len() != allowed.len() || journal.iter().any(|j| j.amount != r.amount) {
                    v.push(violation(
                        "postings-match-status",
                        format!("{} postings in {}", journal.len(), r.status.as_str()),
                    ));
                }
                if r.status == Status::Sending && r.attempt > MAX_REFUND_ATTEMPTS {
                    v.push(violation("funds-have-a-way-out", format!("{} refund transfers rejected", r.attempt - 1)));
                }
                if r.status.holds_amount() {
                    *held.entry(r.payment_id.clone()).or_insert(0) += r.amount;
                }
                let out_of_acquirer = matches!(r.status, Status::Sending | Status::Refunded);
                *by_status.entry(acquirer_account(&r.acquirer)).or_insert(0) -=
                    if out_of_acquirer { r.amount } else { 0 };
                *by_status.entry(ledger::safeguarding()).or_insert(0) +=
                    if r.status == Status::Refunded { r.amount } else { 0 };
                let customer = ledger::customer(&r.payer_id);
                for j in &journal {
                    for (account, n) in [(&j.debit, -j.amount), (&j.credit, j.amount)] {
                        let into = if *account == customer { &mut *customers } else { &mut *house };
                        *into.entry(account.clone()).or_insert(0) += n;
                    }
                }
            }
        }
        for (payment, (amount, refunded)) in payments {
            let holds = held.get(payment).copied().unwrap_or(0);
            if holds != *refunded || *refunded > *amount {
                v.push(Violation {
                    rule: "refunds-match-payment",
                    subject: payment.clone(),
                    detail: format!("refunded_amount {refunded}, refunds hold {holds}, paid {amount}"),
                });
            }
        }
        Ok((postings, v))
    }
}
