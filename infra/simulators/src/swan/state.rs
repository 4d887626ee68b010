//! What the Swan simulator holds: onboardings, accounts with their balances, transactions,
//! payments with their consents, tokens and idempotency records. Amounts are euro cents here;
//! the GraphQL layer shows them as Swan's decimal strings.

use super::webhooks::{Emitter, WebhookKnobs};
use crate::common::{id, now, rfc3339, Faults};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

pub const TOKEN_SECS: i64 = 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxStatus {
    Pending,
    Booked,
    Rejected,
}

#[derive(Debug, Clone)]
pub struct Tx {
    pub id: String,
    pub account_id: String,
    /// `SepaCreditTransferIn` or `SepaCreditTransferOut`.
    pub kind: &'static str,
    pub credit: bool,
    pub cents: i64,
    pub status: TxStatus,
    pub reason: Option<String>,
    pub reference: String,
    pub label: String,
    pub counterparty_name: String,
    pub counterparty_iban: String,
    /// The IBAN the money was sent to (incoming: the account's or a virtual IBAN).
    pub creditor_iban: String,
    pub payment_id: Option<String>,
    pub external_reference: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub booked_at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub holder_user: String,
    pub name: String,
    pub iban: String,
    pub country: String,
    pub opened_at: String,
    pub virtual_ibans: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Onboarding {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub country: String,
    pub redirect_url: String,
    pub state: String,
    pub account_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentStatus {
    Created,
    Accepted,
    CustomerRefused,
    Expired,
}

impl ConsentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentStatus::Created => "Created",
            ConsentStatus::Accepted => "Accepted",
            ConsentStatus::CustomerRefused => "CustomerRefused",
            ConsentStatus::Expired => "Expired",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Payment {
    pub id: String,
    pub consent_id: String,
    pub consent: ConsentStatus,
    pub redirect_url: String,
    /// The transfers' transactions, made when consent is given.
    pub orders: Vec<Tx>,
    pub rejected: Option<String>,
}

#[derive(Default)]
pub struct Inner {
    pub onboardings: HashMap<String, Onboarding>,
    pub accounts: HashMap<String, Account>,
    pub transactions: Vec<Tx>,
    pub payments: HashMap<String, Payment>,
    /// Access token → (user, expiry epoch).
    pub tokens: HashMap<String, (Option<String>, i64)>,
    /// Authorization code → user.
    pub codes: HashMap<String, String>,
    /// (user, key) → payment id (business outcomes are kept too, as Swan does).
    pub idempotency: HashMap<(String, String), String>,
    /// What the consent page answers next: `accept`, `refuse` or `expire`.
    pub consent_answer: String,
    /// What becomes of accepted transfers: `book`, `reject` or `pending`.
    pub outgoing: String,
    next_iban: u64,
}

#[derive(Clone)]
pub struct Swan {
    inner: Arc<Mutex<Inner>>,
    pub faults: Faults,
    pub webhooks: Emitter,
}

impl Swan {
    pub fn new(webhook_url: String) -> Swan {
        let inner = Inner { consent_answer: "accept".into(), outgoing: "book".into(), ..Inner::default() };
        Swan {
            inner: Arc::new(Mutex::new(inner)),
            faults: Faults::default(),
            webhooks: Emitter::new(webhook_url, WebhookKnobs::default()),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn issue_token(&self, user: Option<String>) -> String {
        let token = format!("sim_{}", id());
        self.lock().tokens.insert(token.clone(), (user, now().unix_timestamp() + TOKEN_SECS));
        token
    }

    /// `Some(user)` for a live token (`Some(None)`: a project token).
    pub fn token_user(&self, token: &str) -> Option<Option<String>> {
        let g = self.lock();
        g.tokens.get(token).filter(|(_, exp)| *exp > now().unix_timestamp()).map(|(u, _)| u.clone())
    }

    pub fn new_code(&self, user: &str) -> String {
        let code = id();
        self.lock().codes.insert(code.clone(), user.to_owned());
        code
    }

    pub fn take_code(&self, code: &str) -> Option<String> {
        self.lock().codes.remove(code)
    }

    /// A French IBAN from Swan's branch (`FR76 12 3 7 …`), valid by ISO 13616's check.
    pub fn new_iban(&self) -> String {
        let n = {
            let mut g = self.lock();
            g.next_iban += 1;
            g.next_iban
        };
        let bban = format!("1373989900{:011}{:02}", 10_000_000 + n, n % 97);
        with_check_digits("FR", &bban)
    }

    /// Finalises an onboarding: the account holder's account, opened.
    pub fn finalise(&self, onboarding_id: &str) -> Option<Onboarding> {
        let iban = self.new_iban();
        let mut g = self.lock();
        let o = g.onboardings.get_mut(onboarding_id)?;
        if o.account_id.is_none() {
            let account = Account {
                id: format!("acc_{}", id()),
                holder_user: o.user_id.clone(),
                name: o.name.clone(),
                iban,
                country: o.country.clone(),
                opened_at: rfc3339(now()),
                virtual_ibans: Vec::new(),
            };
            o.account_id = Some(account.id.clone());
            let account_id = account.id.clone();
            g.accounts.insert(account_id, account);
        }
        g.onboardings.get(onboarding_id).cloned()
    }

    /// Booked balance and pending debits of an account (cents).
    pub fn balances(&self, account_id: &str) -> (i64, i64) {
        let g = self.lock();
        let mine = g.transactions.iter().filter(|t| t.account_id == account_id);
        let signed = |t: &Tx| if t.credit { t.cents } else { -t.cents };
        let booked = mine.clone().filter(|t| t.status == TxStatus::Booked).map(signed).sum();
        let pending = mine.filter(|t| t.status == TxStatus::Pending && !t.credit).map(|t| t.cents).sum();
        (booked, pending)
    }

    /// A transaction moves on (`Pending` → `Booked` | `Rejected`); `None` if it is not pending.
    pub fn settle(&self, tx_id: &str, to: TxStatus, reason: Option<String>) -> Option<Tx> {
        let mut g = self.lock();
        let t = g.transactions.iter_mut().find(|t| t.id == tx_id && t.status == TxStatus::Pending)?;
        t.status = to;
        t.reason = reason;
        t.updated_at = rfc3339(now());
        if to == TxStatus::Booked {
            t.booked_at = Some(t.updated_at.clone());
        }
        let out = t.clone();
        drop(g);
        let event = if to == TxStatus::Booked { "Transaction.Booked" } else { "Transaction.Rejected" };
        self.webhooks.emit(event, &out.id);
        Some(out)
    }

    /// Books a pending transfer out if the booked balance covers it, else rejects it
    /// (`InsufficientFunds`).
    pub fn book_or_reject(&self, tx_id: &str) -> Option<Tx> {
        let t = self.lock().transactions.iter().find(|t| t.id == tx_id).cloned()?;
        let (booked, _) = self.balances(&t.account_id);
        match booked >= t.cents {
            true => self.settle(tx_id, TxStatus::Booked, None),
            false => self.settle(tx_id, TxStatus::Rejected, Some("InsufficientFunds".into())),
        }
    }

    /// Records a new transaction and tells Drop.
    pub fn add_tx(&self, t: Tx) {
        let id = t.id.clone();
        self.lock().transactions.push(t);
        self.webhooks.emit("Transaction.Pending", &id);
    }
}

/// `country` + ISO 13616 check digits + `bban` (98 minus the MOD 97 of the rearranged number).
fn with_check_digits(country: &str, bban: &str) -> String {
    let digits = format!("{bban}{country}00");
    let mut rem: u32 = 0;
    for b in digits.bytes() {
        let v = if b.is_ascii_digit() { u32::from(b - b'0') } else { u32::from(b - b'A') + 10 };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    format!("{country}{:02}{bban}", 98 - rem)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ibans_pass_the_check() {
        let s = super::Swan::new(String::new());
        for _ in 0..3 {
            let iban = s.new_iban();
            assert_eq!(drop_domain::bank_account::iban(&iban).ok().as_deref(), Some(iban.as_str()));
        }
    }
}
