//! The bank's word on a QR payment, and reconciliation. Accepted (`ACTC`, `ACSP`, …) →
//! `authorised`, the funds recorded for the payer; settled (`ACSC`, `ACCC`) → `completed`, the
//! amount owed to the merchant (`merchant:<id>:NOK`) and the code marked paid; rejected →
//! `failed`, with the limits and the code released (and the funds reversed if they were
//! recorded). Payments resting at the bank are re-read by reconciliation; one still waiting for
//! SCA well past its expiry is cancelled at the bank, and then follows the bank's status.
//!
//! Ledger, per status (customer = the payer's account):
//!
//! | status | postings | customer net | merchant |
//! |---|---|---|---|
//! | created, pending_authorisation, cancelled, expired | none | 0 | 0 |
//! | authorised | funds received | amount | 0 |
//! | completed | funds received, merchant payable | 0 | amount (0 once charged: the acquirer has it) |
//! | failed | none, or received and reversed | 0 | 0 |
//! | refunding (late funds) | received (again) | amount | 0 |
//! | refunded | received (again), refunded | 0 | 0 |

use super::invariants::Violation;
use super::ledger::{self, Posting};
use super::payments::{provider_err, Remit};
use super::ports::{classify, BankPaymentState};
use super::qr::QrPayment;
use super::reconcile::QrReconciled;
use super::status_index;
use super::RemitError;
use crate::table::{Condition, TxOp, Update};
use drop_domain::event::catalogue::{DomainEvent, QrPaymentChanged};
use drop_domain::keys;
use drop_domain::keys::attr;
use drop_domain::lifecycle::qr_payment::{Event, Status};
use drop_domain::payment::Kind;
use drop_domain::Currency;
use std::collections::BTreeMap;

/// The bank statuses that mean the money is in Drop's account.
fn settled(status: &str) -> bool {
    matches!(status, "ACSC" | "ACCC")
}

/// How long a completed payment is left to the settlement worker before reconciliation hands it
/// to the acquirer itself.
pub const SETTLEMENT_GRACE_SECS: i64 = 15 * 60;

/// QR payments read per status and reconciliation run (the next run goes on).
pub const MAX_PER_STATUS: usize = 1000;

pub fn merchant_account(merchant_id: &str) -> String {
    format!("merchant:{merchant_id}:NOK")
}

impl Remit {
    fn qr_posting(&self, p: &QrPayment, debit: String, credit: String, kind: &'static str) -> Posting {
        Posting { debit, credit, amount: p.amount, currency: Currency::NOK, reference: p.id.clone(), kind }
    }

    pub(super) fn qr_event(&self, p: &QrPayment, to: Status) -> TxOp {
        let changed = QrPaymentChanged {
            v: 1,
            payer_id: p.user_id.clone(),
            merchant_id: p.merchant_id.clone(),
            status: to.as_str().to_owned(),
            amount_minor: p.amount,
            currency: p.currency.as_str().to_owned(),
            kind: p.kind,
        };
        let e = DomainEvent::QrPayment { payment_id: p.id.clone(), changed };
        crate::events::outbox_put(&e, self.clock.now()).0
    }

