//! Embedded adapters: everything in one SQLite file (or `:memory:`) and a local key file.

mod local_keys;
mod local_notifier;
mod local_objects;
mod local_secrets;
mod local_signer;
mod sqlite;
mod sqlite_queue;
mod sqlite_table;

pub use local_keys::LocalKeys;
pub use local_notifier::{LocalNotifier, Message};
pub use local_objects::DirObjects;
pub use local_secrets::FileSecrets;
pub use local_signer::LocalSigner;
pub use sqlite::SqliteStore;
pub use sqlite_queue::{QueueConfig, SqliteQueue};
pub use sqlite_table::SqliteTable;
