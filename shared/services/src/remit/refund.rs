//! Refunds: the money of a failed payment goes back to the account it came from, by a credit
//! transfer from Drop's safeguarding account on the [`RefundRail`](super::ports::RefundRail).
//!
//! `failed` → `refunding` is claimed first (a conditional update that also counts the attempt);
//! the transfer is then started under an idempotency key derived from the payment and the attempt,
//! so a retry after a crash between the two steps cannot pay twice. The ledger posting
//! (customer → safeguarding) is written when the bank settles the transfer; a rejected transfer
//! puts the payment back to `failed` and reconciliation starts the next attempt.

use super::ledger;
use super::payments::{Payment, Remit};
use super::ports::BankPaymentState;
use super::refund_transfer::{paid_back, Progress, Transfer, MAX_REFUND_ATTEMPTS};
use super::{accounts, RemitError};
use crate::table::TxOp;
use drop_domain::keys::attr;
use drop_domain::payment::{Event, Status};
use drop_domain::Secret;

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
        let (u, to) = self.step(&p, Event::RefundStarted, vec![(attr::REFUND_ATTEMPT, attempt.into())])?;
        self.apply(vec![TxOp::Update(u), self.event(&p, to)]).await?;
        // The payment as just written (not re-read: an index read may still show the old one,
        // and an old attempt number would send a second transfer under another key).
        let claimed = Payment { status: to, refund_attempt: attempt, version: p.version + 1, ..p };
        self.submit_refund(&claimed).await?;
        self.find(payment_id).await
    }

    fn transfer<'a>(&self, p: &'a Payment) -> Transfer<'a> {
        let sending = Status::Refunding.as_str();
        Transfer::of_payment(
            p.key(),
            &p.id,
            "pay_",
            sending,
            p.refund_attempt,
            p.refund_bank_id.as_ref(),
            p.source_amount,
        )
    }

    /// Sends the transfer of the current attempt (again, after a crash: the key makes it once).
    /// A refusal (or no account to refund to) ends the attempt: back to `failed`, counted.
    async fn submit_refund(&self, p: &Payment) -> Result<(), RemitError> {
        let creditor = match self.refund_account(p).await {
            Ok(c) => c,
            Err(RemitError::NotFound) => return self.refund_rejected(p, "no account to refund to").await,
            Err(e) => return Err(e),
        };
        match self.transfer_send(&self.transfer(p), creditor).await? {
            Ok(_) => Ok(()),
            Err(reason) => self.refund_rejected(p, &reason).await,
        }
    }

    /// The account the payment was paid from (stored with the payment at confirm; the linked
    /// account for payments from before that).
    async fn refund_account(&self, p: &Payment) -> Result<Secret<String>, RemitError> {
        if let Some(debtor) = self.stored_debtor(&p.key()).await? {
            return Ok(debtor);
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
        match self.transfer_progress(&self.transfer(p)).await? {
            Progress::Unsent => self.submit_refund(p).await,
            Progress::Pending => Ok(()),
            Progress::Settled(status) => {
                let (u, to) = self.step(p, Event::RefundSettled, vec![(attr::REFUND_STATUS, status.into())])?;
                let mut ops = vec![TxOp::Update(u), self.event(p, to)];
                let posting = paid_back(&p.user_id, p.source_amount, &p.id);
                ops.extend(ledger::ops(&[posting], &drop_domain::time::rfc3339(self.clock.now())));
                self.apply(ops).await
            }
            Progress::Rejected(status) => self.refund_rejected(p, &status).await,
        }
    }

    /// The bank refused this attempt: back to `failed`, where reconciliation starts the next one
    /// (up to [`MAX_REFUND_ATTEMPTS`]; after that the invariant checker reports the payment).
    async fn refund_rejected(&self, p: &Payment, why: &str) -> Result<(), RemitError> {
        tracing::warn!(payment = %p.id, attempt = p.refund_attempt, why, "refund rejected");
        let (u, to) = self.step(p, Event::RefundRejected, vec![(attr::REFUND_STATUS, why.to_owned().into())])?;
        self.apply(vec![TxOp::Update(u), self.event(p, to)]).await
    }
}
