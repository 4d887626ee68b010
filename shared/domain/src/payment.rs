//! The remittance state machine: one enum, one transition function. Every change of a payment's
//! status goes through [`transition`]; anything else is an illegal transition (HTTP 409).
//! Design: `reference/platform.md` §3.5.

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
    Refunded,
}

/// What happens to a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The user confirms; payment initiation started at their bank.
    Confirm,
    /// The bank reports the payment authorised (SCA done, accepted).
    BankAuthorised,
    /// The bank reports it rejected or cancelled, or SCA failed.
    BankRejected,
    /// The user (or expiry) cancels before authorisation.
    Cancel,
    /// The payout worker created and funded the provider transfer.
    PayoutSubmitted,
    /// The provider could not take the transfer; will not be paid out.
    SubmissionRejected,
    /// The provider paid out.
    PayoutCompleted,
    /// The provider failed the payout.
    PayoutFailed,
    /// Funds received were returned to the user.
    Refunded,
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
        (S::Authorised, E::PayoutSubmitted) => S::PayoutSubmitted,
        (S::Authorised, E::SubmissionRejected) => S::Failed,
        (S::PayoutSubmitted, E::PayoutCompleted) => S::Completed,
        (S::PayoutSubmitted, E::PayoutFailed) => S::Failed,
        (S::Failed, E::Refunded) => S::Refunded,
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
            Status::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        ALL.iter().copied().find(|x| x.as_str() == s)
    }

    /// No event moves a payment out of these.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Completed | Status::Cancelled | Status::Refunded)
    }
}

pub const ALL: [Status; 8] = [
    Status::Quoted,
    Status::PendingAuthorisation,
    Status::Authorised,
    Status::PayoutSubmitted,
    Status::Completed,
    Status::Failed,
    Status::Cancelled,
    Status::Refunded,
];

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: [Event; 9] = [
        Event::Confirm,
        Event::BankAuthorised,
        Event::BankRejected,
        Event::Cancel,
        Event::PayoutSubmitted,
        Event::SubmissionRejected,
        Event::PayoutCompleted,
        Event::PayoutFailed,
        Event::Refunded,
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
    fn final_states_take_nothing_and_cancel_only_before_authorisation() {
        for s in ALL.iter().filter(|s| s.is_final()) {
            for e in EVENTS {
                assert!(transition(*s, e).is_err(), "{s:?} {e:?}");
            }
        }
        assert!(transition(Status::Authorised, Event::Cancel).is_err());
        assert!(transition(Status::PayoutSubmitted, Event::Cancel).is_err());
        assert_eq!(transition(Status::Failed, Event::Refunded), Ok(Status::Refunded));
    }

    #[test]
    fn the_table_has_exactly_ten_edges() {
        let n = ALL
            .iter()
            .flat_map(|s| EVENTS.iter().map(move |e| (*s, *e)))
            .filter(|(s, e)| transition(*s, *e).is_ok())
            .count();
        assert_eq!(n, 10);
    }

    #[test]
    fn names_round_trip() {
        for s in ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
