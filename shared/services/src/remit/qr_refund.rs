//! Money a bank settled for a QR payment Drop had failed (it reported the payment rejected, or
//! cancelled it at Drop's request, and settled it after all): reconciliation re-reads failed
//! payments for [`super::reconcile::CANCELLED_LOOKBACK_SECS`]; funds found are recorded
//! (`failed` → `refunding`, safeguarding → payer) and sent back by a credit transfer from the
//! client-funds account to the account they came from, under a key per attempt (a retry after a
//! crash cannot pay twice). The refund posting (payer → safeguarding) is written when the bank
//! settles it (`refunded`); a rejected transfer is retried under the next attempt's key, up to
//! [`super::refund::MAX_REFUND_ATTEMPTS`] (then the invariant checker reports the payment).

use super::ledger::{self, Posting};
use super::payments::{provider_err, Remit};
use super::ports::{refund_state, BankPaymentState, ProviderError, RefundOrder};
use super::qr::QrPayment;
use super::refund::{refund_key, MAX_REFUND_ATTEMPTS};
use super::RemitError;
use crate::crypto::aad;
use crate::table::{Condition, TxOp, Update};
use drop_domain::lifecycle::qr_payment::{Event, Status};
use drop_domain::Currency;

impl Remit {
    /// The bank settled a failed payment: record the funds and start giving them back.
    pub(super) async fn qr_late_funds(&self, p: &QrPayment, status: &str) -> Result<(), RemitError> {
        tracing::error!(payment = %p.id, bank_status = status, "the bank settled a QR payment Drop had failed; refunding");
        let (u, to) =
            self.qr_step(p, Event::LateFunds, vec![("bank_status", status.into()), ("refund_attempt", 1.into())])?;
        // Funds recorded and reversed before (accepted, then rejected) are recorded again.
        let earlier = ledger::journal(self.table.as_ref(), &p.id).await?;
        let kind =
            if earlier.iter().any(|j| j.kind == "funds_received") { "funds_received_again" } else { "funds_received" };
        let posting = Posting {
            debit: ledger::safeguarding(),
            credit: ledger::customer(&p.user_id),
            amount: p.amount,
            currency: Currency::NOK,
            reference: p.id.clone(),
            kind,
        };
        let mut ops = vec![TxOp::Update(u), self.qr_event(p, to)];
        ops.extend(ledger::ops(&[posting], &drop_domain::time::rfc3339(self.clock.now())));
        self.apply(ops).await
    }

    /// Moves a refund on: sends the current attempt's transfer if it has none, otherwise reads
    /// the bank's status (settled: posted and `refunded`; rejected: the next attempt).
    pub(super) async fn qr_poll_refund(&self, p: &QrPayment) -> Result<(), RemitError> {
        if p.status != Status::Refunding {
            return Ok(());
        }
        let bank_id = match &p.refund_bank_id {
            Some((attempt, id)) if *attempt == p.refund_attempt => id.clone(),
            _ => return self.qr_submit_refund(p).await,
        };
        let status = self.bank()?.refunds.refund_status(&bank_id).await.map_err(provider_err)?;
        match refund_state(&status) {
            BankPaymentState::Pending => Ok(()),
            BankPaymentState::Authorised => {
                let (u, to) = self.qr_step(p, Event::RefundSettled, vec![("refund_status", status.into())])?;
                let posting = Posting {
                    debit: ledger::customer(&p.user_id),
                    credit: ledger::safeguarding(),
                    amount: p.amount,
                    currency: Currency::NOK,
                    reference: p.id.clone(),
                    kind: "refund",
                };
                let mut ops = vec![TxOp::Update(u), self.qr_event(p, to)];
                ops.extend(ledger::ops(&[posting], &drop_domain::time::rfc3339(self.clock.now())));
                self.apply(ops).await
            }
            BankPaymentState::Failed => self.qr_next_refund_attempt(p, &status).await,
        }
    }

    /// Sends the current attempt's transfer (again after a crash: its key makes it once).
    async fn qr_submit_refund(&self, p: &QrPayment) -> Result<(), RemitError> {
        let key = p.key();
        let item = self.table.get(&key).await?.ok_or(RemitError::NotFound)?;
        let Some(ct) = item.s("debtor") else {
            return Err(RemitError::Bank("no account to refund to".into()));
        };
        let creditor = self.crypto.decrypt_str(aad(&key.pk, &key.sk, "debtor"), ct).await?;
        let attempt = p.refund_attempt;
        let order = RefundOrder {
            end_to_end_id: format!("R{attempt}{}", p.id.trim_start_matches("qrp_")).chars().take(35).collect(),
            debtor_bban: self.bank()?.safeguarding.clone(),
            creditor,
            creditor_name: "Drop customer".into(),
            amount: p.amount,
            currency: Currency::NOK,
            remittance: format!("Drop refund {}", p.id),
        };
        let bank_id = match self.bank()?.refunds.refund(&order, &refund_key(&p.id, attempt)).await {
            Ok(id) => id,
            Err(ProviderError::Rejected(reason)) => return self.qr_next_refund_attempt(p, &reason).await,
            Err(e) => return Err(provider_err(e)),
        };
        let u = Update::new(key)
            .set("refund_bank_id", bank_id)
            .set("refund_bank_attempt", attempt)
            .when(Condition::eq("status", Status::Refunding.as_str()).and(Condition::eq("refund_attempt", attempt)));
        match self.table.update(u).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_condition_failed() => Err(RemitError::IllegalState("changed meanwhile")),
            Err(e) => Err(e.into()),
        }
    }

    /// The bank refused this attempt: the next one (reconciliation sends it), up to the most.
    async fn qr_next_refund_attempt(&self, p: &QrPayment, why: &str) -> Result<(), RemitError> {
        tracing::warn!(payment = %p.id, attempt = p.refund_attempt, why, "QR refund rejected");
        if p.refund_attempt >= MAX_REFUND_ATTEMPTS {
            return Err(RemitError::Bank(format!("{} refund attempts rejected", p.refund_attempt)));
        }
        let u =
            Update::new(p.key()).set("refund_attempt", p.refund_attempt + 1).set("refund_status", why.to_owned()).when(
                Condition::eq("status", Status::Refunding.as_str())
                    .and(Condition::eq("refund_attempt", p.refund_attempt)),
            );
        match self.table.update(u).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_condition_failed() => Err(RemitError::IllegalState("changed meanwhile")),
            Err(e) => Err(e.into()),
        }
    }
}
