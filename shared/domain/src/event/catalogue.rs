//! Every domain event Drop publishes, with a typed, versioned payload each. Producers build a
//! [`DomainEvent`]; the outbox stores its type and serialised payload; consumers read it back
//! with [`DomainEvent::from_detail`]. A payload's `v` changes only with an incompatible change;
//! readers accept the versions they know.

use super::EventDetail;
use crate::lifecycle::merchant_refund::Status as RefundStatus;
use crate::lifecycle::qr_payment::Status as QrStatus;
use crate::lifecycle::wallet::TxStatus as WalletTxStatus;
use crate::payment::Status;
use serde::{Deserialize, Serialize};

/// A payment's status changed (`payment.<status>`): ids, status and amount only, no PII.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentChanged {
    #[serde(default = "v1")]
    pub v: u32,
    pub user_id: String,
    pub status: Status,
    pub amount_minor: i64,
    pub currency: String,
}

/// A QR payment's status changed (`qr_payment.<status>`), for the payer and the merchant: ids,
/// status and amount only, no PII.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QrPaymentChanged {
    #[serde(default = "v1")]
    pub v: u32,
    pub payer_id: String,
    pub merchant_id: String,
    /// A `lifecycle::qr_payment::Status` name.
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    /// `qr` (to a merchant: `merchant_id`) or `p2p` (a payment request: `merchant_id` is the
    /// requester's user id).
    #[serde(default = "qr_kind")]
    pub kind: crate::payment::Kind,
}

/// A merchant's refund of a QR payment changed (`qr_refund.<status>`), for the payer and the
/// merchant: ids, status and amount only, no PII.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QrRefundChanged {
    #[serde(default = "v1")]
    pub v: u32,
    pub payer_id: String,
    pub merchant_id: String,
    pub payment_id: String,
    /// A `lifecycle::merchant_refund::Status` name.
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
}

/// A transaction on a user's euro account was recorded or moved on (`wallet_tx.<status>`):
/// ids, direction, status and amount only, no PII (the sender's name stays in the table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalletTxChanged {
    #[serde(default = "v1")]
    pub v: u32,
    pub user_id: String,
    /// `true`: money in.
    pub credit: bool,
    /// A `lifecycle::wallet::TxStatus` name.
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
}

fn qr_kind() -> crate::payment::Kind {
    crate::payment::Kind::Qr
}

/// An alert was raised (`alert.raised`): the case intake files it into its subject's case. Ids
/// only; consumed inside compliance, never published (tipping-off).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRaised {
    #[serde(default = "v1")]
    pub v: u32,
    pub user_id: String,
}

/// The event pipeline's canary (`platform.canary`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanarySent {
    #[serde(default = "v1")]
    pub v: u32,
    pub sent_at: String,
}

fn v1() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq)]
pub enum DomainEvent {
    Payment { payment_id: String, changed: PaymentChanged },
    QrPayment { payment_id: String, changed: QrPaymentChanged },
    QrRefund { refund_id: String, changed: QrRefundChanged },
    WalletTx { tx_id: String, changed: WalletTxChanged },
    Alert { alert_id: String, raised: AlertRaised },
    Canary(CanarySent),
}

/// Who reads an event type: a consumer of the template, or someone outside Drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Consumed by these functions (through the template's rules).
    Consumers(&'static [&'static str]),
    /// Published on the bus for consumers outside this repository (and the event archive).
    Published,
}

pub const CANARY: &str = "platform.canary";
/// The aggregate type and event type prefix of QR payments.
pub const QR_PAYMENT: &str = "qr_payment";
/// The aggregate type and event type prefix of merchant refunds.
pub const QR_REFUND: &str = "qr_refund";
/// The aggregate type and event type prefix of euro account transactions.
pub const WALLET_TX: &str = "wallet_tx";
/// The one alert event.
pub const ALERT_RAISED: &str = "alert.raised";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EventError {
    #[error("unknown event type {0}")]
    Unknown(String),
    #[error("the payload of {0} does not parse")]
    Payload(String),
    #[error("{0} version {1} is not known")]
    Version(String, u32),
}

