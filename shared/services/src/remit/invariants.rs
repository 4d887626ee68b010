//! Ledger invariants, checked over the whole ledger (TigerBeetle's habit: prove it continuously,
//! not only in tests). For every payment its journal must balance and match its status; no
//! customer balance may be negative; money Drop holds must have a payout or refund in progress
//! or done; and the balances of Drop's own accounts must equal the sums over payments by status.
//!
//! Per status, what the journal of a payment must hold (customer's net = credits − debits):
//!
//! | status | postings | customer net |
//! |---|---|---|
//! | quoted, pending_authorisation | none | 0 |
//! | cancelled | none, or received and reversed | 0 |
//! | authorised, failed, refunding | funds received (and a reversed payout) | source amount |
//! | payout_submitted, completed | received, paid out, fee | 0 |
//! | refunded | received, refunded | 0 |

use super::ledger::{self, Posting};
use super::payments::{Payment, Remit};
use super::refund_transfer::MAX_REFUND_ATTEMPTS;
use super::RemitError;
use drop_domain::payment::{Status, ALL};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    pub rule: &'static str,
    /// The payment (or account) concerned.
    pub subject: String,
    pub detail: String,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvariantReport {
    pub payments: u32,
    pub postings: u32,
    pub violations: Vec<Violation>,
}

/// Net effect of postings per account (credit-normal: credits − debits).
fn nets(postings: &[Posting]) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for p in postings {
        *out.entry(p.debit.clone()).or_insert(0) -= p.amount;
        *out.entry(p.credit.clone()).or_insert(0) += p.amount;
    }
    out
}

/// What a payment of this status must hold for the user (its customer net).
fn expected_customer_net(p: &Payment) -> i64 {
    if p.status.holds_funds() {
        p.source_amount
    } else {
        0
    }
}

/// Postings of a payment whose money came in, was reversed or came in again, went out and came
/// back: everything a `failed` (or `refunding`) payment may carry.
const HELD: [&str; 7] =
    ["funds_received", "funds_reversed", "funds_received_again", "payout", "fee", "payout_reversed", "fee_reversed"];
const REFUNDED: [&str; 8] = [HELD[0], HELD[1], HELD[2], HELD[3], HELD[4], HELD[5], HELD[6], "refund"];

/// Whether postings of this kind may appear for a payment in this status.
fn kinds_allowed(status: Status) -> &'static [&'static str] {
    match status {
        Status::Quoted | Status::PendingAuthorisation => &[],
        // A payment the bank rejected after accepting it has its funds reversed.
        Status::Cancelled => &HELD[..3],
        Status::Authorised => &HELD[..1],
        Status::PayoutSubmitted | Status::Completed => &["funds_received", "payout", "fee"],
        // Funds may have been reversed and received again (the bank settled what it had rejected).
        Status::Failed | Status::Refunding => &HELD,
        Status::Refunded => &REFUNDED,
    }
}

impl Remit {
    /// Checks every invariant over all payments. Reads only.
    pub async fn check_invariants(&self) -> Result<InvariantReport, RemitError> {
        let mut report = InvariantReport::default();
        let mut house: BTreeMap<String, i64> = BTreeMap::new();
        let mut customers: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_status: BTreeMap<String, i64> = BTreeMap::new();
        let mut v = Vec::new();
        let now = self.now();
        for status in ALL {
            for p in self.payments_up_to(status, 0, now + 1, usize::MAX).await? {
                report.payments += 1;
                for (account, amount) in expected_house(&p) {
                    *by_status.entry(account).or_insert(0) += amount;
                }
                let journal = ledger::journal(self.table.as_ref(), &p.id).await?;
                report.postings += journal.len() as u32;
                let net = nets(&journal);
                let total: i64 = net.values().sum();
                if total != 0 || journal.iter().any(|j| j.amount <= 0) {
                    v.push(violation("journal-balances", &p.id, format!("postings sum to {total}")));
                }
                let allowed = kinds_allowed(p.status);
                if let Some(j) = journal.iter().find(|j| !allowed.contains(&j.kind)) {
                    v.push(violation(
                        "postings-match-status",
                        &p.id,
                        format!("{} posting in {}", j.kind, p.status.as_str()),
                    ));
                }
                let customer = ledger::customer(&p.user_id);
                let held = net.get(&customer).copied().unwrap_or(0);
                if held != expected_customer_net(&p) {
                    v.push(violation(
                        "funds-match-status",
                        &p.id,
                        format!(
                            "{} holds {held} for the user, expected {}",
                            p.status.as_str(),
                            expected_customer_net(&p)
                        ),
                    ));
                }
                if p.status == Status::Failed && p.refund_attempt >= MAX_REFUND_ATTEMPTS {
                    v.push(violation("funds-have-a-way-out", &p.id, format!("{} refunds rejected", p.refund_attempt)));
                }
                for (account, n) in net {
                    if account == customer {
                        *customers.entry(account).or_insert(0) += n;
                    } else {
                        *house.entry(account).or_insert(0) += n;
                    }
                }
            }
        }
        let (payments, postings, qr) = self.qr_invariants(&mut customers, &mut house, &mut by_status).await?;
        report.payments += payments;
        report.postings += postings;
        v.extend(qr);
        for (account, sum) in customers.iter().chain(house.iter()) {
            let stored = ledger::balance(self.table.as_ref(), account).await?;
            if stored != *sum {
                v.push(violation("balances-match-journals", account, format!("balance {stored}, journals {sum}")));
            }
            if account.starts_with("customer:") && stored < 0 {
                v.push(violation("no-negative-customer-balance", account, format!("balance {stored}")));
            }
        }
        for (account, expected) in &by_status {
            let stored = ledger::balance(self.table.as_ref(), account).await?;
            if stored != *expected {
                v.push(violation("totals-match-statuses", account, format!("balance {stored}, payments {expected}")));
            }
        }
        report.violations = v;
        Ok(report)
    }
}

/// What a payment of its status contributes to Drop's own accounts.
fn expected_house(p: &Payment) -> Vec<(String, i64)> {
    let paid_out = matches!(p.status, Status::PayoutSubmitted | Status::Completed);
    let received = paid_out || p.status.holds_funds();
    let mut out = vec![(ledger::safeguarding(), if received { -p.source_amount } else { 0 })];
    out.push((ledger::fees(), if paid_out { p.fee } else { 0 }));
    out.push((ledger::provider(p.provider.as_str()), if paid_out { p.source_amount - p.fee } else { 0 }));
    out
}

fn violation(rule: &'static str, subject: &str, detail: String) -> Violation {
    Violation { rule, subject: subject.to_owned(), detail }
}
