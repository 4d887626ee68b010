//! The state machines of Drop's stateful records other than payments (`crate::payment`), each
//! like it: one status enum (stored as its `as_str`), one event enum, one transition function;
//! anything else is an illegal transition.

pub mod alert;
pub mod case;
pub mod idempotency;
pub mod merchant;
pub mod merchant_refund;
pub mod qr_payment;
pub mod signing_key;
pub mod str_report;
pub mod user;
pub mod wallet;
pub mod wallet_transfer;

/// A status that cannot take an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {record} in status {from} cannot take {event}")]
pub struct IllegalTransition {
    pub record: &'static str,
    pub from: &'static str,
    pub event: &'static str,
}

/// The stored names of a status enum.
macro_rules! names {
    ($ty:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];

            pub const fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),* }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($name => Some($ty::$variant),)* _ => None }
            }
        }
    };
}
pub(crate) use names;
