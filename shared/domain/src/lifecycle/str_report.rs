//! A suspicious transaction report (compliance reference §3.3): `draft` (editable) → `in_review`
//! (submitted for a second admin) → `approved` (by an admin who did not draft it) → `filed`
//! (submitted to the FIU: channel, time, receipt) → `acknowledged` (the FIU's answer). A reviewer
//! may send it back to `draft`; it may be `withdrawn` until filed. While it is in review or
//! approved the subject's transfers are held.

use super::{names, IllegalTransition};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Draft,
    InReview,
    Approved,
    Filed,
    Acknowledged,
    Withdrawn,
}

names!(Status {
    Draft => "draft",
    InReview => "in_review",
    Approved => "approved",
    Filed => "filed",
    Acknowledged => "acknowledged",
    Withdrawn => "withdrawn",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    Submit,
    Return,
    /// Needs an admin other than the drafter.
    Approve,
    File,
    Acknowledge,
    Withdraw,
}

names!(Event {
    Submit => "submit",
    Return => "return",
    Approve => "approve",
    File => "file",
    Acknowledge => "acknowledge",
    Withdraw => "withdraw",
});

pub fn transition(from: Status, event: Event) -> Result<Status, IllegalTransition> {
    use Event as E;
    use Status as S;
    match (from, event) {
        (S::Draft, E::Submit) => Ok(S::InReview),
        (S::InReview, E::Return) => Ok(S::Draft),
        (S::InReview, E::Approve) => Ok(S::Approved),
        (S::Approved, E::File) => Ok(S::Filed),
        (S::Filed, E::Acknowledge) => Ok(S::Acknowledged),
        (S::Draft | S::InReview | S::Approved, E::Withdraw) => Ok(S::Withdrawn),
        _ => Err(IllegalTransition { record: "STR", from: from.as_str(), event: event.as_str() }),
    }
}

impl Status {
    /// Content may change only here.
    pub fn editable(self) -> bool {
        self == Status::Draft
    }

    /// Pending at Drop: the subject's transfers are held.
    pub fn holds_subject(self) -> bool {
        matches!(self, Status::InReview | Status::Approved)
    }

    /// Submitted to the FIU.
    pub fn is_filed(self) -> bool {
        matches!(self, Status::Filed | Status::Acknowledged)
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
            (S::Draft, E::Submit, S::InReview),
            (S::InReview, E::Return, S::Draft),
            (S::InReview, E::Approve, S::Approved),
            (S::Approved, E::File, S::Filed),
            (S::Filed, E::Acknowledge, S::Acknowledged),
            (S::Draft, E::Withdraw, S::Withdrawn),
            (S::InReview, E::Withdraw, S::Withdrawn),
            (S::Approved, E::Withdraw, S::Withdrawn),
        ];
        for from in S::ALL {
            for e in E::ALL {
                let want = legal.iter().find(|(f, ev, _)| f == from && ev == e).map(|(_, _, to)| *to);
                assert_eq!(transition(*from, *e).ok(), want, "{from:?} {e:?}");
            }
        }
        assert!(S::InReview.holds_subject() && S::Approved.holds_subject() && !S::Filed.holds_subject());
        assert!(S::Draft.editable() && !S::InReview.editable());
    }
}
