//! A person's payment history: remittances (`PAY#`), QR and person-to-person payments they made
//! (`QRPAY#`: confirmed ones; a scan alone is nobody's payment), payments made to their
//! payment requests (gsi3 `RECEIVED#<user>`) and their euro account's transactions (gsi3
//! `WALLETHIST#<user>`), newest first in one list. Each source is read
//! newest first from where the last page stopped in it; the page takes the newest of their heads
//! until it is full (a merge), so every page is a prefix of what is left of each source. The
//! cursor holds each source's position (opaque to callers; the HTTP layer seals it).

use super::payments::{Payment, Remit};
use super::qr::QrPayment;
use super::RemitError;
use crate::table::{Item, Query};
use crate::wallet::receive::WalletTx;
use drop_domain::keys;
use drop_domain::keys::attr;
use drop_domain::lifecycle::qr_payment::Status as QrStatus;
use drop_domain::lifecycle::wallet::TxStatus;
use drop_domain::payment::{Kind, Status};

/// The most reads one source makes for one page (filters may skip many items).
const MAX_READS: usize = 5;

#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Remittance(Payment),
    /// A QR or person-to-person payment this person made.
    Sent(QrPayment),
    /// A payment to this person's payment request.
    Received(QrPayment),
    /// Money in or out of their euro account, with the counterparty's name.
    Wallet(WalletTx, drop_domain::Secret<String>),
}

/// The sources, in the cursor's order.
const SOURCES: usize = 4;

/// What to list: a payment type and a status name (either kind's), both optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    pub kind: Option<Kind>,
    pub status: Option<&'a str>,
}

/// Where a source stands: not read yet, read up to (after) a position, or read to its end.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
enum Pos {
    Start,
    After(String),
    Done,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Cursor {
    sources: Vec<Pos>,
}

/// A cursor's text (what the HTTP layer seals: base64url, as it goes into a URL), and back.
fn write_cursor(c: &Cursor) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(c).unwrap_or_default())
}

fn read_cursor(text: &str) -> Option<Cursor> {
    use base64::Engine;
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).ok()?).ok()
}

/// One listed item with where it sorts.
struct Listed {
    created: i64,
    position: String,
    entry: Entry,
}

/// A payment a person made by QR shows once it was confirmed (or paid).
fn shown(p: &QrPayment) -> bool {
    p.confirm_claim.is_some() || !matches!(p.status, QrStatus::Created | QrStatus::Expired)
}

impl Remit {
    /// One page of `user_id`'s history (at most `limit`), after `cursor` (from the last page).
    /// `Err(Invalid("cursor"))` for a cursor this did not give out.
    pub async fn history_page(
        &self,
        user_id: &str,
        limit: u32,
        cursor: Option<&str>,
        filter: Filter<'_>,
    ) -> Result<(Vec<Entry>, Option<String>), RemitError> {
        let limit = limit.clamp(1, 100) as usize;
        let mut at = match cursor {
            Some(c) => read_cursor(c).filter(|c| c.sources.len() == SOURCES).ok_or(RemitError::Invalid("cursor"))?,
            None => Cursor { sources: vec![Pos::Start; SOURCES] },
        };
        let wanted = [
            filter.kind.is_none_or(|k| k == Kind::Remittance),
            filter.kind.is_none_or(|k| k != Kind::Remittance),
            filter.kind.is_none_or(|k| k == Kind::P2p),
            // Euro account transactions have no payment type: shown unless one is asked for.
            filter.kind.is_none(),
        ];
        // The sources are read at once (one round trip of waiting, however many there are).
        let reads = at.sources.iter().enumerate().map(|(i, pos)| async move {
            match (wanted[i], pos) {
                (false, _) | (_, Pos::Done) => Ok((Vec::new(), false)),
                (true, pos) => self.source(i, user_id, pos, limit, filter).await,
            }
        });
        let lists: Vec<(Vec<Listed>, bool)> = futures::future::try_join_all(reads).await?;
        // The merge: the newest head each time, until the page is full.
        let mut taken = [0usize; SOURCES];
        let mut page = Vec::with_capacity(limit);
        while page.len() < limit {
            let next = (0..SOURCES)
                .filter(|i| taken[*i] < lists[*i].0.len())
                .max_by_key(|i| (lists[*i].0[taken[*i]].created, std::cmp::Reverse(*i)));
            let Some(i) = next else { break };
            taken[i] += 1;
            page.push(i);
        }
        for (i, (list, more)) in lists.iter().enumerate() {
            // Not wanted, or read to its end and all of it on this page: done.
            if !wanted[i] || (taken[i] == list.len() && !more) {
                at.sources[i] = Pos::Done;
            } else if taken[i] > 0 {
                at.sources[i] = Pos::After(list[taken[i] - 1].position.clone());
            }
        }
        let mut iters: Vec<_> = lists.into_iter().map(|(l, _)| l.into_iter()).collect();
        let mut entries = Vec::with_capacity(page.len());
        for entry in page.into_iter().filter_map(|i| iters[i].next().map(|l| l.entry)) {
            entries.push(match entry {
                // The counterparty's name, decrypted for the page only.
                Entry::Wallet(t, _) => {
                    let name = t.counterparty(&self.crypto).await.map_err(|e| match e {
                        crate::wallet::WalletError::Crypto(c) => RemitError::Crypto(c),
                        _ => RemitError::NotFound,
                    })?;
                    Entry::Wallet(t, name)
                }
                other => other,
            });
        }
        let next = at.sources.iter().any(|p| *p != Pos::Done).then(|| write_cursor(&at));
        Ok((entries, next))
    }

