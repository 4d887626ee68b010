//! A user's euro account at the banking provider (Swan): `onboarding` (the provider's KYC is
//! under way) → `active` (the account is open: it has an IBAN) ⇄ `suspended` (the provider
//! suspended it) → `closed`. Its transactions: `pending` → `booked` | `rejected` (one seen
//! first when already final starts there).

use super::{names, IllegalTransition};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Onboarding,
    Active,
    Suspended,
    Closed,
}

names!(Status { Onboarding => "onboarding", Active => "active", Suspended => "suspended", Closed => "closed" });

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The provider finished onboarding: the account is open.
    Opened,
    Suspended,
    Reinstated,
    Closed,
}

pub const EVENTS: [Event; 4] = [Event::Opened, Event::Suspended, Event::Reinstated, Event::Closed];

pub fn transition(from: Status, event: Event) -> Result<Status, IllegalTransition> {
    use Event as E;
    use Status as S;
    match (from, event) {
        (S::Onboarding, E::Opened) => Ok(S::Active),
        (S::Active, E::Suspended) => Ok(S::Suspended),
        (S::Suspended, E::Reinstated) => Ok(S::Active),
        (S::Onboarding | S::Active | S::Suspended, E::Closed) => Ok(S::Closed),
        _ => Err(IllegalTransition { record: "wallet", from: from.as_str(), event: event_name(event) }),
    }
}

fn event_name(e: Event) -> &'static str {
    match e {
        Event::Opened => "opened",
        Event::Suspended => "suspended",
        Event::Reinstated => "reinstated",
        Event::Closed => "closed",
    }
}

/// A transaction on the account, as Drop records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxStatus {
    Pending,
    Booked,
    Rejected,
}

names!(TxStatus { Pending => "pending", Booked => "booked", Rejected => "rejected" });

impl TxStatus {
    /// Whether a transaction may move from `self` to `to` (the provider's word only ever moves
    /// forward: a late `pending` after `booked` changes nothing).
    pub fn may_become(self, to: TxStatus) -> bool {
        matches!((self, to), (TxStatus::Pending, TxStatus::Booked | TxStatus::Rejected))
    }

    pub fn is_final(self) -> bool {
        !matches!(self, TxStatus::Pending)
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
            (S::Onboarding, E::Opened, S::Active),
            (S::Active, E::Suspended, S::Suspended),
            (S::Suspended, E::Reinstated, S::Active),
            (S::Onboarding, E::Closed, S::Closed),
            (S::Active, E::Closed, S::Closed),
            (S::Suspended, E::Closed, S::Closed),
        ];
        for from in S::ALL {
            for e in EVENTS {
                let want = legal.iter().find(|(f, ev, _)| f == from && *ev == e).map(|l| l.2);
                assert_eq!(transition(*from, e).ok(), want, "{from:?} {e:?}");
            }
        }
    }

    #[test]
    fn transactions_only_move_forward() {
        use TxStatus as T;
        for from in T::ALL {
            for to in T::ALL {
                let want = *from == T::Pending && *to != T::Pending;
                assert_eq!(from.may_become(*to), want, "{from:?} → {to:?}");
            }
        }
    }
}
