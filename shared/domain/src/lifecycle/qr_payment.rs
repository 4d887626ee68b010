//! A payment to a merchant from a scanned QR code (`reference/platform.md` §3.6), paid by PSD2
//! initiation from the payer's bank into Drop's client-funds account and settled to the merchant
//! through the acquirer: `created` (scanned: merchant, amount and expiry checked) → `pending_
//! authorisation` (confirmed; the bank waits for SCA) → `authorised` (the bank accepted it) →
//! `completed` (the bank settled it: the merchant is owed the amount) → `settled` (paid out to the
//! merchant). Exits: `cancelled` and `expired` before the bank has it, `failed` when the bank
//! rejects it (reconciliation asks the bank to cancel one left waiting for SCA, then follows the
//! bank). Should a bank settle a payment after all that it had reported rejected, the money is
//! recorded and goes back (`failed` → `refunding` → `refunded`).

use super::{names, IllegalTransition};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Created,
    PendingAuthorisation,
    Authorised,
    Completed,
    Settled,
    Cancelled,
    Expired,
    Failed,
    /// The bank took the money after all (it settled a payment it had rejected): it goes back.
    Refunding,
    Refunded,
}

names!(Status {
    Created => "created",
    PendingAuthorisation => "pending_authorisation",
    Authorised => "authorised",
    Completed => "completed",
    Settled => "settled",
    Cancelled => "cancelled",
    Expired => "expired",
    Failed => "failed",
    Refunding => "refunding",
    Refunded => "refunded",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The payer confirms: payment initiation started at their bank.
    Confirm,
    /// The payer gives up before confirming.
    Cancel,
    /// Not confirmed before the code's (or the scan's) expiry.
    Expire,
    /// The bank accepted the payment (SCA done).
    BankAuthorised,
    /// The bank rejected or cancelled it (SCA failed, or rejected after accepting, before settling).
    BankRejected,
    /// The bank settled it into Drop's client-funds account.
    BankSettled,
    /// The acquirer paid the merchant.
    Settle,
    /// Reconciliation found the bank settled a payment Drop had failed: the money is recorded
    /// and sent back to the payer's account.
    LateFunds,
    /// The refund transfer settled.
    RefundSettled,
}

pub const EVENTS: [Event; 9] = [
    Event::Confirm,
    Event::Cancel,
    Event::Expire,
    Event::BankAuthorised,
    Event::BankRejected,
    Event::BankSettled,
    Event::Settle,
    Event::LateFunds,
    Event::RefundSettled,
];

pub fn transition(from: Status, event: Event) -> Result<Status, IllegalTransition> {
    use Event as E;
    use Status as S;
    match (from, event) {
        (S::Created, E::Confirm) => Ok(S::PendingAuthorisation),
        (S::Created, E::Cancel) => Ok(S::Cancelled),
        (S::Created, E::Expire) => Ok(S::Expired),
        (S::PendingAuthorisation, E::BankAuthorised) => Ok(S::Authorised),
        // A bank may report a payment settled on the first read after SCA.
        (S::PendingAuthorisation | S::Authorised, E::BankSettled) => Ok(S::Completed),
        (S::PendingAuthorisation | S::Authorised, E::BankRejected) => Ok(S::Failed),
        (S::Completed, E::Settle) => Ok(S::Settled),
        // Paid straight to a person (no money at Drop), settled by the bank after it reported it
        // rejected: the payment happened after all. (Money that reaches Drop goes back instead:
        // `LateFunds`.)
        (S::Failed, E::BankSettled) => Ok(S::Completed),
        (S::Failed, E::LateFunds) => Ok(S::Refunding),
        (S::Refunding, E::RefundSettled) => Ok(S::Refunded),
        _ => Err(IllegalTransition { record: "qr payment", from: from.as_str(), event: event_name(event) }),
    }
}

impl Status {
    /// Nothing more happens to it.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Settled | Status::Cancelled | Status::Expired | Status::Refunded)
    }

    /// The bank has the payment and Drop waits for its word (reconciliation reads it).
    pub fn at_bank(self) -> bool {
        matches!(self, Status::PendingAuthorisation | Status::Authorised)
    }
}

fn event_name(e: Event) -> &'static str {
    match e {
        Event::Confirm => "confirm",
        Event::Cancel => "cancel",
        Event::Expire => "expire",
        Event::BankAuthorised => "bank_authorised",
        Event::BankRejected => "bank_rejected",
        Event::BankSettled => "bank_settled",
        Event::Settle => "settle",
        Event::LateFunds => "late_funds",
        Event::RefundSettled => "refund_settled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Event as E;
    use Status as S;

    #[test]
    fn every_edge() {
        let legal = [
            (S::Created, E::Confirm, S::PendingAuthorisation),
            (S::Created, E::Cancel, S::Cancelled),
            (S::Created, E::Expire, S::Expired),
            (S::PendingAuthorisation, E::BankAuthorised, S::Authorised),
            (S::PendingAuthorisation, E::BankSettled, S::Completed),
            (S::Authorised, E::BankSettled, S::Completed),
            (S::PendingAuthorisation, E::BankRejected, S::Failed),
            (S::Authorised, E::BankRejected, S::Failed),
            (S::Completed, E::Settle, S::Settled),
            (S::Failed, E::BankSettled, S::Completed),
            (S::Failed, E::LateFunds, S::Refunding),
            (S::Refunding, E::RefundSettled, S::Refunded),
        ];
        for from in S::ALL {
            for e in EVENTS {
                let want = legal.iter().find(|(f, ev, _)| f == from && *ev == e).map(|l| l.2);
                assert_eq!(transition(*from, e).ok(), want, "{from:?} {e:?}");
            }
        }
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(*s));
        }
    }

    #[test]
    fn once_at_the_bank_only_the_bank_moves_it() {
        for s in S::ALL.iter().filter(|s| s.at_bank()) {
            for e in [E::Cancel, E::Expire, E::Confirm] {
                assert!(transition(*s, e).is_err(), "{s:?} {e:?}");
            }
        }
        // Every status that is not final has a way on.
        for s in S::ALL.iter().filter(|s| !s.is_final()) {
            assert!(EVENTS.iter().any(|e| transition(*s, *e).is_ok()), "{s:?}");
        }
    }
}
