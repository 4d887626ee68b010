//! Drop's pure domain: types and rules with no I/O, no async runtime, no SDK, no database.
//! A test in `drop-tests` walks this crate's dependency graph and fails if one creeps in.

pub mod age;
pub mod aml;
pub mod bank_account;
pub mod contact;
pub mod event;
pub mod fx;
pub mod ids;
pub mod keys;
pub mod lifecycle;
pub mod money;
pub mod nin;
pub mod organisation;
pub mod payment;
pub mod qr;
pub mod reports;
pub mod role;
pub mod screening;
pub mod secret;
pub mod text;
pub mod time;

pub use money::{Currency, Money, MoneyError};
pub use secret::Secret;
