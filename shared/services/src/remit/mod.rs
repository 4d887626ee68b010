//! Remittance: linked bank accounts (PSD2 AIS), recipients, quotes across Wise and Thunes, PSD2
//! payment initiation, payout, webhooks, the ledger and limits.

pub mod accounts;
pub mod aml_checks;
pub mod history;
pub mod invariants;
pub mod ledger;
pub mod limits;
pub mod merchant_refund;
pub mod payments;
pub mod ports;
pub mod qr;
pub mod qr_bank;
pub mod qr_payouts;
pub mod qr_refund;
pub mod qr_settle;
pub mod recipients;
pub mod reconcile;
pub mod refund;
pub mod refund_transfer;
pub mod requests;
pub mod settle;
pub(crate) mod status_index;

use crate::table::TableError;

#[derive(Debug, thiserror::Error)]
pub enum RemitError {
    #[error("{0} is not valid")]
    Invalid(&'static str),
    #[error("not found")]
    NotFound,
    #[error("the payment is {0}: that is not possible now")]
    IllegalState(&'static str),
    #[error("the quote has expired")]
    QuoteExpired,
    #[error("limit exceeded: {0}")]
    Limit(&'static str),
    #[error("no provider could quote")]
    NoQuote,
    /// Every provider answered and none serves this amount or corridor.
    #[error("no provider serves this amount")]
    Unquotable,
    #[error("a payment to this recipient is in flight")]
    RecipientInUse,
    #[error("provider: {0}")]
    Provider(String),
    /// The function is not wired with this rail (a registry mistake; a 500).
    #[error("this function is not wired with {0}")]
    Unwired(&'static str),
    #[error("bank: {0}")]
    Bank(String),
    #[error("bank refused: {0}")]
    BankRefused(String),
    /// Blocked by screening or monitoring; the user is not told why (tipping-off).
    #[error("declined by screening or monitoring")]
    Declined,
    /// A scanned QR code that cannot be paid.
    #[error("{0}")]
    Qr(#[from] qr::QrRefusal),
    /// A merchant refund that cannot be made.
    #[error("{0}")]
    Refund(#[from] merchant_refund::RefundRefusal),
    #[error("storage: {0}")]
    Storage(#[from] TableError),
    #[error("crypto: {0}")]
    Crypto(#[from] crate::crypto::CryptoError),
}
