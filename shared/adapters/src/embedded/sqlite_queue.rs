//! The job queue on SQLite, with SQS's semantics: visibility timeout, receive count, and redrive
//! to a dead-letter queue once a message was received more than `max_receive` times.

use super::SqliteStore;
use async_trait::async_trait;
use drop_services::queue::{JobQueue, QueueError, QueueMessage};
use drop_services::Clock;
use rusqlite::{params, TransactionBehavior};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct QueueConfig {
    pub dead_letter: Option<String>,
    pub max_receive: u32,
}

pub struct SqliteQueue {
    store: SqliteStore,
    clock: Arc<dyn Clock>,
    configs: Mutex<HashMap<String, QueueConfig>>,
}

struct QErr(QueueError);
impl From<String> for QErr {
    fn from(s: String) -> Self {
        QErr(QueueError::Unavailable(s))
    }
}
impl From<rusqlite::Error> for QErr {
    fn from(e: rusqlite::Error) -> Self {
        QErr(QueueError::Unavailable(e.to_string()))
    }
}

impl SqliteQueue {
    pub fn new(store: SqliteStore, clock: Arc<dyn Clock>) -> Self {
        SqliteQueue { store, clock, configs: Mutex::new(HashMap::new()) }
    }

    /// Declares a queue's redrive policy (from the template's `RedrivePolicy`).
    pub fn configure(&self, queue: &str, config: QueueConfig) {
        if let Ok(mut m) = self.configs.lock() {
            m.insert(queue.to_owned(), config);
        }
    }

    fn now_ms(&self) -> i64 {
        (self.clock.now().unix_timestamp_nanos() / 1_000_000) as i64
    }

    /// Messages in a queue, visible or not.
    pub async fn depth(&self, queue: &str) -> Result<i64, QueueError> {
        let q = queue.to_owned();
        self.store
            .with(move |c| Ok::<_, QErr>(c.query_row("SELECT count(*) FROM queue WHERE q = ?1", [q], |r| r.get(0))?))
            .await
            .map_err(|QErr(e)| e)
    }
}

#[async_trait]
impl JobQueue for SqliteQueue {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    async fn send(&self, queue: &str, body: &str) -> Result<String, QueueError> {
        let (q, b, now) = (queue.to_owned(), body.to_owned(), self.now_ms());
        let id = ulid::Ulid::new().to_string();
        let id2 = id.clone();
        self.store
            .with(move |c| {
                c.execute(
                    "INSERT INTO queue (q, id, body, visible_at, sent_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                    params![q, id2, b, now],
                )?;
                Ok::<_, QErr>(())
            })
            .await
            .map_err(|QErr(e)| e)?;
        Ok(id)
    }

    async fn receive(&self, queue: &str, max: u32, visibility_secs: u32) -> Result<Vec<QueueMessage>, QueueError> {
        let cfg = self.configs.lock().ok().and_then(|m| m.get(queue).cloned());
        let (q, now) = (queue.to_owned(), self.now_ms());
        let hidden_until = now + i64::from(visibility_secs) * 1000;
        self.store
            .with(move |c| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let mut out = Vec::new();
                {
                    let mut st = tx.prepare_cached(
                        "SELECT id, body, receive_count FROM queue WHERE q = ?1 AND visible_at <= ?2
                         ORDER BY visible_at, id LIMIT ?3",
                    )?;
                    let rows: Vec<(String, String, u32)> = st
                        .query_map(params![q, now, i64::from(max.clamp(1, 10)) * 2], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                        })?
                        .collect::<Result<_, _>>()?;
                    for (id, body, count) in rows {
                        if let Some(QueueConfig { dead_letter: Some(dlq), max_receive }) = &cfg {
                            if count >= *max_receive {
                                tx.execute(
                                    "UPDATE queue SET q = ?1, receive_count = 0, receipt = NULL, visible_at = ?2
                                     WHERE q = ?3 AND id = ?4",
                                    params![dlq, now, q, id],
                                )?;
                                continue;
                            }
                        }
                        if out.len() as u32 >= max.clamp(1, 10) {
                            break;
                        }
                        let receipt = ulid::Ulid::new().to_string();
                        tx.execute(
                            "UPDATE queue SET receipt = ?1, receive_count = receive_count + 1, visible_at = ?2
                             WHERE q = ?3 AND id = ?4",
                            params![receipt, hidden_until, q, id],
                        )?;
                        out.push(QueueMessage { id, receipt, body, receive_count: count + 1 });
                    }
                }
                tx.commit()?;
                Ok::<_, QErr>(out)
            })
            .await
            .map_err(|QErr(e)| e)
    }

    async fn delete(&self, queue: &str, receipt: &str) -> Result<(), QueueError> {
        let (q, r) = (queue.to_owned(), receipt.to_owned());
        self.store
            .with(move |c| {
                c.execute("DELETE FROM queue WHERE q = ?1 AND receipt = ?2", params![q, r])?;
                Ok::<_, QErr>(())
            })
            .await
            .map_err(|QErr(e)| e)
    }
}
