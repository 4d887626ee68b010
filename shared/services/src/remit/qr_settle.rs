//! Settling completed QR payments to their merchants through the acquirer (`MerchantAcquirer`,
//! Nexi Checkout first). On `qr_payment.completed` the settlement worker creates the acquirer's
//! payment (once: its id is kept on the QR payment), charges it under the QR payment's id as
//! idempotency key, and records the charge with the posting merchant payable → acquirer. The
//! acquirer's `payment.charge.created.v2` webhook is a hint: it is authenticated by the secret
//! made for that payment (only its SHA-256 is kept), deduplicated by `(event, id)`, and the payment
//! is read back from the acquirer before a charge it shows is recorded. A redelivered event or a
//! late webhook finds the charge recorded and changes nothing.

use super::ledger::{self, Posting};
use super::payments::{provider_err, Remit};
use super::ports::{AcquirerOrder, MerchantAcquirer};
use super::qr::QrPayment;
use super::qr_bank::merchant_account;
use super::RemitError;
use crate::digest::{ct_eq, sha256_hex};
use crate::table::{Condition, TableError, TxOp, Update};
use drop_domain::keys::attr;
use drop_domain::lifecycle::qr_payment::Status;
use drop_domain::{Currency, Secret};
use std::sync::Arc;

/// The ledger account of what Drop handed an acquirer to settle to merchants.
pub fn acquirer_account(name: &str) -> String {
    format!("acquirer:{name}:NOK")
}

/// What a webhook did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notified {
    /// The charge is now recorded (by this call or before it).
    Recorded,
    /// The acquirer shows no charge of the payment's amount yet: nothing to record.
    NotCharged,
    /// Seen before (same event and id).
    Duplicate,
}

/// A webhook secret Nexi accepts: 32 alphanumerics.
fn webhook_secret() -> Secret<String> {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    Secret::new(b.iter().map(|x| format!("{x:02x}")).collect())
}

impl Remit {
    fn acquirer(&self) -> Result<&Arc<dyn MerchantAcquirer>, RemitError> {
        self.acquirer.as_ref().ok_or(RemitError::Unwired("Acquirer"))
    }