    /// Moves a payment at the bank on by the bank's `transactionStatus`.
    async fn qr_follow(&self, p: &QrPayment, status: &str) -> Result<(), RemitError> {
        let at = drop_domain::time::rfc3339(self.clock.now());
        // A person is paid straight to their account: Drop never holds that money (no postings).
        let through_drop = p.kind != Kind::P2p;
        let received = || self.qr_posting(p, ledger::safeguarding(), ledger::customer(&p.user_id), "funds_received");
        let state = classify(status);
        let mut ops = Vec::new();
        match (p.status, state) {
            (Status::PendingAuthorisation | Status::Authorised, BankPaymentState::Authorised) if settled(status) => {
                let (u, to) = self.qr_step(p, Event::BankSettled, vec![(attr::BANK_STATUS, status.into())])?;
                let mut postings = Vec::new();
                if p.status == Status::PendingAuthorisation {
                    postings.push(received());
                }
                postings.push(self.qr_posting(
                    p,
                    ledger::customer(&p.user_id),
                    merchant_account(&p.merchant_id),
                    "merchant_payable",
                ));
                ops.extend([TxOp::Update(u), self.qr_event(p, to)]);
                if through_drop {
                    ops.extend(ledger::ops(&postings, &at));
                }
                // The code (or request) is paid.
                if let Some(single) = super::qr::single_use(p) {
                    ops.push(TxOp::Update(
                        Update::new(single)
                            .set(attr::STATUS, "paid")
                            .set(attr::PAID_BY, p.id.as_str())
                            .set(attr::PAID_AMOUNT, p.amount)
                            .set(attr::PAID_AT, self.now())
                            .when(Condition::eq(attr::CLAIMED_BY, p.id.as_str())),
                    ));
                }
            }
            (Status::PendingAuthorisation, BankPaymentState::Authorised) => {
                let (u, to) = self.qr_step(p, Event::BankAuthorised, vec![(attr::BANK_STATUS, status.into())])?;
                ops.extend([TxOp::Update(u), self.qr_event(p, to)]);
                if through_drop {
                    ops.extend(ledger::ops(&[received()], &at));
                }
            }
            (Status::PendingAuthorisation | Status::Authorised, BankPaymentState::Failed) => {
                let (u, to) = self.qr_step(
                    p,
                    Event::BankRejected,
                    vec![(attr::BANK_STATUS, status.into()), (attr::FAILURE_REASON, format!("bank {status}").into())],
                )?;
                ops.extend([TxOp::Update(u), self.qr_event(p, to)]);
                if p.status == Status::Authorised && through_drop {
                    let reversed =
                        self.qr_posting(p, ledger::customer(&p.user_id), ledger::safeguarding(), "funds_reversed");
                    ops.extend(ledger::ops(&[reversed], &at));
                }
                ops.extend(self.qr_unclaim(p));
            }
            (Status::Failed, BankPaymentState::Authorised) if settled(status) && through_drop => {
                return self.qr_late_funds(p, status).await;
            }
            (Status::Failed, BankPaymentState::Authorised) if settled(status) => {
                // The requester got the money after all (it never passed through Drop): the payment
                // is completed and the request paid, unless another payment took it meanwhile
                // (then it was paid twice: operations settle it between the two people).
                let (u, to) = self.qr_step(p, Event::BankSettled, vec![(attr::BANK_STATUS, status.into())])?;
                let mut ops = vec![TxOp::Update(u), self.qr_event(p, to)];
                if let Some(single) = super::qr::single_use(p) {
                    ops.push(TxOp::Update(
                        Update::new(single)
                            .set(attr::STATUS, "paid")
                            .set(attr::CLAIMED_BY, p.id.as_str())
                            .set(attr::PAID_BY, p.id.as_str())
                            .set(attr::PAID_AMOUNT, p.amount)
                            .set(attr::PAID_AT, self.now())
                            .when(
                                Condition::eq(attr::STATUS, "active")
                                    .and(Condition::NotExists(attr::CLAIMED_BY.into())),
                            ),
                    ));
                }
                if self.apply(ops).await.is_err() {
                    tracing::error!(payment = %p.id, "a request settled late was paid by another payment meanwhile: paid twice");
                    let (u, to) = self.qr_step(p, Event::BankSettled, vec![(attr::BANK_STATUS, status.into())])?;
                    self.apply(vec![TxOp::Update(u), self.qr_event(p, to)]).await?;
                }
                return Ok(());
            }
            _ => return Ok(()),
        }
        self.apply(ops).await
    }

    /// Reads the bank's status of a payment at the bank and follows it.
    pub async fn qr_check_bank(&self, payment_id: &str) -> Result<QrPayment, RemitError> {
        let p = self.qr_find(payment_id).await?;
        let Some(bank_id) = p.bank_payment_id.clone() else { return Ok(p) };
        if !(p.status.at_bank() || p.status == Status::Failed) {
            return Ok(p);
        }
        let status = self.bank()?.payments.payment_status(&bank_id).await.map_err(provider_err)?;
        self.qr_follow(&p, &status).await?;
        self.qr_find(payment_id).await
    }

    /// QR payments of one status last changed between `from` and `to` (epoch seconds), oldest
    /// first, at most [`MAX_PER_STATUS`] (the next run goes on).
    pub async fn qr_payments_in(&self, status: Status, from: i64, to: i64) -> Result<Vec<QrPayment>, RemitError> {
        self.qr_payments_up_to(status, from, to, MAX_PER_STATUS).await
    }

