//! The `Table` port on SQLite. Conditions are evaluated in Rust against the current item inside an
//! immediate transaction, so they are exact (expired items count as absent) and serialised.

use super::SqliteStore;
use crate::cursor;
use async_trait::async_trait;
use drop_services::table::*;
use drop_services::Clock;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::sync::Arc;

pub struct SqliteTable {
    store: SqliteStore,
    name: Arc<str>,
    clock: Arc<dyn Clock>,
}

struct E(TableError);

impl From<String> for E {
    fn from(s: String) -> Self {
        E(TableError::Unavailable(s))
    }
}
impl From<rusqlite::Error> for E {
    fn from(e: rusqlite::Error) -> Self {
        E(TableError::Unavailable(e.to_string()))
    }
}
impl From<TableError> for E {
    fn from(e: TableError) -> Self {
        E(e)
    }
}

impl SqliteTable {
    pub fn new(store: SqliteStore, name: &str, clock: Arc<dyn Clock>) -> Self {
        SqliteTable { store, name: name.into(), clock }
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection, &str, i64) -> Result<T, E> + Send + 'static,
    ) -> Result<T, TableError> {
        let name = self.name.clone();
        let now = self.clock.epoch();
        self.store.with(move |c| f(c, &name, now)).await.map_err(|E(e)| e)
    }

    /// Deletes expired items for good (reads already ignore them). Returns how many went.
    pub async fn purge_expired(&self) -> Result<usize, TableError> {
        self.run(|c, t, now| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "DELETE FROM idx WHERE tbl = ?1 AND (pk, sk) IN
                 (SELECT pk, sk FROM items WHERE tbl = ?1 AND expires_at <= ?2)",
                params![t, now],
            )?;
            let n = tx.execute("DELETE FROM items WHERE tbl = ?1 AND expires_at <= ?2", params![t, now])?;
            tx.commit()?;
            Ok(n)
        })
        .await
    }

    /// Rows stored, expired or not (for tests of purging).
    pub async fn stored_rows(&self) -> Result<i64, TableError> {
        self.run(|c, t, _| Ok(c.query_row("SELECT count(*) FROM items WHERE tbl = ?1", [t], |r| r.get(0))?)).await
    }
}

fn load(c: &Connection, t: &str, key: &Key, now: i64) -> Result<Option<Item>, E> {
    let body: Option<String> = c
        .query_row(
            "SELECT body FROM items WHERE tbl = ?1 AND pk = ?2 AND sk = ?3
             AND (expires_at IS NULL OR expires_at > ?4)",
            params![t, key.pk, key.sk, now],
            |r| r.get(0),
        )
        .optional()?;
    body.map(|b| decode(&b)).transpose()
}

fn decode(body: &str) -> Result<Item, E> {
    serde_json::from_str::<Attrs>(body).map(Item).map_err(|e| E(TableError::Corrupt(e.to_string())))
}

fn store(c: &Connection, t: &str, item: &Item) -> Result<(), E> {
    let key = item.key()?;
    let body = serde_json::to_string(&item.0).map_err(|e| E(TableError::Invalid(e.to_string())))?;
    c.execute(
        "INSERT INTO items (tbl, pk, sk, body, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (tbl, pk, sk) DO UPDATE SET body = excluded.body, expires_at = excluded.expires_at",
        params![t, key.pk, key.sk, body, item.n(TTL_ATTR)],
    )?;
    c.execute("DELETE FROM idx WHERE tbl = ?1 AND pk = ?2 AND sk = ?3", params![t, key.pk, key.sk])?;
    for n in 1..=9 {
        let (pa, sa) = (format!("gsi{n}pk"), format!("gsi{n}sk"));
        if let (Some(ipk), Some(isk)) = (item.s(&pa), item.s(&sa)) {
            c.execute(
                "INSERT INTO idx (tbl, ix, ipk, isk, pk, sk) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![t, format!("gsi{n}"), ipk, isk, key.pk, key.sk],
            )?;
        }
    }
    Ok(())
}

