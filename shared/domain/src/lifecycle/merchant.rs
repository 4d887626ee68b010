//! A merchant: `pending` (registered, checks not passed: a screening hit waits for compliance) →
//! `active` (takes payments) → `suspended` by compliance and back, or `closed` (final).

use super::{names, IllegalTransition};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Pending,
    Active,
    Suspended,
    Closed,
}

names!(Status { Pending => "pending", Active => "active", Suspended => "suspended", Closed => "closed" });

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The organisation, the signatory and screening passed (or compliance cleared a hit).
    Approve,
    Suspend,
    Reinstate,
    Close,
}

pub fn transition(from: Status, event: Event) -> Result<Status, IllegalTransition> {
    use Event as E;
    use Status as S;
    match (from, event) {
        (S::Pending, E::Approve) => Ok(S::Active),
        (S::Pending | S::Active, E::Suspend) => Ok(S::Suspended),
        (S::Suspended, E::Reinstate) => Ok(S::Active),
        (S::Pending | S::Active | S::Suspended, E::Close) => Ok(S::Closed),
        _ => Err(IllegalTransition { record: "merchant", from: from.as_str(), event: event_name(event) }),
    }
}

fn event_name(e: Event) -> &'static str {
    match e {
        Event::Approve => "approve",
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
            (S::Pending, E::Approve, S::Active),
            (S::Pending, E::Suspend, S::Suspended),
            (S::Active, E::Suspend, S::Suspended),
            (S::Suspended, E::Reinstate, S::Active),
            (S::Pending, E::Close, S::Closed),
            (S::Active, E::Close, S::Closed),
            (S::Suspended, E::Close, S::Closed),
        ];
        for from in S::ALL {
            for e in [E::Approve, E::Suspend, E::Reinstate, E::Close] {
                let want = legal.iter().find(|(f, ev, _)| f == from && *ev == e).map(|l| l.2);
                assert_eq!(transition(*from, e).ok(), want, "{from:?} {e:?}");
            }
        }
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(*s));
        }
    }
}
