//! A `Table` decorator that counts round trips (every call to the store), for the per-route
//! round-trip figures. Tables that share one counter add up.

use async_trait::async_trait;
use drop_services::table::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub struct CountingTable {
    inner: Arc<dyn Table>,
    calls: Arc<AtomicU64>,
}

impl CountingTable {
    pub fn new(inner: Arc<dyn Table>, calls: Arc<AtomicU64>) -> Self {
        CountingTable { inner, calls }
    }

    fn hit(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl Table for CountingTable {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn name(&self) -> &str {
        self.inner.name()
    }
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        self.hit();
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Option<Condition>) -> Result<(), TableError> {
        self.hit();
        self.inner.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Option<Condition>) -> Result<(), TableError> {
        self.hit();
        self.inner.delete(key, condition).await
    }
    async fn update(&self, update: Update) -> Result<Item, TableError> {
        self.hit();
        self.inner.update(update).await
    }
    async fn query(&self, query: Query) -> Result<Page, TableError> {
        self.hit();
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), TableError> {
        self.hit();
        self.inner.transact(ops).await
    }
}