fn remove(c: &Connection, t: &str, key: &Key) -> Result<(), E> {
    c.execute("DELETE FROM items WHERE tbl = ?1 AND pk = ?2 AND sk = ?3", params![t, key.pk, key.sk])?;
    c.execute("DELETE FROM idx WHERE tbl = ?1 AND pk = ?2 AND sk = ?3", params![t, key.pk, key.sk])?;
    Ok(())
}

fn check(cond: Option<&Condition>, current: &Option<Item>) -> Result<(), TableError> {
    match cond {
        Some(c) if !c.eval(current.as_ref()) => {
            Err(TableError::ConditionFailed { current: current.clone().map(Box::new) })
        }
        _ => Ok(()),
    }
}

/// Applies one operation (its condition already checked) and returns the new item, if any.
fn apply(c: &Connection, t: &str, op: &TxOp, current: Option<Item>) -> Result<Option<Item>, E> {
    match op {
        TxOp::Put { item, .. } => {
            store(c, t, item)?;
            Ok(Some(item.clone()))
        }
        TxOp::Update(u) => {
            let new = u.apply(current)?;
            store(c, t, &new)?;
            Ok(Some(new))
        }
        TxOp::Delete { key, .. } => {
            remove(c, t, key)?;
            Ok(None)
        }
        TxOp::ConditionCheck { .. } => Ok(current),
    }
}

fn single(c: &mut Connection, t: &str, now: i64, op: TxOp) -> Result<Option<Item>, E> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current = load(&tx, t, &op.key()?, now)?;
    check(op.condition(), &current)?;
    let out = apply(&tx, t, &op, current)?;
    tx.commit()?;
    Ok(out)
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Cursor(Vec<String>);

#[async_trait]
impl Table for SqliteTable {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    fn name(&self) -> &str {
        &self.name
    }

