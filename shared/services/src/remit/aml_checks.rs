//! Payment screening. Inside confirm (`precheck`): the recipient screened against the current
//! list and the cheap rules over the transfer and the profile; block-and-review or decline stops
//! the payment before the bank is asked. After the money moved (`monitor_event`, the SQS consumer
//! of payment events): the behavioural rules over the user's rolling aggregates, then the
//! aggregates, the decision, an alert and a hold on further transfers in one transaction with the
//! consumer's once-only marker.

use super::payments::{Payment, Remit};
use super::{recipients, RemitError};
use crate::alerts;
use crate::aml_records::{self, ScreeningNote};
use crate::dedupe;
use crate::holds;
use crate::screening::{self, Subject};
use crate::table::{CancelReason, Key, TableError, TxOp};
use drop_domain::aml::{self, Movement, Outcome};
use drop_domain::keys::attr;
use drop_domain::keys::PROFILE_SK;
use drop_domain::screening::Party;

pub const CONSUMER: &str = "payment-monitor";

/// The decision inside confirm and what to write with the payment's next step.
pub struct Precheck {
    pub outcome: Outcome,
    pub ops: Vec<TxOp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Monitored {
    /// Counted; the behavioural decision's outcome for an outgoing transfer.
    Recorded(Option<Outcome>),
    Duplicate,
    /// Not a payment event this consumer looks at, or an unknown payment.
    Ignored,
}

impl Remit {
    async fn aml_profile(&self, user_id: &str, now: i64) -> Result<aml::Profile, RemitError> {
        let item = self
            .table
            .get(&Key::new(drop_domain::keys::user_pk(user_id), PROFILE_SK))
            .await?
            .ok_or(RemitError::NotFound)?;
        Ok(aml::Profile { account_opened_at: item.n(attr::CREATED_AT).unwrap_or(now), held: holds::is_held(&item) })
    }

    /// Screens the recipient and runs the cheap rules for a payment about to be confirmed.
    pub(super) async fn precheck(&self, p: &Payment) -> Result<Precheck, RemitError> {
        let now = self.clock.epoch();
        let profile = self.aml_profile(&p.user_id, now).await?;
        let b = recipients::beneficiary(self.table.as_ref(), &self.crypto, &p.user_id, &p.recipient_id).await?;
        let party = Party {
            names: vec![b.name.expose().clone()],
            countries: vec![b.country.to_lowercase()],
            ..Default::default()
        };
        let subject = Subject {
            subject_type: "recipient",
            subject_id: &p.recipient_id,
            user_id: &p.user_id,
            trigger: "confirm",
            alert_id: None,
        };
        let screener = self.lists.current().await;
        let (verdict, screening_alert) = screening::assess(&screener, &subject, &party, now);
        let (dataset, version) = screener.list_version().unwrap_or(("none", "none"));
        let note = ScreeningNote { verdict: verdict.as_str(), dataset, version };
        let t =
            aml::Transfer { at: now, amount: p.source_amount, recipient: p.recipient_id.clone(), country: b.country };
        let m = &self.monitor;
        let d = aml::decide(aml::cheap(&t, &profile, &m.lists, &m.params), verdict.for_aml(), &m.lists, &m.params);
        let mut ops = vec![aml_records::decision_put(&p.user_id, &p.id, "confirm", &d, &note, &m.params, now)];
        ops.extend(screening_alert);
        if let Some(a) = aml_records::alert(&d, &p.id, &p.user_id, "confirm", &note) {
            tracing::info!(payment = %p.id, outcome = d.outcome.as_str(), score = d.score, "payment flagged at confirm");
            ops.extend(a.ops(&alerts::new_id(), now));
        }
        Ok(Precheck { outcome: d.outcome, ops })
    }

    /// The cheap rules for a QR payment about to be confirmed (its merchant and role holders were
    /// screened at onboarding): a held user, or a young account paying much, stops it before the
    /// bank is asked, like a remittance.
    pub(super) async fn qr_precheck(&self, p: &super::qr::QrPayment) -> Result<Precheck, RemitError> {
        let now = self.clock.epoch();
        let profile = self.aml_profile(&p.user_id, now).await?;
        let t = aml::Transfer { at: now, amount: p.amount, recipient: p.merchant_id.clone(), country: "NO".into() };
        let m = &self.monitor;
        let d = aml::decide(aml::cheap(&t, &profile, &m.lists, &m.params), aml::Screening::NoHit, &m.lists, &m.params);
        let note = ScreeningNote { verdict: "screened_at_onboarding", dataset: "none", version: "none" };
        let mut ops = vec![aml_records::decision_put(&p.user_id, &p.id, "confirm", &d, &note, &m.params, now)];
        if let Some(a) = aml_records::alert(&d, &p.id, &p.user_id, "confirm", &note) {
            tracing::info!(payment = %p.id, outcome = d.outcome.as_str(), score = d.score, "QR payment flagged at confirm");
            ops.extend(a.ops(&alerts::new_id(), now));
        }
        Ok(Precheck { outcome: d.outcome, ops })
    }

