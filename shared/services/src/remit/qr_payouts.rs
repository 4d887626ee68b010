//! The daily settlement report: Drop's books against the acquirer's payouts (Nexi's Reporting
//! API, `reference/banking-and-notifications.md` §2). Each charge a payout lists must be a QR
//! payment Drop handed over (same acquirer payment, charge and amount): it is then `settled` (paid
//! to the merchant). Each refund must be a merchant refund Drop asked for, of the same amount. A
//! payout's amount must be its charges less its refunds and fees. A payment charged
//! [`PAYOUT_DAYS`] ago and in no payout is a difference too. Differences are reported (the job
//! counts them and the template alarms on the count); nothing is changed to make them go away.
//! Re-running over the same days changes nothing more.

use super::payments::{provider_err, Remit};
use super::ports::{AcquirerPayout, PayoutAction, PayoutActionKind};
use super::RemitError;
use crate::table::TxOp;
use drop_domain::lifecycle::merchant_refund::Status as RefundStatus;
use drop_domain::lifecycle::qr_payment::{Event, Status};
use drop_domain::payment::Kind;

/// How many days back each run reads payouts (a payout is checked on several runs).
pub const REPORT_DAYS: i64 = 7;
/// A charge not in any payout after this many days is a difference.
pub const PAYOUT_DAYS: i64 = 3;
/// How far back charges missing from payouts are looked for.
pub const NOT_PAID_OUT_WINDOW_DAYS: i64 = 30;

/// Something in the acquirer's report that Drop's books do not say (or the other way round).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Difference {
    /// `payout-total`, `unknown-payment`, `charge-mismatch`, `refund-mismatch`,
    /// `unknown-action`, `not-paid-out`.
    pub kind: &'static str,
    /// The payout, payment or refund it is about (ids only).
    pub subject: String,
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettlementReport {
    pub payouts: u32,
    pub actions: u32,
    /// Payments this run marked settled.
    pub settled: u32,
    pub differences: Vec<Difference>,
}

fn diff(kind: &'static str, subject: &str, detail: String) -> Difference {
    Difference { kind, subject: subject.to_owned(), detail }
}

impl Remit {
    /// Checks the payouts of the last [`REPORT_DAYS`] (Oslo dates) against the books.
    pub async fn settlement_report(&self) -> Result<SettlementReport, RemitError> {
        let acquirer = self.acquirer.as_ref().ok_or(RemitError::Unwired("Acquirer"))?.clone();
        let today = drop_domain::age::oslo_date(self.clock.now());
        let from = today - time::Duration::days(REPORT_DAYS);
        let payouts = acquirer.payouts(&from.to_string(), &today.to_string()).await.map_err(provider_err)?;
        let mut report = SettlementReport::default();
        for payout in &payouts {
            report.payouts += 1;
            self.check_payout(payout, &mut report).await?;
        }
        let now = self.now();
        // Completed within the last month (P2P payments stay `completed` for good; a charge missing
        // from payouts for longer was reported on every run meanwhile).
        let since = now - NOT_PAID_OUT_WINDOW_DAYS * 86_400;
        for p in self.qr_payments_up_to(Status::Completed, since, now - PAYOUT_DAYS * 86_400, usize::MAX).await? {
            if p.kind == Kind::Qr && p.charge_id.is_some() {
                report.differences.push(diff(
                    "not-paid-out",
                    &p.id,
                    format!("charged, in no payout after {PAYOUT_DAYS} days"),
                ));
            }
        }
        Ok(report)
    }

    async fn check_payout(&self, payout: &AcquirerPayout, report: &mut SettlementReport) -> Result<(), RemitError> {
        let sum = |kind: PayoutActionKind| -> i64 {
            payout.actions.iter().filter(|a| a.kind == kind).map(|a| a.amount).sum()
        };
        let (charged, refunded) = (sum(PayoutActionKind::Charge), sum(PayoutActionKind::Refund));
        if charged - refunded - payout.fees != payout.amount {
            report.differences.push(diff(
                "payout-total",
                &payout.id,
                format!("charges {charged} − refunds {refunded} − fees {} ≠ paid {}", payout.fees, payout.amount),
            ));
        }
        for a in &payout.actions {
            report.actions += 1;
            let found = match &a.kind {
                PayoutActionKind::Charge => self.payout_charge(payout, a, report).await?,
                PayoutActionKind::Refund => self.payout_refund(a).await?,
                PayoutActionKind::Other(kind) => Some(diff("unknown-action", &payout.id, format!("{kind} {}", a.id))),
            };
            report.differences.extend(found);
        }
        Ok(())
    }

    /// A charge paid out: the QR payment it settles (marked `settled`), or the difference.
    async fn payout_charge(
        &self,
        payout: &AcquirerPayout,
        a: &PayoutAction,
        report: &mut SettlementReport,
    ) -> Result<Option<Difference>, RemitError> {
        let Some(p) = self.payment_of(a).await? else {
            return Ok(Some(diff("unknown-payment", &payout.id, format!("charge {} of {}", a.id, a.payment_id))));
        };
        let matches = p.acquirer_payment_id.as_deref() == Some(a.payment_id.as_str())
            && p.charge_id.as_deref() == Some(a.id.as_str())
            && p.amount == a.amount
            && a.currency == p.currency.as_str();
        if !matches {
            let detail = format!(
                "charge {} of {} {}: Drop has {} {}",
                a.id,
                a.amount,
                a.currency,
                p.amount,
                p.currency.as_str()
            );
            return Ok(Some(diff("charge-mismatch", &p.id, detail)));
        }
        match p.status {
            Status::Completed => {
                let (u, to) = self.qr_step(&p, Event::Settle, vec![("payout_id", payout.id.as_str().into())])?;
                self.apply(vec![TxOp::Update(u), self.qr_event(&p, to)]).await?;
                report.settled += 1;
                Ok(None)
            }
            Status::Settled => Ok(None),
            other => Ok(Some(diff("charge-mismatch", &p.id, format!("paid out, but {} at Drop", other.as_str())))),
        }
    }

    /// A refund taken from a payout: one of the merchant's refunds Drop asked for, or the difference.
    async fn payout_refund(&self, a: &PayoutAction) -> Result<Option<Difference>, RemitError> {
        let Some(p) = self.payment_of(a).await? else {
            return Ok(Some(diff("unknown-payment", &a.payment_id, format!("refund {}", a.id))));
        };
        let refunds = self.refunds_of(&p.user_id, &p.id).await?;
        let ours = refunds.iter().find(|r| r.acquirer_refund_id.as_deref() == Some(a.id.as_str()));
        Ok(match ours {
            Some(r) if r.amount == a.amount && matches!(r.status, RefundStatus::Sending | RefundStatus::Refunded) => {
                None
            }
            Some(r) => Some(diff(
                "refund-mismatch",
                &r.id,
                format!("refunded {} at the acquirer, {} {} at Drop", a.amount, r.amount, r.status.as_str()),
            )),
            None => {
                Some(diff("refund-mismatch", &p.id, format!("refund {} of {} Drop did not ask for", a.id, a.amount)))
            }
        })
    }

    /// The QR payment an action is about (by the order's reference, Drop's id), if Drop has it.
    async fn payment_of(&self, a: &PayoutAction) -> Result<Option<super::qr::QrPayment>, RemitError> {
        let Some(reference) = a.reference.as_deref().filter(|r| super::qr::is_id(r)) else { return Ok(None) };
        match self.qr_find(reference).await {
            Ok(p) => Ok(Some(p)),
            Err(RemitError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
