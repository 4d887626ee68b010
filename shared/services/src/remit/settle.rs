//! The bank's and the providers' word on a payment: the bank's verdict on the user's payment
//! (authorised, rejected, or money that arrived when no payout may follow), cancel (the bank is
//! asked first), payout, and provider updates (including a payout returned after completion).
//!
//! Decision (issue 9): funds the bank authorises after the quote expired are not paid out at the
//! stale rate and not re-quoted without the user: the payment fails (`LateFunds`) and the money
//! goes back by refund. Drop learns of an approval when the browser returns or when
//! reconciliation reads the bank, so an approval it learns of within `reconcile::SCA_GRACE_SECS`
//! of the quote's expiry still pays out (the providers' quotes outlive Drop's by more than that;
//! a provider that refuses the old quote fails the payout, which is refunded). A payment still
//! waiting for SCA after that is cancelled at the bank by reconciliation; if the bank took the
//! money meanwhile, the same refund follows.

use super::ledger::{self, Posting};
use super::limits;
use super::payments::{provider_err, Payment, Remit};
use super::ports::*;
use super::{recipients, RemitError};
use crate::table::TxOp;
use drop_domain::fx::Rate;
use drop_domain::keys::attr;
use drop_domain::payment::{Event, Status};
use drop_domain::Currency;

/// Reads of the bank's status before a payout (or refund) waits for reconciliation instead.
pub const SETTLEMENT_READS: u32 = 3;
pub const SETTLEMENT_READ_GAP_MS: u64 = 300;
/// The most calls to partners one payout makes in a row: the settlement reads, then the
/// provider's (Wise: recipient, transfer, funding; Thunes fewer). The payout worker's timeout is
/// sized from this (`template.yaml`, checked by `tests/tests/deploy_config.rs`).
pub const PAYOUT_MAX_CALLS: u32 = SETTLEMENT_READS + 3;

impl Remit {
    fn at(&self) -> String {
        drop_domain::time::rfc3339(self.clock.now())
    }

    fn posting(&self, p: &Payment, debit: String, credit: String, amount: i64, kind: &'static str) -> Posting {
        Posting { debit, credit, amount, currency: Currency::NOK, reference: p.id.clone(), kind }
    }

    /// Moves a payment on by the bank's `transactionStatus` for the user's payment. Pending
    /// payments follow the bank; a cancelled one whose bank took the money after all fails with
    /// the funds recorded, so that they are refunded.
    pub(super) async fn follow_bank(&self, p: &Payment, status: &str) -> Result<(), RemitError> {
        match (p.status, classify(status)) {
            (Status::PendingAuthorisation, BankPaymentState::Authorised)
                if self.now() > p.expires_epoch + super::reconcile::SCA_GRACE_SECS =>
            {
                self.late_funds(p, status, "authorised after the quote expired").await
            }
            (Status::PendingAuthorisation, BankPaymentState::Authorised) => {
                let (u, to) = self.step(p, Event::BankAuthorised, vec![(attr::BANK_STATUS, status.into())])?;
                let received = self.posting(
                    p,
                    ledger::safeguarding(),
                    ledger::customer(&p.user_id),
                    p.source_amount,
                    "funds_received",
                );
                let mut ops = vec![TxOp::Update(u), self.event(p, to)];
                ops.extend(ledger::ops(&[received], &self.at()));
                self.apply(ops).await
            }
            (Status::PendingAuthorisation, BankPaymentState::Failed) => {
                let (u, _) = self.step(
                    p,
                    Event::BankRejected,
                    vec![(attr::BANK_STATUS, status.into()), (attr::FAILURE_REASON, format!("bank {status}").into())],
                )?;
                let mut ops = vec![TxOp::Update(u)];
                ops.extend(limits::release(&p.user_id, p.source_amount, &p.day, &p.month));
                self.apply(ops).await
            }
            (Status::Cancelled, BankPaymentState::Authorised) if p.bank_payment_id.is_some() => {
                tracing::error!(payment = %p.id, bank_status = status, "the bank took a payment Drop had cancelled; refunding");
                self.late_funds(p, status, "funds arrived after cancellation").await
            }
            _ => Ok(()),
        }
    }

