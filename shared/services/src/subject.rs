//! A person's items: their partition (`USER#<id>`) and, through the owner index (gsi4), every
//! item of theirs elsewhere. What GDPR export and erasure start from; no table scan.

use crate::table::{Item, Key, Query, Table, TableError};
use drop_domain::keys;
use drop_domain::keys::attr;

/// Puts an item that lives outside its owner's partition in the owner index.
pub fn owned_by(item: Item, user_id: &str) -> Item {
    let pk = item.s(attr::PK).unwrap_or_default().to_owned();
    item.with(attr::USER_ID, user_id).with(attr::GSI4PK, keys::owner_gsi(user_id)).with(attr::GSI4SK, pk)
}

/// The keys of every main-table item that belongs to the user.
pub async fn subject_items(table: &dyn Table, user_id: &str) -> Result<Vec<Key>, TableError> {
    let mut out = Vec::new();
    for query in [
        Query::partition(keys::user_pk(user_id)),
        Query::partition(keys::owner_gsi(user_id)).on_index(keys::OWNER_INDEX),
    ] {
        let mut cursor = None;
        loop {
            let page = table.query(query.clone().limit(100).after(cursor.take())).await?;
            out.extend(page.items.iter().filter_map(|i| Some(Key::new(i.s(attr::PK)?, i.s(attr::SK)?))));
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
    }
    Ok(out)
}
