//! A merchant's refund of a QR payment (all of it or part): `requested` (the amount is reserved
//! against the payment; the acquirer is asked to refund its charge) → `sending` (the acquirer
//! took it back: Drop owes the payer, and a credit transfer from the client-funds account to the
//! payer's account is under way) → `refunded` (the bank settled the transfer). The acquirer may
//! refuse (`failed`: the reserved amount is free again). A transfer the bank rejects is sent again
//! under the next attempt's key; the refund stays `sending` meanwhile.

use super::{names, IllegalTransition};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Requested,
    Sending,
    Refunded,
    Failed,
}

names!(Status { Requested => "requested", Sending => "sending", Refunded => "refunded", Failed => "failed" });

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The acquirer refunded the charge (the money is Drop's to pass on).
    AcquirerRefunded,
    /// The acquirer refused the refund.
    AcquirerRefused,
    /// The bank settled the transfer to the payer.
    BankSettled,
}

pub const EVENTS: [Event; 3] = [Event::AcquirerRefunded, Event::AcquirerRefused, Event::BankSettled];

pub fn transition(from: Status, event: Event) -> Result<Status, IllegalTransition> {
    use Event as E;
    use Status as S;
    match (from, event) {
        (S::Requested, E::AcquirerRefunded) => Ok(S::Sending),
        (S::Requested, E::AcquirerRefused) => Ok(S::Failed),
        (S::Sending, E::BankSettled) => Ok(S::Refunded),
        _ => Err(IllegalTransition { record: "merchant refund", from: from.as_str(), event: event_name(event) }),
    }
}

impl Status {
    /// The amount counts against the payment (reserved, on its way or paid back).
    pub fn holds_amount(self) -> bool {
        !matches!(self, Status::Failed)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Status::Refunded | Status::Failed)
    }
}

fn event_name(e: Event) -> &'static str {
    match e {
        Event::AcquirerRefunded => "acquirer_refunded",
        Event::AcquirerRefused => "acquirer_refused",
        Event::BankSettled => "bank_settled",
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
            (S::Requested, E::AcquirerRefunded, S::Sending),
            (S::Requested, E::AcquirerRefused, S::Failed),
            (S::Sending, E::BankSettled, S::Refunded),
        ];
        for from in S::ALL {
            for e in EVENTS {
                let want = legal.iter().find(|(f, ev, _)| f == from && *ev == e).map(|l| l.2);
                assert_eq!(transition(*from, e).ok(), want, "{from:?} {e:?}");
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(*s));
            assert_eq!(
                s.is_final(),
                transition(*s, E::BankSettled).is_err() && transition(*s, E::AcquirerRefunded).is_err()
            );
        }
    }
}