    pub(super) async fn qr_payments_up_to(
        &self,
        status: Status,
        from: i64,
        to: i64,
        max: usize,
    ) -> Result<Vec<QrPayment>, RemitError> {
        let index = keys::qr_payment_status_gsi(status.as_str());
        Ok(status_index::in_range(self.table.as_ref(), index, from, to, max, QrPayment::from_item).await?)
    }

    /// Scans never confirmed expire; payments at the bank are re-read; one still waiting for
    /// SCA `SCA_GRACE_SECS` after its expiry is cancelled at the bank (and follows the bank).
    pub async fn qr_reconcile(&self, stale_secs: i64) -> Result<QrReconciled, RemitError> {
        let now = self.now();
        let mut r = QrReconciled::default();
        if self.acquirer.is_some() {
            let (examined, errors) = self.refunds_reconcile(MAX_PER_STATUS).await?;
            r.merchant_refunds += examined;
            r.errors += errors;
        }
        // Refunds first (money owed back), then what waits at the bank, then completed payments not
        // yet handed to the acquirer (the settlement worker's message lost), then the rest.
        let statuses = [
            Status::Refunding,
            Status::PendingAuthorisation,
            Status::Authorised,
            Status::Completed,
            Status::Created,
            Status::Failed,
        ];
        for status in statuses {
            // Failed payments are re-read for a while (a bank may settle what it rejected);
            // completed ones are handed over within the same window (after it, operations and the
            // DLQ alarm have them): charged and person-to-person payments stay `completed`.
            let from = match status {
                Status::Failed | Status::Completed => now - super::reconcile::CANCELLED_LOOKBACK_SECS,
                _ => 0,
            };
            // Completed payments are the settlement worker's first: reconciliation takes over late.
            let stale = if status == Status::Completed { stale_secs.max(SETTLEMENT_GRACE_SECS) } else { stale_secs };
            for p in self.qr_payments_in(status, from, now - stale).await? {
                r.examined += 1;
                let outcome = match status {
                    // A claimed payment's confirmation may be at the bank: it gets the SCA grace.
                    Status::Created
                        if now >= p.expires_at
                            && (p.confirm_claim.is_none()
                                || now >= p.expires_at + super::reconcile::SCA_GRACE_SECS) =>
                    {
                        self.qr_expire(&p).await.map(|_| r.expired += 1)
                    }
                    Status::Created => Ok(()),
                    Status::Failed if p.bank_payment_id.is_some() => {
                        self.qr_check_bank(&p.id).await.map(|_| r.bank_checked += 1)
                    }
                    Status::Failed => Ok(()),
                    Status::Refunding => self.qr_poll_refund(&p).await.map(|_| r.refunds_checked += 1),
                    Status::Completed if p.kind == Kind::Qr && p.charge_id.is_none() && self.acquirer.is_some() => {
                        self.qr_submit(&p.id).await.map(|_| r.handed_to_acquirer += 1)
                    }
                    Status::Completed => Ok(()),
                    _ => match self.qr_check_bank(&p.id).await {
                        Ok(q)
                            if q.status == Status::PendingAuthorisation
                                && now > q.expires_at + super::reconcile::SCA_GRACE_SECS =>
                        {
                            r.bank_checked += 1;
                            self.qr_cancel_at_bank(&q).await.map(|_| r.cancelled_at_bank += 1)
                        }
                        other => other.map(|_| r.bank_checked += 1),
                    },
                };
                if let Err(e) = outcome {
                    r.errors += 1;
                    tracing::warn!(payment = %p.id, status = status.as_str(), error = %e, "QR reconciliation step failed");
                }
            }
        }
        Ok(r)
    }

    /// Asks the bank to cancel a payment still waiting for SCA, then follows the bank's status
    /// (cancelled → failed; if the payer approved meanwhile, it goes on).
    async fn qr_cancel_at_bank(&self, p: &QrPayment) -> Result<(), RemitError> {
        let bank_id = p.bank_payment_id.clone().ok_or(RemitError::NotFound)?;
        let bank = &self.bank()?.payments;
        match bank.cancel_payment(&bank_id).await {
            Ok(()) | Err(super::ports::ProviderError::Rejected(_)) => {}
            // Not answered: try again at the next run (counted as an error there).
            Err(e) => return Err(provider_err(e)),
        }
        let status = bank.payment_status(&bank_id).await.map_err(provider_err)?;
        self.qr_follow(p, &status).await
    }

