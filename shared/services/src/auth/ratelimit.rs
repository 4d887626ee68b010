//! Fixed-window rate limits on the `Table` port: one counter item per subject and window
//! (`RL#<scope>#<subject>`), incremented atomically and gone by TTL after the window.

use crate::table::{Key, Table, TableError, Update, TTL_ATTR};
use drop_domain::keys::attr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window_secs: i64,
}

/// Counts a hit; returns `Some(retry_after_secs)` if the limit is exceeded.
pub async fn hit(
    table: &dyn Table,
    scope: &str,
    subject: &str,
    limit: Limit,
    now: i64,
) -> Result<Option<i64>, TableError> {
    let window = limit.window_secs.max(1);
    let start = now - now.rem_euclid(window);
    let end = start + window;
    let key = Key::new(drop_domain::keys::rate_limit_pk(scope, subject), start.to_string());
    let item = table.update(Update::new(key).add(attr::HITS, 1).set(TTL_ATTR, end + 60)).await?;
    let n = item.n(attr::HITS).unwrap_or(0);
    Ok((n > i64::from(limit.max)).then_some((end - now).max(1)))
}
