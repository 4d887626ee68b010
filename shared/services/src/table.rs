//! The `Table` port: a DynamoDB-shaped key-value table. Items are maps of attributes keyed by a
//! string partition key `pk` and sort key `sk`; global secondary indexes `gsiN` use the attributes
//! `gsiNpk` / `gsiNsk`. An item whose TTL attribute (`expires_at`, epoch seconds) is in the past is
//! invisible to every read and condition, whether or not the store has purged it yet.

mod condition;
mod types;

pub use condition::{Cmp, Condition};
pub use types::*;

use async_trait::async_trait;

/// Most operations one transaction may hold (DynamoDB's `TransactWriteItems` limit).
pub const MAX_TRANSACTION_OPS: usize = 100;
/// The TTL attribute.
pub const TTL_ATTR: &str = "expires_at";

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// A condition did not hold. `current` is the item as it is (None if absent).
    #[error("condition failed")]
    ConditionFailed { current: Option<Box<Item>> },
    /// A transaction was cancelled; `reasons[i]` says why operation `i` failed (None = it did not).
    #[error("transaction cancelled")]
    TransactionCanceled { reasons: Vec<Option<CancelReason>> },
    #[error("invalid request: {0}")]
    Invalid(String),
    /// A paging cursor that this store did not give out for this query (the caller's input).
    #[error("malformed cursor")]
    BadCursor,
    #[error("throttled")]
    Throttled,
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("stored item could not be read: {0}")]
    Corrupt(String),
}

impl TableError {
    pub fn is_condition_failed(&self) -> bool {
        matches!(self, TableError::ConditionFailed { .. })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CancelReason {
    ConditionFailed { current: Option<Box<Item>> },
    Conflict,
    Other(String),
}

#[async_trait]
pub trait Table: Send + Sync {
    /// Which adapter this is (`sqlite`, `dynamodb`), for health and logs.
    fn kind(&self) -> &'static str;

    /// The table's name (the least-privilege record names the resource a cached read stands for).
    fn name(&self) -> &str {
        ""
    }

    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError>;

    async fn put(&self, item: Item, condition: Option<Condition>) -> Result<(), TableError>;

    async fn delete(&self, key: &Key, condition: Option<Condition>) -> Result<(), TableError>;

    /// Applies `update` (creating the item if absent, as DynamoDB does) and returns the new item.
    async fn update(&self, update: Update) -> Result<Item, TableError>;

    async fn query(&self, query: Query) -> Result<Page, TableError>;

    /// All operations or none. At most [`MAX_TRANSACTION_OPS`]; no two on the same item.
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), TableError>;
}

/// Checks shared by both adapters before a transaction runs.
pub fn validate_transaction(ops: &[TxOp]) -> Result<(), TableError> {
    if ops.is_empty() {
        return Err(TableError::Invalid("transaction has no operations".into()));
    }
    if ops.len() > MAX_TRANSACTION_OPS {
        return Err(TableError::Invalid(format!(
            "transaction has {} operations; at most {MAX_TRANSACTION_OPS}",
            ops.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for op in ops {
        let key = op.key()?;
        if !seen.insert(key) {
            return Err(TableError::Invalid("two operations of one transaction target the same item".into()));
        }
    }
    Ok(())
}