    /// One `qr_payment.completed` event, once: money out to a merchant, monitored like a
    /// remittance (the merchant is the recipient).
    pub async fn monitor_qr_event(&self, event_id: &str, payment_id: &str, at: i64) -> Result<Monitored, RemitError> {
        let p = match self.qr_find(payment_id).await {
            Ok(p) => p,
            Err(RemitError::NotFound) => return Ok(Monitored::Ignored),
            Err(e) => return Err(e),
        };
        let movement = Movement { at, amount: p.amount, recipient: p.merchant_id.clone(), incoming: false };
        // A person paid by request: the money counts in their aggregates too (money in).
        let extra = match p.kind {
            drop_domain::payment::Kind::P2p => {
                let received = Movement { at, amount: p.amount, recipient: p.user_id.clone(), incoming: true };
                aml_records::record(&p.merchant_id, &received, &self.monitor.params)
            }
            _ => Vec::new(),
        };
        self.monitor_movement(event_id, &p.user_id, &p.id, movement, extra).await
    }

    /// One payment event, once: `payment.authorised` (money out) or `payment.refunded` (money
    /// back in). `at` is when the event happened, so a redelivery lands in the same buckets.
    pub async fn monitor_event(
        &self,
        event_id: &str,
        status: drop_domain::payment::Status,
        payment_id: &str,
        at: i64,
    ) -> Result<Monitored, RemitError> {
        use drop_domain::payment::Status;
        let incoming = match status {
            Status::Authorised => false,
            Status::Refunded => true,
            _ => return Ok(Monitored::Ignored),
        };
        let p = match self.find(payment_id).await {
            Ok(p) => p,
            Err(RemitError::NotFound) => return Ok(Monitored::Ignored),
            Err(e) => return Err(e),
        };
        let movement = Movement { at, amount: p.source_amount, recipient: p.recipient_id.clone(), incoming };
        self.monitor_movement(event_id, &p.user_id, &p.id, movement, Vec::new()).await
    }

    /// One `wallet_tx.booked` event of a user's euro account, once: money in counts in the
    /// user's aggregates in kroner at the day's reference rate (money out by SEPA was screened
    /// and limited when it was sent; its behavioural rules are the AML issue's).
    pub async fn monitor_wallet_event(
        &self,
        event_id: &str,
        tx_id: &str,
        changed: &drop_domain::event::catalogue::WalletTxChanged,
        at: i64,
    ) -> Result<Monitored, RemitError> {
        if changed.status != drop_domain::lifecycle::wallet::TxStatus::Booked.as_str() || !changed.credit {
            return Ok(Monitored::Ignored);
        }
        let currency = drop_domain::money::Currency::parse(&changed.currency)
            .map_err(|_| RemitError::Invalid("the event's currency"))?;
        let rates = self.monitor.rates.as_deref().ok_or(RemitError::Unwired("ReferenceRates"))?;
        let valued = crate::fx_reference::in_kroner(self.table.as_ref(), rates, changed.amount_minor, currency, at)
            .await
            .map_err(|e| match e {
                crate::fx_reference::RateError::Storage(t) => RemitError::Storage(t),
                other => RemitError::Provider(other.to_string()),
            })?;
        let movement = Movement { at, amount: valued.nok_minor, recipient: changed.user_id.clone(), incoming: true };
        self.monitor_movement(event_id, &changed.user_id, tx_id, movement, Vec::new()).await
    }

    /// Counts a movement into the user's aggregates; for money out, the behavioural rules, the
    /// decision, an alert and a hold: once per event (and per payment).
    async fn monitor_movement(
        &self,
        event_id: &str,
        user_id: &str,
        payment_id: &str,
        movement: Movement,
        extra: Vec<TxOp>,
    ) -> Result<Monitored, RemitError> {
        let (m, now) = (&self.monitor, self.clock.epoch());
        let (incoming, at) = (movement.incoming, movement.at);
        let mut ops = aml_records::record(user_id, &movement, &m.params);
        ops.extend(extra);
        let mut outcome = None;
        if !incoming {
            let history = aml_records::aggregates(self.table.as_ref(), user_id).await?;
            let profile = self.aml_profile(user_id, now).await?;
            let t = aml::Transfer {
                at,
                amount: movement.amount,
                recipient: movement.recipient.clone(),
                country: String::new(),
            };
            let d = aml::decide(
                aml::behavioural(&t, &history, &profile, &m.params),
                aml::Screening::NoHit,
                &m.lists,
                &m.params,
            );
            // Screening happened at confirm (its decision names the list); none here.
            let note = ScreeningNote { verdict: "screened_at_confirm", dataset: "none", version: "none" };
            ops.push(aml_records::decision_put(user_id, payment_id, "monitor", &d, &note, &m.params, now));
            if let Some(a) = aml_records::alert(&d, payment_id, user_id, "monitor", &note) {
                let id = alerts::new_id();
                ops.extend(a.ops(&id, now));
                if d.outcome >= Outcome::BlockAndReview {
                    ops.extend(holds::hold(user_id, holds::Source::Alert, &id, now));
                }
                tracing::info!(payment = %payment_id, outcome = d.outcome.as_str(), score = d.score, "payment flagged by monitoring");
            }
            outcome = Some(d.outcome);
        }
        match dedupe::once(self.table.as_ref(), CONSUMER, event_id, now, ops).await {
            Ok(dedupe::Outcome::Applied) => Ok(Monitored::Recorded(outcome)),
            Ok(dedupe::Outcome::Duplicate) => Ok(Monitored::Duplicate),
            // The decision for this payment exists already (the same payment under another event id).
            Err(TableError::TransactionCanceled { reasons })
                if reasons.iter().any(|r| matches!(r, Some(CancelReason::ConditionFailed { .. }))) =>
            {
                Ok(Monitored::Duplicate)
            }
            Err(e) => Err(e.into()),
        }
    }
}
