//! A compliance case about one subject (a user or a merchant): `open` when its first alert arrives
//! (later alerts join it) → `investigating` (assigned, or work started) → `escalated` (the
//! subject's transfers are held: "do not execute before Økokrim is informed") → back to
//! `investigating`, or closed: `closed_no_action`, or `reported` (an STR was filed; four eyes).
//! Closed is final: a new alert opens a new case.

use super::{names, IllegalTransition};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Open,
    Investigating,
    Escalated,
    ClosedNoAction,
    Reported,
}

names!(Status {
    Open => "open",
    Investigating => "investigating",
    Escalated => "escalated",
    ClosedNoAction => "closed_no_action",
    Reported => "reported",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    Investigate,
    Escalate,
    Deescalate,
    CloseNoAction,
    /// Needs a second admin (the service's four-eyes rule) and a filed STR.
    Report,
}

names!(Event {
    Investigate => "investigate",
    Escalate => "escalate",
    Deescalate => "deescalate",
    CloseNoAction => "close_no_action",
    Report => "report",
});

pub fn transition(from: Status, event: Event) -> Result<Status, IllegalTransition> {
    use Event as E;
    use Status as S;
    match (from, event) {
        (S::Open, E::Investigate) => Ok(S::Investigating),
        (S::Open | S::Investigating, E::Escalate) => Ok(S::Escalated),
        (S::Escalated, E::Deescalate) => Ok(S::Investigating),
        (S::Open | S::Investigating | S::Escalated, E::CloseNoAction) => Ok(S::ClosedNoAction),
        (S::Investigating | S::Escalated, E::Report) => Ok(S::Reported),
        _ => Err(IllegalTransition { record: "case", from: from.as_str(), event: event.as_str() }),
    }
}

impl Status {
    pub fn is_closed(self) -> bool {
        matches!(self, Status::ClosedNoAction | Status::Reported)
    }

    /// The subject's transfers are held while the case is here.
    pub fn holds_subject(self) -> bool {
        self == Status::Escalated
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
            (S::Open, E::Investigate, S::Investigating),
            (S::Open, E::Escalate, S::Escalated),
            (S::Investigating, E::Escalate, S::Escalated),
            (S::Escalated, E::Deescalate, S::Investigating),
            (S::Open, E::CloseNoAction, S::ClosedNoAction),
            (S::Investigating, E::CloseNoAction, S::ClosedNoAction),
            (S::Escalated, E::CloseNoAction, S::ClosedNoAction),
            (S::Investigating, E::Report, S::Reported),
            (S::Escalated, E::Report, S::Reported),
        ];
        for from in S::ALL {
            for e in E::ALL {
                let want = legal.iter().find(|(f, ev, _)| f == from && ev == e).map(|(_, _, to)| *to);
                assert_eq!(transition(*from, *e).ok(), want, "{from:?} {e:?}");
            }
        }
        assert!(S::Reported.is_closed() && !S::Escalated.is_closed());
        assert!(S::Escalated.holds_subject() && !S::Investigating.holds_subject());
    }
}