    /// The bank has the user's money but no payout may follow: record the funds and fail the
    /// payment, so that reconciliation refunds it.
    async fn late_funds(&self, p: &Payment, status: &str, reason: &str) -> Result<(), RemitError> {
        let (u, to) = self.step(
            p,
            Event::LateFunds,
            vec![(attr::BANK_STATUS, status.into()), (attr::FAILURE_REASON, reason.to_owned().into())],
        )?;
        // A payment whose funds were reversed once records them again under their own kind (one
        // posting per kind and reference).
        let earlier = ledger::journal(self.table.as_ref(), &p.id).await?;
        let kind =
            if earlier.iter().any(|j| j.kind == "funds_received") { "funds_received_again" } else { "funds_received" };
        let received = self.posting(p, ledger::safeguarding(), ledger::customer(&p.user_id), p.source_amount, kind);
        let mut ops = vec![TxOp::Update(u), self.event(p, to)];
        ops.extend(ledger::ops(&[received], &self.at()));
        if p.status == Status::PendingAuthorisation {
            ops.extend(limits::release(&p.user_id, p.source_amount, &p.day, &p.month));
        }
        self.apply(ops).await
    }

    /// Reads the bank's status of the user's payment and follows it (pending payments, and
    /// cancelled ones, which the bank may have taken after all).
    pub async fn check_bank(&self, payment_id: &str) -> Result<Payment, RemitError> {
        let p = self.find(payment_id).await?;
        let Some(bank_id) = p.bank_payment_id.clone() else { return Ok(p) };
        if !matches!(p.status, Status::PendingAuthorisation | Status::Cancelled) {
            return Ok(p);
        }
        let status = self.bank()?.payments.payment_status(&bank_id).await.map_err(provider_err)?;
        self.follow_bank(&p, &status).await?;
        self.find(payment_id).await
    }

    /// Cancels a payment. A quoted one at once; one waiting at the bank only after the bank
    /// cancelled it there. If the bank already accepted it, Drop follows the bank and refuses
    /// (409): the payment goes on to payout (or refund, if the quote expired).
    pub async fn cancel(&self, user_id: &str, payment_id: &str) -> Result<Payment, RemitError> {
        let p = self.load(user_id, payment_id).await?;
        match p.status {
            Status::Quoted => {
                let (u, _) = self.step(&p, Event::Cancel, vec![(attr::FAILURE_REASON, "cancelled".into())])?;
                let mut ops = vec![TxOp::Update(u)];
                ops.extend(limits::release(&p.user_id, p.source_amount, &p.day, &p.month));
                self.apply(ops).await?;
            }
            Status::PendingAuthorisation => self.cancel_at_bank(&p, "cancelled").await?,
            other => return Err(RemitError::IllegalState(other.as_str())),
        }
        self.load(user_id, payment_id).await
    }

    /// Asks the bank to cancel a pending payment, then follows what the bank says.
    pub(super) async fn cancel_at_bank(&self, p: &Payment, reason: &str) -> Result<(), RemitError> {
        let bank_id = p.bank_payment_id.clone().ok_or(RemitError::NotFound)?;
        let before = self.bank()?.payments.payment_status(&bank_id).await.map_err(provider_err)?;
        if classify(&before) == BankPaymentState::Pending {
            match self.bank()?.payments.cancel_payment(&bank_id).await {
                Ok(()) | Err(ProviderError::Rejected(_)) => {}
                Err(e @ ProviderError::Transient(_)) => return Err(provider_err(e)),
            }
        }
        let after = self.bank()?.payments.payment_status(&bank_id).await.map_err(provider_err)?;
        match classify(&after) {
            BankPaymentState::Failed => {
                let (u, _) = self.step(
                    p,
                    Event::Cancel,
                    vec![(attr::BANK_STATUS, after.into()), (attr::FAILURE_REASON, reason.to_owned().into())],
                )?;
                let mut ops = vec![TxOp::Update(u)];
                ops.extend(limits::release(&p.user_id, p.source_amount, &p.day, &p.month));
                self.apply(ops).await
            }
            BankPaymentState::Authorised => {
                self.follow_bank(p, &after).await?;
                Err(RemitError::IllegalState("authorised at the bank"))
            }
            BankPaymentState::Pending => Err(RemitError::IllegalState("not cancellable at the bank")),
        }
    }