    /// The QR half of the ledger invariants: each payment's journal balances and matches its
    /// status; adds the payments' accounts to `customers` and Drop's to `house`, and what the
    /// statuses say Drop's accounts must hold to `by_status`.
    pub(super) async fn qr_invariants(
        &self,
        customers: &mut BTreeMap<String, i64>,
        house: &mut BTreeMap<String, i64>,
        by_status: &mut BTreeMap<String, i64>,
    ) -> Result<(u32, u32, Vec<Violation>), RemitError> {
        let (mut payments, mut postings, mut v) = (0, 0, Vec::new());
        let now = self.now();
        let mut refundable = BTreeMap::new();
        for status in Status::ALL {
            for p in self.qr_payments_up_to(*status, 0, now + 1, usize::MAX).await? {
                payments += 1;
                if p.kind == Kind::Qr {
                    refundable.insert(p.id.clone(), (p.amount, p.refunded));
                }
                let journal = ledger::journal(self.table.as_ref(), &p.id).await?;
                postings += journal.len() as u32;
                let allowed: &[&str] = match p.status {
                    // Paid straight to a person: never in Drop's books.
                    _ if p.kind == Kind::P2p => &[],
                    Status::Authorised => &["funds_received"],
                    Status::Completed | Status::Settled => &["funds_received", "merchant_payable", "acquirer_charged"],
                    Status::Failed => &["funds_received", "funds_reversed"],
                    Status::Refunding => &["funds_received", "funds_reversed", "funds_received_again"],
                    Status::Refunded => &["funds_received", "funds_reversed", "funds_received_again", "refund"],
                    _ => &[],
                };
                let violation = |rule: &'static str, detail: String| Violation { rule, subject: p.id.clone(), detail };
                if let Some(j) = journal.iter().find(|j| !allowed.contains(&j.kind)) {
                    v.push(violation("postings-match-status", format!("{} posting in {}", j.kind, p.status.as_str())));
                }
                let mut net: BTreeMap<String, i64> = BTreeMap::new();
                for j in &journal {
                    *net.entry(j.debit.clone()).or_insert(0) -= j.amount;
                    *net.entry(j.credit.clone()).or_insert(0) += j.amount;
                }
                let total: i64 = net.values().sum();
                if total != 0 || journal.iter().any(|j| j.amount <= 0) {
                    v.push(violation("journal-balances", format!("postings sum to {total}")));
                }
                let customer = ledger::customer(&p.user_id);
                let held = net.get(&customer).copied().unwrap_or(0);
                let holds = matches!(p.status, Status::Authorised | Status::Refunding) && p.kind != Kind::P2p;
                let expected = if holds { p.amount } else { 0 };
                if held != expected {
                    v.push(violation(
                        "funds-match-status",
                        format!("{} holds {held}, expected {expected}", p.status.as_str()),
                    ));
                }
                if p.status == Status::Refunding && p.refund_attempt >= super::refund_transfer::MAX_REFUND_ATTEMPTS {
                    v.push(violation("funds-have-a-way-out", format!("{} refunds rejected", p.refund_attempt)));
                }
                let received =
                    matches!(p.status, Status::Authorised | Status::Completed | Status::Settled | Status::Refunding)
                        && p.kind != Kind::P2p;
                *by_status.entry(ledger::safeguarding()).or_insert(0) -= if received { p.amount } else { 0 };
                let done = matches!(p.status, Status::Completed | Status::Settled) && p.kind != Kind::P2p;
                let charged = done && p.charge_id.is_some();
                let owed = if done && !charged { p.amount } else { 0 };
                *by_status.entry(merchant_account(&p.merchant_id)).or_insert(0) += owed;
                if let Some(name) = p.acquirer_payment_id.as_ref().and(item_acquirer(&journal)) {
                    *by_status.entry(name).or_insert(0) += if charged { p.amount } else { 0 };
                }
                for (account, n) in net {
                    let into = if account == customer { &mut *customers } else { &mut *house };
                    *into.entry(account).or_insert(0) += n;
                }
            }
        }
        let (refund_postings, refunds) = self.refund_invariants(&refundable, customers, house, by_status).await?;
        v.extend(refunds);
        Ok((payments, postings + refund_postings, v))
    }
}

/// The acquirer account a payment's charge posting credits, if it has one.
fn item_acquirer(journal: &[Posting]) -> Option<String> {
    journal.iter().find(|j| j.kind == "acquirer_charged").map(|j| j.credit.clone())
}
