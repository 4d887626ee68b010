//! The euro account (wallet) a user holds at the banking provider (Swan): opened through the
//! provider's onboarding, shown with its IBAN and balance, credited by incoming SEPA transfers
//! (seen by webhook or by the reconciliation poll, recorded once either way, with ledger
//! postings, an event and the screening of the sender). NOK flows stay on PSD2 initiation.

pub mod account;
pub mod balance;
pub mod ports;
pub mod receive;
pub mod send;

use crate::clock::Clock;
use crate::crypto::Crypto;
use crate::remit::ports::ProviderError;
use crate::table::{Table, TableError};
use ports::BankingProvider;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    /// Euro accounts are not offered in this environment.
    #[error("euro accounts are not offered here")]
    Disabled,
    /// The person cannot be onboarded as they are (the field that is missing).
    #[error("a euro account needs {0}")]
    Unserved(&'static str),
    #[error("the euro account is already open")]
    AlreadyOpen,
    #[error("no euro account")]
    NotFound,
    #[error("the wallet is {0}: that is not possible now")]
    IllegalState(&'static str),
    #[error("{0} is not valid")]
    Invalid(&'static str),
    #[error("no such recipient")]
    NoRecipient,
    #[error("no such transfer")]
    NoTransfer,
    /// Euro transfers go to euro recipients with an IBAN.
    #[error("the recipient is not paid in euro")]
    NotEuroRecipient,
    #[error("more than the balance")]
    InsufficientFunds,
    #[error("limit exceeded: {0}")]
    Limit(&'static str),
    /// Held or screened out; the user is not told why (tipping-off).
    #[error("declined")]
    Declined,
    #[error("banking provider: {0}")]
    Provider(String),
    #[error("the banking provider refused: {0}")]
    Refused(String),
    #[error("storage: {0}")]
    Storage(#[from] TableError),
    #[error("crypto: {0}")]
    Crypto(#[from] crate::crypto::CryptoError),
}

impl From<ProviderError> for WalletError {
    fn from(e: ProviderError) -> Self {
        match e {
            ProviderError::Transient(m) => WalletError::Provider(m),
            ProviderError::Rejected(m) => WalletError::Refused(m),
        }
    }
}

/// What the environment offers.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Whether euro accounts are offered (a per-environment flag).
    pub enabled: bool,
    /// ISO 3166 alpha-3 of the accounts' IBANs (`FRA`, `DEU`, `ESP`, `NLD`, `ITA`).
    pub country: &'static str,
    /// The frontend: where the provider sends the browser back (onboarding, consents).
    pub frontend_origin: String,
}

/// The countries whose IBANs the provider issues.
pub const COUNTRIES: [&str; 5] = ["FRA", "DEU", "ESP", "NLD", "ITA"];

pub struct Wallets {
    pub table: Arc<dyn Table>,
    pub crypto: Arc<Crypto>,
    pub clock: Arc<dyn Clock>,
    pub banking: Arc<dyn BankingProvider>,
    pub settings: Settings,
    /// The sanctions list incoming transfers' senders are screened against.
    pub lists: Arc<crate::screening_list::Lists>,
}

/// The ledger account of what a user holds on their euro account.
pub fn wallet_account(user_id: &str) -> String {
    format!("wallet:{user_id}:EUR")
}

/// The ledger account of the euro held for users at the banking provider.
pub fn provider_account() -> String {
    "banking:swan:EUR".into()
}
