//! What remittances, QR payments, merchant refunds and wallet transfers share: a status kept in the status index
//! (`gsi2`: partition per status, sort key `<updated_at>#<id>`), moved by one conditional
//! update per transition, and read back by time range (reconciliation, invariants).

use crate::table::{Condition, Item, Key, Query, Table, TableError, Update, Value};
use drop_domain::keys::attr;

/// The status index's sort key.
pub(crate) fn status_sort(updated_at: i64, id: &str) -> String {
    format!("{updated_at:012}#{id}")
}

/// One transition as a conditional update: written only if the record is still in `from` at
/// `version` (a concurrent transition makes it fail), with anything else to set.
pub(crate) struct StatusStep<'a> {
    pub key: Key,
    pub id: &'a str,
    /// The status index partition of the new status.
    pub index: String,
    pub from: &'a str,
    pub to: &'a str,
    pub version: i64,
    pub now: i64,
}

impl StatusStep<'_> {
    pub(crate) fn update(self, extra: Vec<(&str, Value)>) -> Update {
        let mut u = Update::new(self.key)
            .set(attr::STATUS, self.to)
            .set(attr::UPDATED_AT, self.now)
            .set(attr::GSI2PK, self.index)
            .set(attr::GSI2SK, status_sort(self.now, self.id))
            .add(attr::VERSION, 1)
            .when(Condition::eq(attr::STATUS, self.from).and(Condition::eq(attr::VERSION, self.version)));
        for (k, v) in extra {
            u.set.insert(k.to_owned(), v);
        }
        u
    }
}

/// The records of one status index partition last changed between `from` and `to` (epoch
/// seconds, inclusive), oldest first, at most `max` (`usize::MAX`: all); items `parse` does not
/// take are skipped.
pub(crate) async fn in_range<T>(
    table: &dyn Table,
    index: String,
    from: i64,
    to: i64,
    max: usize,
    parse: impl Fn(&Item) -> Option<T>,
) -> Result<Vec<T>, TableError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        // `~` sorts after `#`, so the last second is included.
        let q = Query::partition(index.clone())
            .on_index("gsi2")
            .between(format!("{:012}", from.max(0)), format!("{:012}~", to.max(0)))
            .limit(100)
            .after(cursor);
        let page = table.query(q).await?;
        out.extend(page.items.iter().filter_map(&parse));
        match page.cursor {
            Some(c) if out.len() < max => cursor = Some(c),
            _ => {
                out.truncate(max);
                return Ok(out);
            }
        }
    }
}

/// The latest time [`in_range`] can be asked for (twelve digits of epoch seconds).
pub(crate) const END_OF_TIME: i64 = 999_999_999_999;
