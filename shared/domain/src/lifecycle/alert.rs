//! A compliance alert: `open` until compliance closes it with a resolution (final).

use super::{names, IllegalTransition};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Open,
    Closed,
}

names!(Status { Open => "open", Closed => "closed" });

/// How compliance closes an alert; only `ConfirmedRisk` keeps a hold the alert put on the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resolution {
    FalsePositive,
    ValuableAlert,
    ConfirmedRisk,
}

names!(Resolution { FalsePositive => "false_positive", ValuableAlert => "valuable_alert", ConfirmedRisk => "confirmed_risk" });

impl Resolution {
    pub fn keeps_hold(self) -> bool {
        self == Resolution::ConfirmedRisk
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Close(Resolution),
}

pub fn transition(from: Status, event: Event) -> Result<Status, IllegalTransition> {
    match (from, event) {
        (Status::Open, Event::Close(_)) => Ok(Status::Closed),
        (Status::Closed, Event::Close(_)) => Err(IllegalTransition { record: "alert", from: "closed", event: "close" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_edge() {
        for r in Resolution::ALL {
            assert_eq!(transition(Status::Open, Event::Close(*r)), Ok(Status::Closed));
            assert!(transition(Status::Closed, Event::Close(*r)).is_err());
            assert_eq!(Resolution::parse(r.as_str()), Some(*r));
        }
        assert!(Resolution::ConfirmedRisk.keeps_hold() && !Resolution::FalsePositive.keeps_hold());
        assert_eq!(Resolution::parse("ignored"), None);
        assert_eq!(Status::parse("open"), Some(Status::Open));
    }
}
