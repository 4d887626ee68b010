//! The tamper-evident audit log: one hash chain per subject (`AUDIT#<user id>` or
//! `AUDIT#SYSTEM`) in the audit table. Each entry carries a sequence number and the hash of the
//! previous entry; the chain's head item holds the last sequence and hash. Changing an entry
//! breaks its hash; deleting one breaks the sequence (or, at the tail, disagrees with the head).
//! Entries hold ids, actions, IPs and outcomes — never raw PII.

use crate::table::{Condition, Item, Key, Query, Table, TableError, TxOp};
use sha2::{Digest, Sha256};

use drop_domain::keys::attr;
use drop_domain::keys::AUDIT_HEAD_SK as HEAD_SK;
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub seq: u64,
    pub at: String,
    /// What happened: `login.success`, `login.failure`, `token.reuse`, `profile.update`, …
    pub action: String,
    /// Who did it: a user id, `system`, or `anonymous`.
    pub actor: String,
    pub ip: Option<String>,
    /// Ids, kinds and outcomes only.
    pub details: serde_json::Value,
    pub prev: String,
    pub hash: String,
}

pub fn chain_pk(subject: &str) -> String {
    drop_domain::keys::audit_pk(subject)
}

fn entry_sk(seq: u64) -> String {
    format!("{seq:012}")
}

/// SHA-256 over the previous hash and the entry's canonical fields.
pub fn entry_hash(
    prev: &str,
    seq: u64,
    at: &str,
    action: &str,
    actor: &str,
    ip: Option<&str>,
    details: &serde_json::Value,
) -> String {
    let canonical = serde_json::json!([prev, seq, at, action, actor, ip, details]).to_string();
    let d = Sha256::digest(canonical.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub subject: &'a str,
    pub action: &'a str,
    pub actor: &'a str,
    pub ip: Option<&'a str>,
    pub details: serde_json::Value,
}

/// Appends an entry; concurrent appends to one chain serialise on the head's sequence.
pub async fn append(table: &dyn Table, at: &str, e: NewEntry<'_>) -> Result<u64, TableError> {
    let pk = chain_pk(e.subject);
    for _ in 0..8 {
        let head = table.get(&Key::new(&pk, HEAD_SK)).await?;
        let (last, prev) = match &head {
            Some(h) => (h.n(attr::SEQ).unwrap_or(0) as u64, h.s(attr::HASH).unwrap_or(GENESIS).to_owned()),
            None => (0, GENESIS.to_owned()),
        };
        let seq = last + 1;
        let hash = entry_hash(&prev, seq, at, e.action, e.actor, e.ip, &e.details);
        let mut entry = Item::new(&pk, entry_sk(seq))
            .with(attr::SEQ, seq as i64)
            .with(attr::AT, at)
            .with(attr::ACTION, e.action)
            .with(attr::ACTOR, e.actor)
            .with(attr::DETAILS, e.details.to_string())
            .with(attr::PREV, prev)
            .with(attr::HASH, hash.clone());
        if let Some(ip) = e.ip {
            entry.set(attr::IP, ip);
        }
        let head_cond = if head.is_some() { Condition::eq(attr::SEQ, last as i64) } else { Condition::absent() };
        let new_head = Item::new(&pk, HEAD_SK).with(attr::SEQ, seq as i64).with(attr::HASH, hash);
        let ops = vec![
            TxOp::Put { item: entry, condition: Some(Condition::absent()) },
            TxOp::Put { item: new_head, condition: Some(head_cond) },
        ];
        match table.transact(ops).await {
            Ok(()) => return Ok(seq),
            Err(TableError::TransactionCanceled { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(TableError::Unavailable("audit chain is too busy".into()))
}

fn entry_of(item: &Item) -> Option<Entry> {
    Some(Entry {
        seq: item.n(attr::SEQ)? as u64,
        at: item.s(attr::AT)?.to_owned(),
        action: item.s(attr::ACTION)?.to_owned(),
        actor: item.s(attr::ACTOR)?.to_owned(),
        ip: item.s(attr::IP).map(str::to_owned),
        details: serde_json::from_str(item.s(attr::DETAILS)?).ok()?,
        prev: item.s(attr::PREV)?.to_owned(),
        hash: item.s(attr::HASH)?.to_owned(),
    })
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Intact {
        entries: u64,
    },
    /// The first sequence number where the chain does not hold, and why.
    Broken {
        at_seq: u64,
        reason: &'static str,
    },
}

/// Reads a chain from the start and checks every link.
pub async fn verify(table: &dyn Table, subject: &str) -> Result<Verdict, TableError> {
    let pk = chain_pk(subject);
    let mut prev = GENESIS.to_owned();
    let mut expected = 1u64;
    let mut cursor = None;
    loop {
        let page = table
            .query(Query::partition(&pk).between(entry_sk(0), entry_sk(999_999_999_999)).limit(500).after(cursor))
            .await?;
        for item in &page.items {
            let Some(e) = entry_of(item) else {
                return Ok(Verdict::Broken { at_seq: expected, reason: "unreadable entry" });
            };
            if e.seq != expected {
                return Ok(Verdict::Broken { at_seq: expected, reason: "entry missing" });
            }
            if e.prev != prev {
                return Ok(Verdict::Broken { at_seq: e.seq, reason: "previous hash does not match" });
            }
            if entry_hash(&e.prev, e.seq, &e.at, &e.action, &e.actor, e.ip.as_deref(), &e.details) != e.hash {
                return Ok(Verdict::Broken { at_seq: e.seq, reason: "entry was changed" });
            }
            prev = e.hash;
            expected += 1;
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let head = table.get(&Key::new(&pk, HEAD_SK)).await?;
    let (head_seq, head_hash) = match &head {
        Some(h) => (h.n(attr::SEQ).unwrap_or(0) as u64, h.s(attr::HASH).unwrap_or_default().to_owned()),
        None => (0, GENESIS.to_owned()),
    };
    if head_seq != expected - 1 || head_hash != prev {
        return Ok(Verdict::Broken { at_seq: expected, reason: "chain ends before its head" });
    }
    Ok(Verdict::Intact { entries: expected - 1 })
}

/// All readable entries of one chain, oldest first.
pub async fn read_chain(table: &dyn Table, subject: &str) -> Result<Vec<Entry>, TableError> {
    let pk = chain_pk(subject);
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = table
            .query(Query::partition(&pk).between(entry_sk(0), entry_sk(999_999_999_999)).limit(500).after(cursor))
            .await?;
        out.extend(page.items.iter().filter_map(entry_of));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}
