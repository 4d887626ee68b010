//! A transfer of money back to a payer, from Drop's client-funds account to the account the
//! payment came from: what remittance refunds, QR late-funds refunds and merchant refunds share.
//!
//! Each attempt goes under a key derived from the record and the attempt
//! ([`refund_key`]), so a retry after a crash cannot pay twice; the bank's id is
//! recorded on the condition that the record is still sending that attempt. The record's own
//! state machine decides what a settled or rejected transfer means.

use super::ledger::{self, Posting};
use super::payments::{provider_err, Remit};
use super::ports::{refund_state, BankPaymentState, ProviderError, RefundOrder};
use super::RemitError;
use crate::crypto::aad;
use crate::table::{Condition, Key, Update};
use drop_domain::keys::attr;
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

/// The record carrying the transfer, as just read.
pub(super) struct Transfer<'a> {
    /// The record's item (its attempt attributes are [`attr::REFUND_ATTEMPT`] and the like).
    pub key: Key,
    /// What the attempt's key and the bank's references are made of.
    pub id: &'a str,
    /// The status the record is in while its transfer is under way.
    pub sending: &'a str,
    pub attempt: i64,
    /// The attempt the bank's id belongs to, and that id.
    pub bank_id: Option<&'a (i64, String)>,
    /// NOK minor units.
    pub amount: i64,
    /// At most 35 characters are sent.
    pub end_to_end_id: String,
    pub remittance: String,
}

impl<'a> Transfer<'a> {
    /// The transfer back of a failed payment's money (remittance or QR): its references are made
    /// of the payment id without its `prefix`.
    pub(super) fn of_payment(
        key: Key,
        id: &'a str,
        prefix: &str,
        sending: &'a str,
        attempt: i64,
        bank_id: Option<&'a (i64, String)>,
        amount: i64,
    ) -> Transfer<'a> {
        Transfer {
            key,
            id,
            sending,
            attempt,
            bank_id,
            amount,
            end_to_end_id: format!("R{attempt}{}", id.trim_start_matches(prefix)),
            remittance: format!("Drop refund {id}"),
        }
    }
}

/// Where the current attempt stands.
pub(super) enum Progress {
    /// Not sent yet (or sent and not recorded: sending again under the same key is harmless).
    Unsent,
    Pending,
    /// Settled: the bank's status.
    Settled(String),
    /// Refused: the bank's status or reason.
    Rejected(String),
}

impl Remit {
    /// The current attempt's state at the bank (one read, none if it was never sent).
    pub(super) async fn transfer_progress(&self, t: &Transfer<'_>) -> Result<Progress, RemitError> {
        let Some((_, bank_id)) = t.bank_id.filter(|(attempt, _)| *attempt == t.attempt) else {
            return Ok(Progress::Unsent);
        };
        let status = self.bank()?.refunds.refund_status(bank_id).await.map_err(provider_err)?;
        Ok(match refund_state(&status) {
            BankPaymentState::Pending => Progress::Pending,
            BankPaymentState::Authorised => Progress::Settled(status),
            BankPaymentState::Failed => Progress::Rejected(status),
        })
    }

    /// Sends the current attempt to `creditor` and records the bank's id. `Ok(Err(reason))`: the
    /// bank refused it (nothing recorded).
    pub(super) async fn transfer_send(
        &self,
        t: &Transfer<'_>,
        creditor: Secret<String>,
    ) -> Result<Result<String, String>, RemitError> {
        let bank = self.bank()?.clone();
        let order = RefundOrder {
            end_to_end_id: t.end_to_end_id.chars().take(35).collect(),
            debtor_bban: bank.safeguarding.clone(),
            creditor,
            creditor_name: "Drop customer".into(),
            amount: t.amount,
            currency: Currency::NOK,
            remittance: t.remittance.clone(),
        };
        let bank_id = match bank.refunds.refund(&order, &refund_key(t.id, t.attempt)).await {
            Ok(id) => id,
            Err(ProviderError::Rejected(reason)) => return Ok(Err(reason)),
            Err(e) => return Err(provider_err(e)),
        };
        let u = Update::new(t.key.clone())
            .set(attr::REFUND_BANK_ID, bank_id.as_str())
            .set(attr::REFUND_BANK_ATTEMPT, t.attempt)
            .when(self.still_sending(t));
        self.transfer_write(u).await.map(|_| Ok(bank_id))
    }

    /// The attempt was refused: the next one goes at the next reconciliation run, up to
    /// [`MAX_REFUND_ATTEMPTS`] (then the invariant checker reports the record).
    pub(super) async fn transfer_next_attempt(&self, t: &Transfer<'_>, why: &str) -> Result<(), RemitError> {
        tracing::warn!(record = %t.id, attempt = t.attempt, why, "refund transfer rejected");
        if t.attempt >= MAX_REFUND_ATTEMPTS {
            return Err(RemitError::Bank(format!("{} refund attempts rejected", t.attempt)));
        }
        let u = Update::new(t.key.clone())
            .set(attr::REFUND_ATTEMPT, t.attempt + 1)
            .set(attr::REFUND_STATUS, why.to_owned())
            .when(self.still_sending(t));
        self.transfer_write(u).await
    }

    fn still_sending(&self, t: &Transfer<'_>) -> Condition {
        Condition::eq(attr::STATUS, t.sending).and(Condition::eq(attr::REFUND_ATTEMPT, t.attempt))
    }

    async fn transfer_write(&self, u: Update) -> Result<(), RemitError> {
        match self.table.update(u).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_condition_failed() => Err(RemitError::IllegalState("changed meanwhile")),
            Err(e) => Err(e.into()),
        }
    }

    /// The account a payment was paid from, as stored with it at confirm (`None`: not stored).
    pub(super) async fn stored_debtor(&self, payment: &Key) -> Result<Option<Secret<String>>, RemitError> {
        let item = self.table.get(payment).await?.ok_or(RemitError::NotFound)?;
        match item.s(attr::DEBTOR) {
            Some(ct) => Ok(Some(self.crypto.decrypt_str(aad(&payment.pk, &payment.sk, attr::DEBTOR), ct).await?)),
            None => Ok(None),
        }
    }
}

/// The ledger entry of a settled transfer: the payer's claim on Drop is paid out of the
/// client-funds account.
pub(super) fn paid_back(user_id: &str, amount: i64, reference: &str) -> Posting {
    Posting {
        debit: ledger::customer(user_id),
        credit: ledger::safeguarding(),
        amount,
        currency: Currency::NOK,
        reference: reference.to_owned(),
        kind: "refund",
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
