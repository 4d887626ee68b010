use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS items (
  tbl TEXT NOT NULL, pk TEXT NOT NULL, sk TEXT NOT NULL,
  body TEXT NOT NULL, expires_at INTEGER,
  PRIMARY KEY (tbl, pk, sk)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS items_ttl ON items (tbl, expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS idx (
  tbl TEXT NOT NULL, ix TEXT NOT NULL, ipk TEXT NOT NULL, isk TEXT NOT NULL,
  pk TEXT NOT NULL, sk TEXT NOT NULL,
  PRIMARY KEY (tbl, ix, ipk, isk, pk, sk)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_item ON idx (tbl, pk, sk);
CREATE TABLE IF NOT EXISTS queue (
  q TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
  visible_at INTEGER NOT NULL, receipt TEXT, receive_count INTEGER NOT NULL DEFAULT 0,
  sent_at INTEGER NOT NULL,
  PRIMARY KEY (q, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS queue_visible ON queue (q, visible_at);
";

/// One SQLite database shared by the embedded tables and queues of a process.
#[derive(Clone)]
pub struct SqliteStore {
    pub(crate) conn: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (creating if needed) a database file, or `:memory:`.
    pub fn open(path: &str) -> Result<Self, rusqlite::Error> {
        let conn = if path == ":memory:" {
            Connection::open_in_memory()?
        } else {
            if let Some(dir) = Path::new(path).parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            Connection::open(path)?
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteStore { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` on the connection on a blocking thread.
    pub(crate) async fn with<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: Send + 'static + From<String>,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| E::from("sqlite connection poisoned".to_owned()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| E::from(format!("sqlite task failed: {e}")))?
    }
}