impl DomainEvent {
    pub fn event_type(&self) -> String {
        match self {
            DomainEvent::Payment { changed, .. } => format!("payment.{}", changed.status.as_str()),
            DomainEvent::QrPayment { changed, .. } => format!("{QR_PAYMENT}.{}", changed.status),
            DomainEvent::QrRefund { changed, .. } => format!("{QR_REFUND}.{}", changed.status),
            DomainEvent::WalletTx { changed, .. } => format!("{WALLET_TX}.{}", changed.status),
            DomainEvent::Alert { .. } => ALERT_RAISED.to_owned(),
            DomainEvent::Canary(_) => CANARY.to_owned(),
        }
    }

    /// `(aggregate type, aggregate id)`.
    pub fn aggregate(&self) -> (&'static str, String) {
        match self {
            DomainEvent::Payment { payment_id, .. } => ("payment", payment_id.clone()),
            DomainEvent::QrPayment { payment_id, .. } => (QR_PAYMENT, payment_id.clone()),
            DomainEvent::QrRefund { refund_id, .. } => (QR_REFUND, refund_id.clone()),
            DomainEvent::WalletTx { tx_id, .. } => (WALLET_TX, tx_id.clone()),
            DomainEvent::Alert { alert_id, .. } => ("alert", alert_id.clone()),
            DomainEvent::Canary(_) => ("platform", "canary".to_owned()),
        }
    }

    pub fn payload(&self) -> serde_json::Value {
        let v = match self {
            DomainEvent::Payment { changed, .. } => serde_json::to_value(changed),
            DomainEvent::QrPayment { changed, .. } => serde_json::to_value(changed),
            DomainEvent::QrRefund { changed, .. } => serde_json::to_value(changed),
            DomainEvent::WalletTx { changed, .. } => serde_json::to_value(changed),
            DomainEvent::Alert { raised, .. } => serde_json::to_value(raised),
            DomainEvent::Canary(c) => serde_json::to_value(c),
        };
        v.unwrap_or(serde_json::Value::Null)
    }

    /// Reads an event as published.
    pub fn from_detail(d: &EventDetail) -> Result<DomainEvent, EventError> {
        let bad = || EventError::Payload(d.event_type.clone());
        let event = if d.event_type == CANARY {
            DomainEvent::Canary(serde_json::from_str(&d.payload).map_err(|_| bad())?)
        } else if d.event_type == ALERT_RAISED {
            let raised = serde_json::from_str(&d.payload).map_err(|_| bad())?;
            DomainEvent::Alert { alert_id: d.aggregate_id.clone(), raised }
        } else if let Some(status) = d.event_type.strip_prefix("payment.") {
            let changed: PaymentChanged = serde_json::from_str(&d.payload).map_err(|_| bad())?;
            if changed.status.as_str() != status {
                return Err(bad());
            }
            DomainEvent::Payment { payment_id: d.aggregate_id.clone(), changed }
        } else if let Some(status) = d.event_type.strip_prefix(QR_PAYMENT).and_then(|s| s.strip_prefix('.')) {
            let changed: QrPaymentChanged = serde_json::from_str(&d.payload).map_err(|_| bad())?;
            if changed.status != status || QrStatus::parse(status).is_none() {
                return Err(bad());
            }
            DomainEvent::QrPayment { payment_id: d.aggregate_id.clone(), changed }
        } else if let Some(status) = d.event_type.strip_prefix(QR_REFUND).and_then(|s| s.strip_prefix('.')) {
            let changed: QrRefundChanged = serde_json::from_str(&d.payload).map_err(|_| bad())?;
            if changed.status != status || RefundStatus::parse(status).is_none() {
                return Err(bad());
            }
            DomainEvent::QrRefund { refund_id: d.aggregate_id.clone(), changed }
        } else if let Some(status) = d.event_type.strip_prefix(WALLET_TX).and_then(|s| s.strip_prefix('.')) {
            let changed: WalletTxChanged = serde_json::from_str(&d.payload).map_err(|_| bad())?;
            if changed.status != status || WalletTxStatus::parse(status).is_none() {
                return Err(bad());
            }
            DomainEvent::WalletTx { tx_id: d.aggregate_id.clone(), changed }
        } else {
            return Err(EventError::Unknown(d.event_type.clone()));
        };
        match event.version() {
            1 => Ok(event),
            v => Err(EventError::Version(d.event_type.clone(), v)),
        }
    }