    /// Hands a completed payment to the acquirer (the settlement worker; redelivery-safe).
    pub async fn qr_submit(&self, payment_id: &str) -> Result<QrPayment, RemitError> {
        let p = self.qr_find(payment_id).await?;
        // Only merchant payments go to the acquirer (a person was paid straight).
        if p.status != Status::Completed || p.charge_id.is_some() || p.kind != drop_domain::payment::Kind::Qr {
            return Ok(p);
        }
        let acquirer = self.acquirer()?.clone();
        let acquirer_id = match &p.acquirer_payment_id {
            Some(id) => id.clone(),
            None => {
                let secret = webhook_secret();
                let order = AcquirerOrder {
                    reference: p.id.clone(),
                    merchant_id: p.merchant_id.clone(),
                    description: p.merchant_name.clone(),
                    amount: p.amount,
                    currency: Currency::NOK,
                    webhook_url: self.callbacks()?.acquirer_webhook(&p.id),
                    webhook_secret: secret.clone(),
                };
                let id = acquirer.create_payment(&order).await.map_err(provider_err)?;
                let kept = Update::new(p.key())
                    .set(attr::ACQUIRER, acquirer.name())
                    .set(attr::ACQUIRER_PAYMENT_ID, id.as_str())
                    .set(attr::WEBHOOK_SECRET_HASH, sha256_hex(secret.expose().as_bytes()))
                    .when(Condition::NotExists(attr::ACQUIRER_PAYMENT_ID.into()));
                match self.table.update(kept).await {
                    Ok(_) => id,
                    // Another delivery created one first: charge that one (this one is never charged).
                    Err(e) if e.is_condition_failed() => {
                        self.qr_find(payment_id).await?.acquirer_payment_id.ok_or(RemitError::NotFound)?
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        // A redelivery after a crash between charging and recording finds the charge at the
        // acquirer (whose idempotency keys may have expired by then) and records it.
        let seen = acquirer.payment(&acquirer_id).await.map_err(provider_err)?;
        let charge_id = match seen.charge_ids.first().filter(|_| seen.charged >= p.amount) {
            Some(c) => c.clone(),
            None => acquirer.charge(&acquirer_id, p.amount, &p.id).await.map_err(provider_err)?,
        };
        self.apply_or_recorded(&p, self.qr_charge_ops(&p, acquirer.name(), &charge_id)).await?;
        self.qr_find(payment_id).await
    }

    /// The charge recorded on the payment, with its posting (once: both are conditional).
    fn qr_charge_ops(&self, p: &QrPayment, acquirer: &str, charge_id: &str) -> Vec<TxOp> {
        let u = Update::new(p.key()).set(attr::CHARGE_ID, charge_id).set("charged_at", self.now()).when(
            Condition::eq(attr::STATUS, Status::Completed.as_str()).and(Condition::NotExists(attr::CHARGE_ID.into())),
        );
        let posting = Posting {
            debit: merchant_account(&p.merchant_id),
            credit: acquirer_account(acquirer),
            amount: p.amount,
            currency: Currency::NOK,
            reference: p.id.clone(),
            kind: "acquirer_charged",
        };
        let mut ops = vec![TxOp::Update(u)];
        ops.extend(ledger::ops(&[posting], &drop_domain::time::rfc3339(self.clock.now())));
        ops
    }

    /// Applies the charge. Refused because the charge is recorded already (the webhook and the
    /// worker raced) is fine; refused for anything else (a conflict on a busy balance) is an
    /// error, so the delivery is retried.
    async fn apply_or_recorded(&self, p: &QrPayment, ops: Vec<TxOp>) -> Result<(), RemitError> {
        match self.table.transact(ops).await {
            Ok(()) => Ok(()),
            Err(TableError::TransactionCanceled { .. }) if self.qr_charge_recorded(p).await? => Ok(()),
            Err(TableError::TransactionCanceled { .. }) => Err(RemitError::IllegalState("changed meanwhile")),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether the payment's charge is recorded (read from the item itself, not an index).
    async fn qr_charge_recorded(&self, p: &QrPayment) -> Result<bool, RemitError> {
        Ok(self.table.get(&p.key()).await?.is_some_and(|i| i.s(attr::CHARGE_ID).is_some()))
    }

    /// The acquirer's webhook for a charge of the QR payment `payment_ref` (from the webhook's
    /// URL): `authorization` must match the secret made for it, else [`RemitError::NotFound`]
    /// (the caller answers 401 without saying which). Then the acquirer is asked.
    pub async fn qr_acquirer_notified(
        &self,
        payment_ref: &str,
        authorization: &str,
        event: &str,
        event_id: &str,
        acquirer_payment_id: &str,
    ) -> Result<Notified, RemitError> {
        let item = match super::qr::is_id(payment_ref) {
            true => self.table.query(super::qr::by_id(payment_ref)).await?.items.into_iter().next(),
            false => None,
        };
        let expected = item.as_ref().and_then(|i| i.s(attr::WEBHOOK_SECRET_HASH)).map(str::to_owned);
        let given = sha256_hex(authorization.as_bytes());
        let p = item.as_ref().and_then(QrPayment::from_item);
        let (Some(p), Some(expected)) = (p, expected) else { return Err(RemitError::NotFound) };
        if !ct_eq(given.as_bytes(), expected.as_bytes())
            || p.acquirer_payment_id.as_deref() != Some(acquirer_payment_id)
        {
            return Err(RemitError::NotFound);
        }
        let marker = format!("{event}#{event_id}");
        if p.charge_id.is_some() {
            let done = crate::dedupe::once(self.table.as_ref(), "webhook-nexi", &marker, self.now(), vec![]).await?;
            return Ok(if done == crate::dedupe::Outcome::Duplicate {
                Notified::Duplicate
            } else {
                Notified::Recorded
            });
        }
        let acquirer = self.acquirer()?.clone();
        let seen = acquirer.payment(acquirer_payment_id).await.map_err(provider_err)?;
        let charge =
            seen.charge_ids.first().filter(|_| seen.charged >= p.amount && seen.reference.as_deref() == Some(&p.id));
        let Some(charge) = charge else { return Ok(Notified::NotCharged) };
        let ops = self.qr_charge_ops(&p, acquirer.name(), charge);
        match crate::dedupe::once(self.table.as_ref(), "webhook-nexi", &marker, self.now(), ops).await {
            Ok(crate::dedupe::Outcome::Duplicate) => Ok(Notified::Duplicate),
            Ok(crate::dedupe::Outcome::Applied) => Ok(Notified::Recorded),
            // Recorded by the worker meanwhile: fine; refused for anything else: Nexi retries.
            Err(TableError::TransactionCanceled { .. }) if self.qr_charge_recorded(&p).await? => Ok(Notified::Recorded),
            Err(TableError::TransactionCanceled { .. }) => Err(RemitError::IllegalState("changed meanwhile")),
            Err(e) => Err(e.into()),
        }
    }
}
