//! Money a bank settled for a QR payment Drop had failed (it reported the payment rejected, or
//! cancelled it at Drop's request, and settled it after all): reconciliation re-reads failed
//! payments for [`super::reconcile::CANCELLED_LOOKBACK_SECS`]; funds found are recorded
//! (`failed` → `refunding`, safeguarding → payer) and sent back by a credit transfer from the
//! client-funds account to the account they came from, under a key per attempt (a retry after a
//! crash cannot pay twice). The refund posting (payer → safeguarding) is written when the bank
//! settles it (`refunded`); a rejected transfer is retried under the next attempt's key, up to
//! [`super::refund_transfer::MAX_REFUND_ATTEMPTS`] (then the invariant checker reports the payment).

use super::ledger::{self, Posting};
use super::payments::Remit;
use super::qr::QrPayment;
use super::refund_transfer::{paid_back, Progress, Transfer};
use super::RemitError;
use crate::table::TxOp;
use drop_domain::keys::attr;
use drop_domain::lifecycle::qr_payment::{Event, Status};
use drop_domain::Currency;

impl Remit {
    /// The bank settled a failed payment: record the funds and start giving them back.
    pub(super) async fn qr_late_funds(&self, p: &QrPayment, status: &str) -> Result<(), RemitError> {
        tracing::error!(payment = %p.id, bank_status = status, "the bank settled a QR payment Drop had failed; refunding");
        let (u, to) = self.qr_step(
            p,
            Event::LateFunds,
            vec![(attr::BANK_STATUS, status.into()), (attr::REFUND_ATTEMPT, 1.into())],
        )?;
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

    fn qr_transfer<'a>(&self, p: &'a QrPayment) -> Transfer<'a> {
        let sending = Status::Refunding.as_str();
        Transfer::of_payment(p.key(), &p.id, "qrp_", sending, p.refund_attempt, p.refund_bank_id.as_ref(), p.amount)
    }

    /// Moves a refund on: sends the current attempt's transfer if it has none, otherwise reads
    /// the bank's status (settled: posted and `refunded`; rejected: the next attempt).
    pub(super) async fn qr_poll_refund(&self, p: &QrPayment) -> Result<(), RemitError> {
        if p.status != Status::Refunding {
            return Ok(());
        }
        let t = self.qr_transfer(p);
        match self.transfer_progress(&t).await? {
            Progress::Unsent => {
                let creditor = self
                    .stored_debtor(&t.key)
                    .await?
                    .ok_or_else(|| RemitError::Bank("no account to refund to".into()))?;
                match self.transfer_send(&t, creditor).await? {
                    Ok(_) => Ok(()),
                    Err(reason) => self.transfer_next_attempt(&t, &reason).await,
                }
            }
            Progress::Pending => Ok(()),
            Progress::Settled(status) => {
                let (u, to) = self.qr_step(p, Event::RefundSettled, vec![(attr::REFUND_STATUS, status.into())])?;
                let mut ops = vec![TxOp::Update(u), self.qr_event(p, to)];
                let posting = paid_back(&p.user_id, p.amount, &p.id);
                ops.extend(ledger::ops(&[posting], &drop_domain::time::rfc3339(self.clock.now())));
                self.apply(ops).await
            }
            Progress::Rejected(status) => self.transfer_next_attempt(&t, &status).await,
        }
    }
}