    fn version(&self) -> u32 {
        match self {
            DomainEvent::Payment { changed, .. } => changed.v,
            DomainEvent::QrPayment { changed, .. } => changed.v,
            DomainEvent::QrRefund { changed, .. } => changed.v,
            DomainEvent::WalletTx { changed, .. } => changed.v,
            DomainEvent::Alert { raised, .. } => raised.v,
            DomainEvent::Canary(c) => c.v,
        }
    }
}

/// Every event type and who reads it.
pub fn catalogue() -> Vec<(String, Audience)> {
    let mut out = vec![
        (CANARY.to_owned(), Audience::Consumers(&["canary-consumer"])),
        (ALERT_RAISED.to_owned(), Audience::Consumers(&["case-intake"])),
    ];
    for s in crate::payment::ALL {
        let audience = match s {
            Status::Authorised => Audience::Consumers(&["payout-worker", "payment-monitor"]),
            Status::Refunded => Audience::Consumers(&["payment-monitor"]),
            _ => Audience::Published,
        };
        out.push((format!("payment.{}", s.as_str()), audience));
    }
    for s in QrStatus::ALL {
        let audience = match s {
            QrStatus::Completed => Audience::Consumers(&["qr-settlement-worker", "payment-monitor"]),
            _ => Audience::Published,
        };
        out.push((format!("{QR_PAYMENT}.{}", s.as_str()), audience));
    }
    for s in RefundStatus::ALL {
        out.push((format!("{QR_REFUND}.{}", s.as_str()), Audience::Published));
    }
    for s in WalletTxStatus::ALL {
        let audience = match s {
            // Money in counts in the AML aggregates.
            WalletTxStatus::Booked => Audience::Consumers(&["payment-monitor"]),
            _ => Audience::Published,
        };
        out.push((format!("{WALLET_TX}.{}", s.as_str()), audience));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(e: &DomainEvent) -> EventDetail {
        let (aggregate_type, aggregate_id) = e.aggregate();
        EventDetail {
            event_id: "evt_1".into(),
            event_type: e.event_type(),
            aggregate_type: aggregate_type.into(),
            aggregate_id,
            occurred_at: "2026-12-02T00:00:00Z".into(),
            payload: e.payload().to_string(),
        }
    }

    #[test]
    fn round_trips_and_refuses_what_it_does_not_know() {
        let changed = PaymentChanged {
            v: 1,
            user_id: "usr_1".into(),
            status: Status::Authorised,
            amount_minor: 150_000,
            currency: "NOK".into(),
        };
        let e = DomainEvent::Payment { payment_id: "pay_1".into(), changed };
        assert_eq!(e.event_type(), "payment.authorised");
        assert_eq!(DomainEvent::from_detail(&detail(&e)), Ok(e.clone()));
        let mut d = detail(&e);
        d.event_type = "payment.completed".into();
        assert!(DomainEvent::from_detail(&d).is_err(), "type and payload disagree");
        d.event_type = "payment.authorised".into();
        d.payload = d.payload.replace("\"v\":1", "\"v\":2");
        assert_eq!(DomainEvent::from_detail(&d), Err(EventError::Version("payment.authorised".into(), 2)));
        d.event_type = "user.deleted".into();
        assert!(matches!(DomainEvent::from_detail(&d), Err(EventError::Unknown(_))));
        // Payloads written before `v` existed read as version 1.
        let mut old = detail(&e);
        old.payload = r#"{"user_id":"usr_1","status":"authorised","amount_minor":1,"currency":"NOK"}"#.into();
        assert!(DomainEvent::from_detail(&old).is_ok());
        let q = DomainEvent::QrPayment {
            payment_id: "qrp_1".into(),
            changed: QrPaymentChanged {
                v: 1,
                payer_id: "usr_1".into(),
                merchant_id: "mer_1".into(),
                status: "completed".into(),
                amount_minor: 14_900,
                currency: "NOK".into(),
                kind: crate::payment::Kind::Qr,
            },
        };
        assert_eq!(q.event_type(), "qr_payment.completed");
        assert_eq!(DomainEvent::from_detail(&detail(&q)), Ok(q.clone()));
        let mut d = detail(&q);
        d.event_type = "qr_payment.settled".into();
        assert!(DomainEvent::from_detail(&d).is_err(), "type and payload disagree");
        let c = DomainEvent::Canary(CanarySent { v: 1, sent_at: "2026-12-02T00:00:00Z".into() });
        assert_eq!(DomainEvent::from_detail(&detail(&c)), Ok(c));
    }
}