    // Each operation notes the DynamoDB action it stands for (the least-privilege record).
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        drop_services::aws_calls::record("dynamodb:GetItem", &self.name);
        let key = key.clone();
        self.run(move |c, t, now| load(c, t, &key, now)).await
    }

    async fn put(&self, item: Item, condition: Option<Condition>) -> Result<(), TableError> {
        item.key()?;
        drop_services::aws_calls::record("dynamodb:PutItem", &self.name);
        self.run(move |c, t, now| single(c, t, now, TxOp::Put { item, condition }).map(|_| ())).await
    }

    async fn delete(&self, key: &Key, condition: Option<Condition>) -> Result<(), TableError> {
        drop_services::aws_calls::record("dynamodb:DeleteItem", &self.name);
        let key = key.clone();
        self.run(move |c, t, now| single(c, t, now, TxOp::Delete { key, condition }).map(|_| ())).await
    }

    async fn update(&self, update: Update) -> Result<Item, TableError> {
        update.validate()?;
        drop_services::aws_calls::record("dynamodb:UpdateItem", &self.name);
        self.run(move |c, t, now| {
            single(c, t, now, TxOp::Update(update))?
                .ok_or_else(|| E(TableError::Unavailable("update produced no item".into())))
        })
        .await
    }

    async fn query(&self, q: Query) -> Result<Page, TableError> {
        q.key_attrs()?;
        drop_services::aws_calls::record_query(&self.name, q.index.as_deref());
        let after = q.cursor.as_deref().map(cursor::decode::<Cursor>).transpose()?.map(|c| c.0);
        self.run(move |c, t, now| query(c, t, now, &q, after)).await
    }

    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), TableError> {
        validate_transaction(&ops)?;
        for op in &ops {
            if let TxOp::Update(u) = op {
                u.validate()?;
            }
        }
        drop_services::aws_calls::record_transact(&self.name, &ops);
        self.run(move |c, t, now| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut currents = Vec::with_capacity(ops.len());
            let mut reasons = Vec::with_capacity(ops.len());
            for op in &ops {
                let current = load(&tx, t, &op.key()?, now)?;
                reasons.push(match check(op.condition(), &current) {
                    Ok(()) => None,
                    Err(TableError::ConditionFailed { current }) => Some(CancelReason::ConditionFailed { current }),
                    Err(e) => return Err(e.into()),
                });
                currents.push(current);
            }
            if reasons.iter().any(Option::is_some) {
                return Err(E(TableError::TransactionCanceled { reasons }));
            }
            for (op, current) in ops.iter().zip(currents) {
                apply(&tx, t, op, current)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }
}

fn query(c: &Connection, t: &str, now: i64, q: &Query, after: Option<Vec<String>>) -> Result<Page, E> {
    let (lo, hi) = match &q.sort {
        SortKey::All => (String::new(), None),
        SortKey::Prefix(p) => (p.clone(), Some(format!("{p}\u{10FFFF}"))),
        SortKey::Between(a, b) => (a.clone(), Some(b.clone())),
    };
    let prefix = match &q.sort {
        SortKey::Prefix(p) => p.clone(),
        _ => String::new(),
    };
    let (dir, cmp) = if q.forward { ("ASC", ">") } else { ("DESC", "<") };
    let limit = q.limit.map(|l| l as i64).unwrap_or(i64::MAX);
    let fetch = limit.saturating_add(1);
    let mut out: Vec<(Item, Vec<String>)> = Vec::new();
    match &q.index {
        None => {
            let after_sql = if after.is_some() { format!("AND sk {cmp} ?7") } else { "AND ?7 IS NULL".into() };
            let sql = format!(
                "SELECT body, sk FROM items WHERE tbl = ?1 AND pk = ?2 AND sk >= ?3
                 AND (?4 IS NULL OR sk <= ?4) AND substr(sk, 1, length(?5)) = ?5
                 AND (expires_at IS NULL OR expires_at > ?6) {after_sql}
                 ORDER BY sk {dir} LIMIT ?8"
            );
            let a = after.as_ref().and_then(|v| v.first().cloned());
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(params![t, q.pk, lo, hi, prefix, now, a, fetch], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            for row in rows {
                let (body, sk) = row?;
                out.push((decode(&body)?, vec![sk]));
            }
        }
        Some(ix) => {
            let after_sql = if after.is_some() {
                format!("AND (x.isk, x.pk, x.sk) {cmp} (?8, ?9, ?10)")
            } else {
                "AND ?8 IS NULL AND ?9 IS NULL AND ?10 IS NULL".into()
            };
            let sql = format!(
                "SELECT i.body, x.isk, x.pk, x.sk FROM idx x JOIN items i
                   ON i.tbl = x.tbl AND i.pk = x.pk AND i.sk = x.sk
                 WHERE x.tbl = ?1 AND x.ix = ?2 AND x.ipk = ?3 AND x.isk >= ?4
                 AND (?5 IS NULL OR x.isk <= ?5) AND substr(x.isk, 1, length(?6)) = ?6
                 AND (i.expires_at IS NULL OR i.expires_at > ?7) {after_sql}
                 ORDER BY x.isk {dir}, x.pk {dir}, x.sk {dir} LIMIT ?11"
            );
            let a = after.clone().unwrap_or_default();
            let mut st = c.prepare_cached(&sql)?;
            let rows =
                st.query_map(params![t, ix, q.pk, lo, hi, prefix, now, a.first(), a.get(1), a.get(2), fetch], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
                })?;
            for row in rows {
                let (body, isk, pk, sk) = row?;
                out.push((decode(&body)?, vec![isk, pk, sk]));
            }
        }
    }
    let more = out.len() as i64 > limit;
    out.truncate(limit.min(out.len() as i64) as usize);
    let cursor = if more { out.last().map(|(_, k)| cursor::encode(&Cursor(k.clone()))) } else { None };
    Ok(Page { items: out.into_iter().map(|(i, _)| i).collect(), cursor })
}
