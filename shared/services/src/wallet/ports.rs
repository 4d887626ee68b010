//! The `BankingProvider` port: a euro account per user at a banking-as-a-service provider (Swan,
//! `reference/banking-and-notifications.md` §1). Amounts are euro cents; the adapter converts
//! the provider's decimal strings. What the provider leaves unconfirmed (the consent redirect's
//! query, whether an incoming credit names the virtual IBAN it was sent to) stays behind here.

use crate::remit::ports::ProviderError;
use async_trait::async_trait;
use drop_domain::Secret;

/// What opening an account needs: the BankID-verified person and where the provider sends the
/// browser back when its onboarding (KYC) is done.
#[derive(Debug, Clone)]
pub struct OpenAccount {
    /// ISO 3166 alpha-3 of the account's IBAN (`FRA`, `DEU`, `ESP`, `NLD`, `ITA`).
    pub country: &'static str,
    pub account_name: String,
    pub email: Secret<String>,
    pub first_name: Secret<String>,
    pub last_name: Secret<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Secret<String>,
    pub redirect_url: String,
    /// Ties the return to this request (a random secret Drop keeps).
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Onboarding {
    pub id: String,
    /// Where the browser goes for KYC.
    pub url: String,
    pub finalized: bool,
    /// The account, once KYC is done.
    pub account_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    Opened,
    Suspended,
    Closing,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletAccount {
    pub id: String,
    pub iban: Option<Secret<String>>,
    pub bic: String,
    pub status: AccountStatus,
    /// Cents.
    pub booked: i64,
    pub available: i64,
    /// The provider's user who holds it (transfers are made as this user).
    pub holder_user_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionStatus {
    Upcoming,
    Pending,
    Booked,
    /// With the provider's reason code (`InsufficientFunds`, `IbanInvalid`, …).
    Rejected(String),
    Canceled,
    /// A status this adapter does not know (newer API).
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletTransaction {
    pub id: String,
    pub account_id: String,
    /// `true`: money in.
    pub credit: bool,
    /// Cents, positive.
    pub amount: i64,
    pub status: TransactionStatus,
    /// `SepaCreditTransferIn`, `SepaCreditTransferOut`, … as the provider names it.
    pub kind: String,
    pub counterparty_name: Secret<String>,
    pub counterparty_iban: Secret<String>,
    pub reference: String,
    /// The payment it belongs to (outgoing transfers).
    pub payment_id: Option<String>,
    pub external_reference: Option<String>,
    /// RFC 3339.
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionPage {
    /// Newest change first.
    pub transactions: Vec<WalletTransaction>,
    pub next: Option<String>,
}

/// A SEPA credit transfer out of a user's account.
#[derive(Debug, Clone)]
pub struct SepaOrder {
    pub account_id: String,
    /// Cents.
    pub amount: i64,
    pub beneficiary_iban: Secret<String>,
    /// At most 70 characters.
    pub beneficiary_name: Secret<String>,
    /// End-to-end id, at most 35 characters of the SEPA set.
    pub reference: String,
    /// Drop's id of the transfer.
    pub external_reference: String,
    pub consent_redirect_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentState {
    /// The user must consent (SCA) at this URL.
    ConsentPending {
        consent_id: String,
        consent_url: String,
    },
    Initiated,
    Rejected(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletPayment {
    pub id: String,
    pub state: PaymentState,
    /// The transfers' transactions (once consent was given).
    pub transaction_ids: Vec<String>,
}

#[async_trait]
pub trait BankingProvider: Send + Sync {
    /// Starts onboarding an individual account holder.
    async fn open_account(&self, req: &OpenAccount) -> Result<Onboarding, ProviderError>;
    async fn onboarding(&self, id: &str) -> Result<Option<Onboarding>, ProviderError>;
    async fn account(&self, account_id: &str) -> Result<Option<WalletAccount>, ProviderError>;
    async fn transaction(&self, id: &str) -> Result<Option<WalletTransaction>, ProviderError>;
    /// An account's transactions changed after `since` (RFC 3339), newest first, a page at a
    /// time (`after`: the previous page's `next`).
    async fn transactions(
        &self,
        account_id: &str,
        since: Option<&str>,
        after: Option<&str>,
    ) -> Result<TransactionPage, ProviderError>;
    /// Starts a transfer as the account's user (`user_id`: the provider's user), under `key`
    /// (a repeat answers the first call's payment as it now stands).
    async fn send(&self, user_id: &str, order: &SepaOrder, key: &str) -> Result<WalletPayment, ProviderError>;
    async fn payment(&self, id: &str) -> Result<Option<WalletPayment>, ProviderError>;
}
