//! A SEPA transfer out of a user's euro account: `requested` (stored, its amount reserved on
//! the euro limits; the provider is being asked) → `consent_pending` (the user must consent at the
//! provider's page: SCA) → `sending` (consent given; the provider's transaction is pending) →
//! `sent` (booked). Refused consent, an expired one, or a rejection by the provider or the bank
//! make it `failed` (the reservation is released).

use super::{names, IllegalTransition};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Requested,
    ConsentPending,
    Sending,
    Sent,
    Failed,
}

names!(Status {
    Requested => "requested",
    ConsentPending => "consent_pending",
    Sending => "sending",
    Sent => "sent",
    Failed => "failed",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The provider took the order and asks for the user's consent.
    ConsentAsked,
    /// The user consented; the provider started the transfer.
    Initiated,
    /// The provider booked it: the money left the account.
    Booked,
    /// Refused (the provider, the bank, or the user at the consent page), or the consent expired.
    Rejected,
}

pub const EVENTS: [Event; 4] = [Event::ConsentAsked, Event::Initiated, Event::Booked, Event::Rejected];

pub fn transition(from: Status, event: Event) -> Result<Status, IllegalTransition> {
    use Event as E;
    use Status as S;
    match (from, event) {
        (S::Requested, E::ConsentAsked) => Ok(S::ConsentPending),
        // Consent given before Drop recorded the provider's answer (a retry after a crash).
        (S::Requested | S::ConsentPending, E::Initiated) => Ok(S::Sending),
        (S::Sending, E::Booked) => Ok(S::Sent),
        (S::Requested | S::ConsentPending | S::Sending, E::Rejected) => Ok(S::Failed),
        _ => Err(IllegalTransition { record: "wallet transfer", from: from.as_str(), event: event_name(event) }),
    }
}

impl Status {
    /// The amount counts against the limits (reserved, on its way or sent).
    pub fn holds_limits(self) -> bool {
        !matches!(self, Status::Failed)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Status::Sent | Status::Failed)
    }
}

fn event_name(e: Event) -> &'static str {
    match e {
        Event::ConsentAsked => "consent_asked",
        Event::Initiated => "initiated",
        Event::Booked => "booked",
        Event::Rejected => "rejected",
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
            (S::Requested, E::ConsentAsked, S::ConsentPending),
            (S::Requested, E::Initiated, S::Sending),
            (S::ConsentPending, E::Initiated, S::Sending),
            (S::Sending, E::Booked, S::Sent),
            (S::Requested, E::Rejected, S::Failed),
            (S::ConsentPending, E::Rejected, S::Failed),
            (S::Sending, E::Rejected, S::Failed),
        ];
        for from in S::ALL {
            for e in EVENTS {
                let want = legal.iter().find(|(f, ev, _)| f == from && *ev == e).map(|l| l.2);
                assert_eq!(transition(*from, e).ok(), want, "{from:?} {e:?}");
            }
        }
    }
}
