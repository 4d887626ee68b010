//! The remittance state machine: one enum, one transition function. Every change of a payment's
//! status goes through [`transition`]; anything else is an illegal transition (HTTP 409).
//! Design: `reference/platform.md` §3.5.

/// What a payment is: a transfer abroad (now); a QR merchant payment and a person-to-person
/// payment (next). Each kind has its own state machine; `Status` is the remittance's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Remittance,
    Qr,
    P2p,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Remittance, Kind::Qr, Kind::P2p];

    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Remittance => "remittance",
            Kind::Qr => "qr",
            Kind::P2p => "p2p",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Quoted,
    PendingAuthorisation,
    Authorised,
    PayoutSubmitted,
    Completed,
    Failed,
    Cancelled,
    /// A refund of the funds received is on its way back to the user's account.
    Refunding,
    Refunded,
}

/// What happens to a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The user confirms; payment initiation started at their bank.
    Confirm,
    /// The bank reports the payment authorised (SCA done, accepted).
    BankAuthorised,
    /// The bank reports it rejected or cancelled, or SCA failed (also after it had accepted it,
    /// before settlement).
    BankRejected,
    /// The user (or expiry) cancels before authorisation. Once the bank has the payment, only
    /// after the bank confirmed the cancellation (the service asks it first).
    Cancel,
    /// The bank took the user's money although no payout will follow: it authorised after the
    /// quote expired, or after Drop had cancelled (found by reconciliation). Funds are held and
    /// go back by refund.
    LateFunds,
    /// The payout worker created and funded the provider transfer.
    PayoutSubmitted,
    /// The provider could not take the transfer; will not be paid out.
    SubmissionRejected,
    /// The provider paid out.
    PayoutCompleted,
    /// The provider failed the payout.
    PayoutFailed,
    /// The provider returned a payout it had reported paid (Wise `bounced_back` after
    /// `outgoing_payment_sent`): the money is back with Drop and goes back to the user.
    PayoutReturned,
    /// A refund credit transfer was started at Drop's bank.
    RefundStarted,
    /// The bank settled the refund.
    RefundSettled,
    /// The bank rejected the refund; reconciliation starts another.
    RefundRejected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {from:?} payment cannot take {event:?}")]
pub struct IllegalTransition {
    pub from: Status,
    pub event: Event,
}

pub fn transition(from: Status, event: Event) -> Result<Status, IllegalTransition> {
    use Event as E;
    use Status as S;
    let to = match (from, event) {
        (S::Quoted, E::Confirm) => S::PendingAuthorisation,
        (S::Quoted, E::Cancel) => S::Cancelled,
        (S::PendingAuthorisation, E::BankAuthorised) => S::Authorised,
        (S::PendingAuthorisation, E::BankRejected | E::Cancel) => S::Cancelled,
        (S::PendingAuthorisation | S::Cancelled, E::LateFunds) => S::Failed,
        (S::Authorised, E::PayoutSubmitted) => S::PayoutSubmitted,
        // Accepted at the bank but rejected before it settled: nothing was received after all.
        (S::Authorised, E::BankRejected) => S::Cancelled,
        // Failed with funds the bank never settled (late funds it then rejected): nothing to refund.
        (S::Failed, E::BankRejected) => S::Cancelled,
        (S::Authorised, E::SubmissionRejected) => S::Failed,
        (S::PayoutSubmitted, E::PayoutCompleted) => S::Completed,
        (S::PayoutSubmitted, E::PayoutFailed) => S::Failed,
        (S::Completed, E::PayoutReturned) => S::Failed,
        (S::Failed, E::RefundStarted) => S::Refunding,
        (S::Refunding, E::RefundSettled) => S::Refunded,
        (S::Refunding, E::RefundRejected) => S::Failed,
        _ => return Err(IllegalTransition { from, event }),
    };
    Ok(to)
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Quoted => "quoted",
            Status::PendingAuthorisation => "pending_authorisation",
            Status::Authorised => "authorised",
            Status::PayoutSubmitted => "payout_submitted",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
            Status::Refunding => "refunding",
            Status::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        ALL.iter().copied().find(|x| x.as_str() == s)
    }

    /// Nothing is scheduled for these. Only an outside correction moves them on: funds the bank
    /// took after a cancellation (`LateFunds`), a payout the provider returned (`PayoutReturned`).
    pub fn is_final(self) -> bool {
        matches!(self, Status::Completed | Status::Cancelled | Status::Refunded)
    }

    /// Drop holds the user's money in these (a refund or payout is due or under way).
    pub fn holds_funds(self) -> bool {
        matches!(self, Status::Authorised | Status::Failed | Status::Refunding)
    }
}

pub const ALL: [Status; 9] = [
    Status::Quoted,
    Status::PendingAuthorisation,
    Status::Authorised,
    Status::PayoutSubmitted,
    Status::Completed,
    Status::Failed,
    Status::Cancelled,
    Status::Refunding,
    Status::Refunded,
];

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: [Event; 13] = [
        Event::Confirm,
        Event::BankAuthorised,
        Event::BankRejected,
        Event::Cancel,
        Event::PayoutSubmitted,
        Event::SubmissionRejected,
        Event::PayoutCompleted,
        Event::PayoutFailed,
        Event::LateFunds,
        Event::PayoutReturned,
        Event::RefundStarted,
        Event::RefundSettled,
        Event::RefundRejected,
    ];

    #[test]
    fn happy_path() {
        let mut s = Status::Quoted;
        for e in [Event::Confirm, Event::BankAuthorised, Event::PayoutSubmitted, Event::PayoutCompleted] {
            s = transition(s, e).unwrap();
        }
        assert_eq!(s, Status::Completed);
    }

    #[test]
    fn final_states_take_only_corrections_and_cancel_only_before_authorisation() {
        for s in ALL.iter().filter(|s| s.is_final()) {
            for e in EVENTS.iter().filter(|e| !matches!(e, Event::LateFunds | Event::PayoutReturned)) {
                assert!(transition(*s, *e).is_err(), "{s:?} {e:?}");
            }
        }
        assert_eq!(transition(Status::Cancelled, Event::LateFunds), Ok(Status::Failed));
        assert_eq!(transition(Status::Completed, Event::PayoutReturned), Ok(Status::Failed));
        assert!(transition(Status::Refunded, Event::LateFunds).is_err());
        assert!(transition(Status::Authorised, Event::Cancel).is_err());
        assert!(transition(Status::PayoutSubmitted, Event::Cancel).is_err());
    }

    #[test]
    fn money_held_always_has_a_way_out() {
        // From every status that holds funds some event leads on, and every path out of
        // `Failed` goes through a refund.
        for s in ALL.iter().filter(|s| s.holds_funds()) {
            assert!(EVENTS.iter().any(|e| transition(*s, *e).is_ok()), "{s:?}");
        }
        let mut s = Status::Failed;
        for e in [Event::RefundStarted, Event::RefundRejected, Event::RefundStarted, Event::RefundSettled] {
            s = transition(s, e).unwrap();
        }
        assert_eq!(s, Status::Refunded);
    }

    #[test]
    fn the_table_has_exactly_seventeen_edges() {
        let n = ALL
            .iter()
            .flat_map(|s| EVENTS.iter().map(move |e| (*s, *e)))
            .filter(|(s, e)| transition(*s, *e).is_ok())
            .count();
        assert_eq!(n, 17);
    }

    #[test]
    fn names_round_trip() {
        for s in ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
