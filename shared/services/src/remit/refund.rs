//! Refunds: the money of a failed payment goes back to the account it came from, by a credit
//! transfer from Drop's safeguarding account on the [`RefundRail`](super::ports::RefundRail).
//!
//! `failed` → `refunding` is claimed first (a conditional update that also counts the attempt);
//! the transfer is then started under an idempotency key derived from the payment and the attempt,
//! so a retry after a crash between the two steps cannot pay twice. The ledger posting
//! (customer → safeguarding) is written when the bank settles the transfer; a rejected transfer
//! puts the payment back to `failed` and reconciliation starts the next attempt.

use super::ledger::{self, Posting};
use super::payments::{provider_err, Payment, Remit};
use super::ports::{refund_state, BankPaymentState, RefundOrder};
use super::{accounts, RemitError};
use crate::crypto::aad;
use crate::table::{Condition, TxOp, Update};
use drop_domain::payment::{Event, Status};
use drop_domain::{Currency, Secret};

/// After this many rejected refunds the payment stays `failed` for operations (the invariant
/// checker reports it).
pub const MAX_REFUND_ATTEMPTS: i64 = 5;

/// The idempotency key of one refund attempt: a UUID (Berlin Group's `X-Request-ID` form) that
/// depends only on the payment and the attempt.
pub fn refund_key(payment_id: &str, attempt: i64) -> String {
    let h = crate::digest::sha256_hex(format!("refund#{payment_id}#{attempt}").as_bytes());
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

impl Remit {
    /// Starts the refund of a failed payment (a no-op for any other status).
    pub async fn refund(&self, payment_id: &str) -> Result<Payment, RemitError> {
        let p = self.find(payment_id).await?;
        if p.status != Status::Failed {
            return Ok(p);
        }
        // Only money that settled goes back: late funds may still be rejected by the bank.
        match self.settled(&p).await? {
            BankPaymentState::Authorised => {}
            BankPaymentState::Pending => return Ok(p),
            BankPaymentState::Failed => return self.bank_reversed(&p).await,
        }
        let attempt = p.refund_attempt + 1;
        if attempt > MAX_REFUND_ATTEMPTS {
            return Err(RemitError::Bank(format!("{} refund attempts rejected", p.refund_attempt)));
        }
        let (u, to) = self.step(&p, Event::RefundStarted, vec![("refund_attempt", attempt.into())])?;
        self.apply(vec![TxOp::Update(u), self.event(&p, to)]).await?;
        // The payment as just written (not re-read: an index read may still show the old one,
        // and an old attempt number would send a second transfer under another key).
        let claimed = Payment { status: to, refund_attempt: attempt, version: p.version + 1, ..p };
        self.submit_refund(&claimed).await?;
        self.find(payment_id).await
    }

    /// Sends the transfer of the current attempt (again, after a crash: the key makes it once).
    /// A refusal (or no account to refund to) ends the attempt: back to `failed`, counted.
    async fn submit_refund(&self, p: &Payment) -> Result<(), RemitError> {
        let attempt = p.refund_attempt;
        let creditor = match self.refund_account(p).await {
            Ok(c) => c,
            Err(RemitError::NotFound) => return self.refund_rejected(p, "no account to refund to").await,
            Err(e) => return Err(e),
        };
        let order = RefundOrder {
            end_to_end_id: format!("R{attempt}{}", p.id.trim_start_matches("pay_")).chars().take(35).collect(),
            debtor_bban: self.bank()?.safeguarding.clone(),
            creditor,
            creditor_name: "Drop customer".into(),
            amount: p.source_amount,
            currency: Currency::NOK,
            remittance: format!("Drop refund {}", p.id),
        };
        let bank_id = match self.bank()?.refunds.refund(&order, &refund_key(&p.id, attempt)).await {
            Ok(id) => id,
            Err(super::ports::ProviderError::Rejected(reason)) => return self.refund_rejected(p, &reason).await,
            Err(e) => return Err(provider_err(e)),
        };
        let u = Update::new(p.key())
            .set("refund_bank_id", bank_id)
            .set("refund_bank_attempt", attempt)
            .when(Condition::eq("status", Status::Refunding.as_str()).and(Condition::eq("refund_attempt", attempt)));
        match self.table.update(u).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_condition_failed() => Err(RemitError::IllegalState("changed meanwhile")),
            Err(e) => Err(e.into()),
        }
    }

    /// The account the payment was paid from (stored with the payment at confirm; the linked
    /// account for payments from before that).
    async fn refund_account(&self, p: &Payment) -> Result<Secret<String>, RemitError> {
        let item = self.table.get(&p.key()).await?.ok_or(RemitError::NotFound)?;
        if let Some(ct) = item.s("debtor") {
            let key = p.key();
            return Ok(self.crypto.decrypt_str(aad(&key.pk, &key.sk, "debtor"), ct).await?);
        }
        let account = p.account_id.as_deref().ok_or(RemitError::NotFound)?;
        accounts::debtor(self.table.as_ref(), &self.crypto, &p.user_id, account).await
    }

    /// Moves a refund on: sends it if the current attempt has no transfer yet, otherwise reads
    /// the bank's status (settled: posted and `refunded`; rejected: back to `failed`).
    pub async fn poll_refund(&self, p: &Payment) -> Result<(), RemitError> {
        if p.status != Status::Refunding {
            return Ok(());
        }
        let bank_id = match &p.refund_bank_id {
            Some((attempt, id)) if *attempt == p.refund_attempt => id.clone(),
            _ => return self.submit_refund(p).await,
        };
        let status = self.bank()?.refunds.refund_status(&bank_id).await.map_err(provider_err)?;
        match refund_state(&status) {
            BankPaymentState::Pending => Ok(()),
            BankPaymentState::Authorised => {
                let (u, to) = self.step(p, Event::RefundSettled, vec![("refund_status", status.into())])?;
                let posting = Posting {
                    debit: ledger::customer(&p.user_id),
                    credit: ledger::safeguarding(),
                    amount: p.source_amount,
                    currency: Currency::NOK,
                    reference: p.id.clone(),
                    kind: "refund",
                };
                let mut ops = vec![TxOp::Update(u), self.event(p, to)];
                ops.extend(ledger::ops(&[posting], &drop_domain::time::rfc3339(self.clock.now())));
                self.apply(ops).await
            }
            BankPaymentState::Failed => self.refund_rejected(p, &status).await,
        }
    }

    /// The bank refused this attempt: back to `failed`, where reconciliation starts the next one
    /// (up to [`MAX_REFUND_ATTEMPTS`]; after that the invariant checker reports the payment).
    async fn refund_rejected(&self, p: &Payment, why: &str) -> Result<(), RemitError> {
        tracing::warn!(payment = %p.id, attempt = p.refund_attempt, why, "refund rejected");
        let (u, to) = self.step(p, Event::RefundRejected, vec![("refund_status", why.to_owned().into())])?;
        self.apply(vec![TxOp::Update(u), self.event(p, to)]).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn refund_keys_are_uuids_per_attempt() {
        let a = super::refund_key("pay_01J", 1);
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
        assert_eq!(a, super::refund_key("pay_01J", 1));
        assert_ne!(a, super::refund_key("pay_01J", 2));
    }
}