    /// Up to `want` matching items of source `i` after `pos`, and whether it has more.
    async fn source(
        &self,
        i: usize,
        user_id: &str,
        pos: &Pos,
        want: usize,
        filter: Filter<'_>,
    ) -> Result<(Vec<Listed>, bool), RemitError> {
        let before = match pos {
            Pos::After(p) => Some(p.clone()),
            _ => None,
        };
        let query = |table_cursor: Option<String>| {
            let q = match i {
                2 => Query::partition(keys::payments_received_gsi(user_id)).on_index("gsi3"),
                3 => Query::partition(keys::wallet_history_gsi(user_id)).on_index("gsi3"),
                _ => Query::partition(keys::user_pk(user_id)),
            };
            let prefix = match i {
                0 => keys::PAYMENT_PREFIX.to_owned(),
                1 => keys::QR_PAYMENT_PREFIX.to_owned(),
                // Received and wallet: `<created, 12 digits>#<id>`.
                _ => "0".to_owned(),
            };
            let q = match &before {
                // `between` includes the position itself: dropped below.
                Some(b) => q.between(prefix, b.clone()),
                None if i >= 2 => q,
                None => q.prefix(prefix),
            };
            q.backward().limit(want as u32 + 1).after(table_cursor)
        };
        let mut out = Vec::new();
        let mut table_cursor = None;
        for _ in 0..MAX_READS {
            let page = self.table.query(query(table_cursor.take())).await?;
            for item in &page.items {
                let position = match i {
                    2 | 3 => item.s(attr::GSI3SK),
                    _ => item.s(attr::SK),
                };
                let Some(position) = position.map(str::to_owned) else { continue };
                if Some(&position) == before.as_ref() {
                    continue;
                }
                if let Some(entry) = listed(i, item, filter) {
                    out.push(Listed { created: item.n(attr::CREATED_AT).unwrap_or(0), position, entry });
                }
            }
            table_cursor = page.cursor;
            if table_cursor.is_none() || out.len() > want {
                break;
            }
        }
        let more = table_cursor.is_some() || out.len() > want;
        out.truncate(want);
        Ok((out, more))
    }
}

/// The entry an item of source `i` is, if it passes the filter.
fn listed(i: usize, item: &Item, filter: Filter<'_>) -> Option<Entry> {
    let status_ok = |s: &str| filter.status.is_none_or(|f| f == s);
    match i {
        0 => Payment::from_item(item).filter(|p| status_ok(p.status.as_str())).map(Entry::Remittance),
        3 => WalletTx::from_item(item)
            .filter(|t| status_ok(t.status.as_str()))
            .map(|t| Entry::Wallet(t, drop_domain::Secret::new(String::new()))),
        _ => {
            let p = QrPayment::from_item(item)?;
            let kind_ok = filter.kind.is_none_or(|k| k == p.kind);
            if !kind_ok || !status_ok(p.status.as_str()) {
                return None;
            }
            match i {
                1 if shown(&p) => Some(Entry::Sent(p)),
                1 => None,
                _ => Some(Entry::Received(p)),
            }
        }
    }
}

/// Whether a status name is one a history filter takes (a remittance's, a QR payment's or a
/// euro account transaction's).
pub fn is_status(s: &str) -> bool {
    Status::parse(s).is_some() || QrStatus::parse(s).is_some() || TxStatus::parse(s).is_some()
}
