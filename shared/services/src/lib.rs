//! Drop's use cases and the ports (traits) they need. Adapters live in `drop-adapters`.

pub mod alerts;
pub mod aml_records;
pub mod audit;
pub mod auth;
pub mod aws_calls;
pub mod canary;
pub mod cases;
pub mod clock;
pub mod crypto;
pub mod cursors;
pub mod dedupe;
pub mod digest;
pub mod events;
pub mod four_eyes;
pub mod fx_reference;
pub mod holds;
pub mod idempotency;
pub mod ids;
pub mod merchants;
pub mod notify;
pub mod objects;
pub mod queue;
pub mod remit;
pub mod rescreen;
pub mod screening;
pub mod screening_list;
pub mod secrets;
pub mod str_reports;
pub mod subject;
pub mod table;
pub mod wallet;

pub use clock::{Clock, FixedClock, SystemClock};
pub use table::{Table, TableError};