    fn provider(&self, name: ProviderName) -> Result<&std::sync::Arc<dyn RemittanceProvider>, RemitError> {
        self.providers.iter().find(|p| p.name() == name).ok_or(RemitError::Unwired(name.as_str()))
    }

    /// The payout: creates and funds the provider transfer (idempotent on the payment id) and
    /// records it. Redelivery after it happened is a no-op. A recipient that no longer exists
    /// fails the payment (and the money is refunded).
    pub async fn payout(&self, payment_id: &str) -> Result<Payment, RemitError> {
        let p = self.find(payment_id).await?;
        if p.status != Status::Authorised {
            return Ok(p);
        }
        // Released on settlement only (P2): until then reconciliation asks again.
        match self.settled(&p).await? {
            BankPaymentState::Authorised => {}
            BankPaymentState::Pending => return Ok(p),
            BankPaymentState::Failed => return self.bank_reversed(&p).await,
        }
        let beneficiary =
            match recipients::beneficiary(self.table.as_ref(), &self.crypto, &p.user_id, &p.recipient_id).await {
                Ok(b) => b,
                Err(RemitError::NotFound) => return self.submission_rejected(&p, "recipient removed").await,
                Err(e) => return Err(e),
            };
        let rate = Rate::parse(&p.rate).ok_or(RemitError::Invalid("rate"))?;
        let quote = Quote {
            provider: p.provider,
            quote_id: p.quote_id.clone(),
            rate,
            fee: p.fee,
            source: p.source_amount,
            target: p.target_amount,
            delivery_hours: 0,
            expires_at: p.expires_epoch,
        };
        let callback_url = self.callbacks()?.provider_webhook(p.provider.as_str());
        let req = TransferRequest { payment_id: p.id.clone(), quote, beneficiary, callback_url };
        match self.provider(p.provider)?.submit(&req).await {
            Ok(transfer_id) => {
                let xfer = drop_domain::keys::payout_transfer_gsi(p.provider.as_str(), &transfer_id);
                let (u, to) = self.step(
                    &p,
                    Event::PayoutSubmitted,
                    vec![
                        (attr::TRANSFER_ID, transfer_id.into()),
                        (attr::GSI3PK, xfer.into()),
                        (attr::GSI3SK, "PAY".into()),
                    ],
                )?;
                let customer = ledger::customer(&p.user_id);
                let postings = [
                    self.posting(
                        &p,
                        customer.clone(),
                        ledger::provider(p.provider.as_str()),
                        p.source_amount - p.fee,
                        "payout",
                    ),
                    self.posting(&p, customer, ledger::fees(), p.fee, "fee"),
                ];
                let mut ops = vec![TxOp::Update(u), self.event(&p, to)];
                ops.extend(ledger::ops(&postings, &self.at()));
                self.apply(ops).await?;
            }
            Err(ProviderError::Rejected(reason)) => {
                return self.submission_rejected(&p, &format!("submission rejected: {reason}")).await
            }
            Err(ProviderError::Transient(e)) => return Err(RemitError::Provider(e)),
        }
        self.find(payment_id).await
    }

