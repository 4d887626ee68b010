//! Double-entry ledger. A posting moves an amount from one account (debit) to another (credit),
//! so every posting sums to zero by construction. Journal entries are written in the same
//! transaction as the state change they record, with per-account balance items updated by the
//! summed deltas; customer accounts may never go negative (the balance condition refuses it).
//!
//! Accounts: `safeguarding:NOK` (the money Drop holds), `customer:<user>:NOK` (what Drop owes the
//! user), `provider:<name>:NOK` (sent to a payout provider), `revenue:fees:NOK`,
//! `merchant:<id>:NOK` (what Drop owes a merchant for QR payments, `qr_bank`),
//! `acquirer:<name>:NOK` (handed to the acquirer to settle to merchants, `qr_settle`).

use crate::table::{Cmp, Condition, Item, Key, Query, Table, TableError, TxOp, Update};
use drop_domain::keys::attr;
use drop_domain::Currency;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Posting {
    pub debit: String,
    pub credit: String,
    pub amount: i64,
    pub currency: Currency,
    /// What it belongs to (a payment id).
    pub reference: String,
    /// Why: `funds_received`, `funds_reversed`, `payout`, `fee`, `payout_reversed`, `fee_reversed`,
    /// `refund`.
    pub kind: &'static str,
}

pub fn safeguarding() -> String {
    "safeguarding:NOK".into()
}
pub fn customer(user_id: &str) -> String {
    format!("customer:{user_id}:NOK")
}
pub fn provider(name: &str) -> String {
    format!("provider:{name}:NOK")
}
pub fn fees() -> String {
    "revenue:fees:NOK".into()
}

/// Accounts that may not go negative.
fn has_floor(account: &str) -> bool {
    account.starts_with("customer:")
}

fn journal_pk(reference: &str) -> String {
    drop_domain::keys::ledger_pk(reference)
}

fn balance_key(account: &str) -> Key {
    Key::new(drop_domain::keys::ledger_account_pk(account), drop_domain::keys::BALANCE_SK)
}

/// The transaction operations for a group of postings: one journal `Put` each (once only: the
/// same posting twice fails the transaction), one balance `Update` per touched account.
pub fn ops(postings: &[Posting], at: &str) -> Vec<TxOp> {
    let mut out = Vec::new();
    let mut deltas: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for p in postings.iter().filter(|p| p.amount != 0) {
        let item = Item::new(journal_pk(&p.reference), format!("{}#{}", p.kind, p.debit))
            .with(attr::DEBIT, p.debit.clone())
            .with(attr::CREDIT, p.credit.clone())
            .with(attr::AMOUNT, p.amount)
            .with(attr::CURRENCY, p.currency.as_str())
            .with(attr::AT, at);
        out.push(TxOp::Put { item, condition: Some(Condition::absent()) });
        deltas.entry(&p.debit).or_default().0 += p.amount;
        deltas.entry(&p.credit).or_default().1 += p.amount;
    }
    for (account, (debits, credits)) in deltas {
        // Balances are credit-normal: credits − debits.
        let mut u = Update::new(balance_key(account))
            .add("debits", debits)
            .add("credits", credits)
            .add(attr::BALANCE, credits - debits);
        if has_floor(account) && debits > credits {
            let need = debits - credits;
            u = u.when(Condition::cmp(attr::BALANCE, Cmp::Ge, need));
        }
        out.push(TxOp::Update(u));
    }
    out
}

/// The journal of one reference.
pub async fn journal(table: &dyn Table, reference: &str) -> Result<Vec<Posting>, TableError> {
    let page = table.query(Query::partition(journal_pk(reference))).await?;
    Ok(page
        .items
        .iter()
        .filter_map(|i| {
            let kind = i.s(attr::SK)?.split('#').next()?;
            Some(Posting {
                debit: i.s(attr::DEBIT)?.to_owned(),
                credit: i.s(attr::CREDIT)?.to_owned(),
                amount: i.n(attr::AMOUNT)?,
                currency: Currency::parse(i.s(attr::CURRENCY)?).ok()?,
                reference: reference.to_owned(),
                kind: match kind {
                    "funds_received" => "funds_received",
                    "payout" => "payout",
                    "fee" => "fee",
                    "payout_reversed" => "payout_reversed",
                    "fee_reversed" => "fee_reversed",
                    "refund" => "refund",
                    "funds_reversed" => "funds_reversed",
                    "funds_received_again" => "funds_received_again",
                    "merchant_payable" => "merchant_payable",
                    "acquirer_charged" => "acquirer_charged",
                    "merchant_refund" => "merchant_refund",
                    _ => "other",
                },
            })
        })
        .collect())
}

/// An account's balance (credit-normal), 0 if never touched.
pub async fn balance(table: &dyn Table, account: &str) -> Result<i64, TableError> {
    Ok(table.get(&balance_key(account)).await?.and_then(|i| i.n(attr::BALANCE)).unwrap_or(0))
}
