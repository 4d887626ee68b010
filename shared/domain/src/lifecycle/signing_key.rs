//! A token-signing key: `active` (signs once usable, and verifies), superseded by a newer key
//! (still `active` in storage with a `retire_after` time: it verifies until the tokens it signed
//! have expired), then `retired` (out of the JWKS; its KMS key scheduled for deletion; final).

use super::{names, IllegalTransition};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Active,
    Superseded,
    Retired,
}

// A superseded key is stored as `active` plus its `retire_after`: readers of the JWKS need one
// status to filter on.
names!(Status { Active => "active", Superseded => "superseded", Retired => "retired" });

impl Status {
    /// The status as stored.
    pub fn stored(self) -> &'static str {
        match self {
            Status::Active | Status::Superseded => "active",
            Status::Retired => "retired",
        }
    }

    /// From the stored status and `retire_after`.
    pub fn of(stored: &str, retire_after: Option<i64>) -> Option<Status> {
        match (stored, retire_after) {
            ("active", None) => Some(Status::Active),
            ("active", Some(_)) => Some(Status::Superseded),
            ("retired", _) => Some(Status::Retired),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A newer key was made; this one signs until that one is usable.
    Supersede,
    /// Its grace has passed.
    Retire,
}

pub fn transition(from: Status, event: Event) -> Result<Status, IllegalTransition> {
    match (from, event) {
        (Status::Active, Event::Supersede) => Ok(Status::Superseded),
        (Status::Superseded, Event::Retire) => Ok(Status::Retired),
        _ => Err(IllegalTransition {
            record: "signing key",
            from: from.as_str(),
            event: if event == Event::Supersede { "supersede" } else { "retire" },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_edge() {
        assert_eq!(transition(Status::Active, Event::Supersede), Ok(Status::Superseded));
        assert_eq!(transition(Status::Superseded, Event::Retire), Ok(Status::Retired));
        for (s, e) in [
            (Status::Active, Event::Retire),
            (Status::Superseded, Event::Supersede),
            (Status::Retired, Event::Retire),
            (Status::Retired, Event::Supersede),
        ] {
            assert!(transition(s, e).is_err(), "{s:?} {e:?}");
        }
        assert_eq!(Status::of("active", Some(5)), Some(Status::Superseded));
        assert_eq!(Status::of(Status::Superseded.stored(), None), Some(Status::Active));
        assert_eq!(Status::of("gone", None), None);
    }
}
