//! The composition root: built once per cold start (or once for the local stack), it picks the
//! AWS adapters in Lambda and the embedded ones on a laptop.

use crate::config::{Adapters, Config};
use crate::metrics::Metrics;
use drop_adapters::aws::{DynamoTable, KmsKeys, SqsQueue};
use drop_adapters::embedded::{LocalKeys, SqliteQueue, SqliteStore, SqliteTable};
use drop_services::crypto::{Crypto, KeyCachePolicy, KeyProvider};
use drop_services::queue::JobQueue;
use drop_services::{Clock, SystemClock, Table};
use std::sync::Arc;

pub struct Ctx {
    pub config: Config,
    pub table: Arc<dyn Table>,
    pub audit: Arc<dyn Table>,
    pub crypto: Arc<Crypto>,
    pub queue: Arc<dyn JobQueue>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Metrics,
    /// Set when embedded: the SQLite store the tables and queues share.
    pub store: Option<SqliteStore>,
}

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("config: {0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("storage: {0}")]
    Storage(String),
    #[error("keys: {0}")]
    Keys(String),
}

impl Ctx {
    pub async fn from_config(config: Config, metrics: Metrics) -> Result<Self, InitError> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        match config.adapters {
            Adapters::Aws => {
                let sdk = drop_adapters::aws::sdk_config().await;
                let ddb = aws_sdk_dynamodb::Client::new(&sdk);
                let keys: Arc<dyn KeyProvider> = Arc::new(KmsKeys::new(
                    aws_sdk_kms::Client::new(&sdk),
                    config.pii_key_id.as_deref().unwrap_or_default(),
                    config.blind_index_key_id.as_deref().unwrap_or_default(),
                ));
                Ok(Ctx {
                    table: Arc::new(DynamoTable::new(ddb.clone(), &config.table_name, clock.clone())),
                    audit: Arc::new(DynamoTable::new(ddb, &config.audit_table_name, clock.clone())),
                    crypto: Arc::new(Crypto::new(keys, KeyCachePolicy::default())),
                    queue: Arc::new(SqsQueue::new(aws_sdk_sqs::Client::new(&sdk))),
                    clock,
                    metrics,
                    config,
                    store: None,
                })
            }
            Adapters::Embedded => {
                let store = SqliteStore::open(&config.db_path).map_err(|e| InitError::Storage(e.to_string()))?;
                let keys = LocalKeys::load_or_create(&config.key_file).map_err(|e| InitError::Keys(e.to_string()))?;
                Ok(Ctx {
                    table: Arc::new(SqliteTable::new(store.clone(), &config.table_name, clock.clone())),
                    audit: Arc::new(SqliteTable::new(store.clone(), &config.audit_table_name, clock.clone())),
                    crypto: Arc::new(Crypto::new(Arc::new(keys), KeyCachePolicy::default())),
                    queue: Arc::new(SqliteQueue::new(store.clone(), clock.clone())),
                    clock,
                    metrics,
                    config,
                    store: Some(store),
                })
            }
        }
    }
}
