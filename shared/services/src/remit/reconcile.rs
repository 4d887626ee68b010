//! Reconciliation: payments resting in a state that has a next step are re-read from the bank,
//! the provider or the refund rail and moved on. Cancelled payments that had a bank payment are
//! re-read for a while too: a bank that settles what Drop cancelled must not leave money at Drop
//! without a refund.

use super::payments::{Payment, Remit};
use super::status_index;
use super::RemitError;
use drop_domain::payment::Status;

/// How long cancelled payments are re-checked at the bank.
pub const CANCELLED_LOOKBACK_SECS: i64 = 48 * 3600;
/// Payments read per status and run (pages of 100).
const MAX_PER_STATUS: usize = 1000;
/// A payment still waiting for SCA is cancelled at the bank this long after its quote expired;
/// funds the bank authorised are paid out if Drop learns of them within it (the SCA return may
/// come in another browser, leaving it to reconciliation, which looks after 10 minutes).
pub const SCA_GRACE_SECS: i64 = 20 * 60;

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reconciled {
    pub examined: u32,
    pub cancelled: u32,
    pub bank_checked: u32,
    pub payouts_retried: u32,
    pub providers_polled: u32,
    pub refunded: u32,
    pub errors: u32,
    /// QR payments (`qr_bank`).
    pub qr: QrReconciled,
}

/// What reconciliation did with QR payments.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QrReconciled {
    pub examined: u32,
    pub expired: u32,
    pub bank_checked: u32,
    pub cancelled_at_bank: u32,
    pub refunds_checked: u32,
    pub handed_to_acquirer: u32,
    /// Merchant refunds in flight moved on (`merchant_refund`).
    pub merchant_refunds: u32,
    pub errors: u32,
}

impl Remit {
    /// Payments of one status last changed between `from` and `to` (epoch seconds, inclusive).
    pub async fn payments_in(&self, status: Status, from: i64, to: i64) -> Result<Vec<Payment>, RemitError> {
        self.payments_up_to(status, from, to, MAX_PER_STATUS).await
    }

    /// As [`Remit::payments_in`], at most `max` (`usize::MAX`: all).
    pub async fn payments_up_to(
        &self,
        status: Status,
        from: i64,
        to: i64,
        max: usize,
    ) -> Result<Vec<Payment>, RemitError> {
        let index = drop_domain::keys::payment_status_gsi(status.as_str());
        Ok(status_index::in_range(self.table.as_ref(), index, from, to, max, Payment::from_item).await?)
    }

    /// Payments resting longer than `stale_secs` in a state with a next step are moved on;
    /// quotes past expiry are cancelled; a payment still waiting for SCA after its quote expired
    /// is cancelled at the bank (or, if the bank took the money, failed and refunded).
    pub async fn reconcile(&self, stale_secs: i64) -> Result<Reconciled, RemitError> {
        let now = self.now();
        let mut r = Reconciled::default();
        let statuses = [
            Status::Quoted,
            Status::PendingAuthorisation,
            Status::Authorised,
            Status::PayoutSubmitted,
            Status::Failed,
            Status::Refunding,
            Status::Cancelled,
        ];
        for status in statuses {
            let from = if status == Status::Cancelled { now - CANCELLED_LOOKBACK_SECS } else { 0 };
            for p in self.payments_in(status, from, now - stale_secs).await? {
                r.examined += 1;
                let outcome = match status {
                    Status::Quoted if now > p.expires_epoch => {
                        self.cancel(&p.user_id, &p.id).await.map(|_| r.cancelled += 1)
                    }
                    Status::PendingAuthorisation => match self.check_bank(&p.id).await {
                        Ok(q) if q.status == Status::PendingAuthorisation && now > q.expires_epoch + SCA_GRACE_SECS => {
                            r.bank_checked += 1;
                            self.cancel_at_bank(&q, "expired").await.map(|_| r.cancelled += 1)
                        }
                        other => other.map(|_| r.bank_checked += 1),
                    },
                    Status::Cancelled if p.bank_payment_id.is_some() => {
                        self.check_bank(&p.id).await.map(|_| r.bank_checked += 1)
                    }
                    Status::Authorised => self.payout(&p.id).await.map(|_| r.payouts_retried += 1),
                    Status::PayoutSubmitted => self.poll_payout(&p).await.map(|_| r.providers_polled += 1),
                    Status::Failed => self.refund(&p.id).await.map(|_| r.refunded += 1),
                    Status::Refunding => self.poll_refund(&p).await.map(|_| r.refunded += 1),
                    _ => Ok(()),
                };
                if let Err(e) = outcome {
                    r.errors += 1;
                    tracing::warn!(payment = %p.id, status = status.as_str(), error = %e, "reconciliation step failed");
                }
            }
        }
        r.qr = self.qr_reconcile(stale_secs).await?;
        Ok(r)
    }
}