    /// Reads the user's payment at the bank a few times (a domestic instant payment settles in
    /// seconds); `Pending` if it has not settled yet.
    pub(super) async fn settled(&self, p: &Payment) -> Result<BankPaymentState, RemitError> {
        if p.bank_status.as_deref().is_some_and(|s| settlement(s) == BankPaymentState::Authorised) {
            return Ok(BankPaymentState::Authorised);
        }
        let bank_id = p.bank_payment_id.clone().ok_or(RemitError::NotFound)?;
        for attempt in 0..SETTLEMENT_READS {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(SETTLEMENT_READ_GAP_MS)).await;
            }
            let status = self.bank()?.payments.payment_status(&bank_id).await.map_err(provider_err)?;
            match settlement(&status) {
                BankPaymentState::Pending => continue,
                decided => return Ok(decided),
            }
        }
        Ok(BankPaymentState::Pending)
    }

    /// The bank rejected a payment it had accepted, before settling it: the funds recorded at
    /// authorisation are reversed and the payment cancelled, limits released (an authorised one
    /// still holds them; a failed one gave them back already).
    pub(super) async fn bank_reversed(&self, p: &Payment) -> Result<Payment, RemitError> {
        tracing::warn!(payment = %p.id, "the bank rejected an accepted payment before settlement");
        let (u, _) = self.step(
            p,
            Event::BankRejected,
            vec![(attr::FAILURE_REASON, "rejected by the bank before settlement".into())],
        )?;
        let reversed =
            self.posting(p, ledger::customer(&p.user_id), ledger::safeguarding(), p.source_amount, "funds_reversed");
        let mut ops = vec![TxOp::Update(u)];
        ops.extend(ledger::ops(&[reversed], &self.at()));
        if p.status == Status::Authorised {
            ops.extend(limits::release(&p.user_id, p.source_amount, &p.day, &p.month));
        }
        self.apply(ops).await?;
        self.find(&p.id).await
    }

    async fn submission_rejected(&self, p: &Payment, reason: &str) -> Result<Payment, RemitError> {
        let (u, to) =
            self.step(p, Event::SubmissionRejected, vec![(attr::FAILURE_REASON, reason.to_owned().into())])?;
        let mut ops = vec![TxOp::Update(u), self.event(p, to)];
        // Nothing will be sent: the limits are the user's again (every way into `failed` releases
        // them once).
        ops.extend(limits::release(&p.user_id, p.source_amount, &p.day, &p.month));
        self.apply(ops).await?;
        self.find(&p.id).await
    }

    /// A provider's word on a transfer (webhook or poll). A failure after completion is a
    /// returned payout: the money is back with Drop and is refunded.
    pub async fn payout_update(
        &self,
        provider: ProviderName,
        transfer_id: &str,
        state: PayoutState,
    ) -> Result<Option<Payment>, RemitError> {
        let p = match self.find_by_transfer(provider, transfer_id).await {
            Ok(p) => p,
            Err(RemitError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        let (event, reason) = match (p.status, state) {
            (Status::PayoutSubmitted, PayoutState::Completed) => (Event::PayoutCompleted, None),
            (Status::PayoutSubmitted, PayoutState::Failed) => (Event::PayoutFailed, Some("payout failed")),
            (Status::Completed, PayoutState::Failed) => (Event::PayoutReturned, Some("payout returned")),
            _ => return Ok(Some(p)),
        };
        let extra = reason.map(|r| vec![(attr::FAILURE_REASON, r.into())]).unwrap_or_default();
        let (u, to) = self.step(&p, event, extra)?;
        let mut ops = vec![TxOp::Update(u), self.event(&p, to)];
        if to == Status::Failed {
            let customer = ledger::customer(&p.user_id);
            let postings = [
                self.posting(
                    &p,
                    ledger::provider(p.provider.as_str()),
                    customer.clone(),
                    p.source_amount - p.fee,
                    "payout_reversed",
                ),
                self.posting(&p, ledger::fees(), customer, p.fee, "fee_reversed"),
            ];
            ops.extend(ledger::ops(&postings, &self.at()));
            ops.extend(limits::release(&p.user_id, p.source_amount, &p.day, &p.month));
        }
        self.apply(ops).await?;
        Ok(Some(self.find(&p.id).await?))
    }

    /// Polls a provider for a transfer's state and applies it.
    pub async fn poll_payout(&self, p: &Payment) -> Result<(), RemitError> {
        let Some(tid) = &p.transfer_id else { return Ok(()) };
        let state = self.provider(p.provider)?.state(tid).await.map_err(provider_err)?;
        self.payout_update(p.provider, tid, state).await.map(|_| ())
    }

    /// A provider's callback is a hint: re-read the transfer from the provider and apply that.
    pub async fn refresh_transfer(
        &self,
        provider: ProviderName,
        transfer_id: &str,
    ) -> Result<Option<Payment>, RemitError> {
        let state = self.provider(provider)?.state(transfer_id).await.map_err(provider_err)?;
        self.payout_update(provider, transfer_id, state).await
    }
}
