//! A user: `onboarding` (signed in with BankID, contacts not yet verified) → `active` (both
//! verified) → `suspended` by compliance and back, or `closed` (erasure or the user's own wish;
//! final).

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
    /// The second of phone and e-mail is verified.
    ContactsVerified,
    Suspend,
    Reinstate,
    Close,
}

pub fn transition(from: Status, event: Event) -> Result<Status, IllegalTransition> {
    use Event as E;
    use Status as S;
    match (from, event) {
        (S::Onboarding, E::ContactsVerified) => Ok(S::Active),
        (S::Onboarding | S::Active, E::Suspend) => Ok(S::Suspended),
        (S::Suspended, E::Reinstate) => Ok(S::Active),
        (S::Onboarding | S::Active | S::Suspended, E::Close) => Ok(S::Closed),
        _ => Err(IllegalTransition { record: "user", from: from.as_str(), event: event_name(event) }),
    }
}

fn event_name(e: Event) -> &'static str {
    match e {
        Event::ContactsVerified => "contacts_verified",
        Event::Suspend => "suspend",
        Event::Reinstate => "reinstate",
        Event::Close => "close",
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
            (S::Onboarding, E::ContactsVerified, S::Active),
            (S::Onboarding, E::Suspend, S::Suspended),
            (S::Active, E::Suspend, S::Suspended),
            (S::Suspended, E::Reinstate, S::Active),
            (S::Onboarding, E::Close, S::Closed),
            (S::Active, E::Close, S::Closed),
            (S::Suspended, E::Close, S::Closed),
        ];
        for from in S::ALL {
            for e in [E::ContactsVerified, E::Suspend, E::Reinstate, E::Close] {
                let want = legal.iter().find(|(f, ev, _)| f == from && *ev == e).map(|l| l.2);
                assert_eq!(transition(*from, e).ok(), want, "{from:?} {e:?}");
            }
        }
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(*s));
        }
        assert_eq!(S::parse("deleted"), None);
    }
}
