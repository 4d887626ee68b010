//! Embedded adapters: everything in one SQLite file (or `:memory:`) and a local key file.

mod local_keys;
mod sqlite;
mod sqlite_queue;
mod sqlite_table;

pub use local_keys::LocalKeys;
pub use sqlite::SqliteStore;
pub use sqlite_queue::{QueueConfig, SqliteQueue};
pub use sqlite_table::SqliteTable;
