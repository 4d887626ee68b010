//! Ports to the outside: the PSD2 bank (AIS and PIS) and the payout providers.

use async_trait::async_trait;
use drop_domain::fx::Rate;
use drop_domain::{Currency, Secret};

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// 429, 5xx, timeouts: worth retrying.
    #[error("transient: {0}")]
    Transient(String),
    /// A definitive refusal.
    #[error("rejected: {0}")]
    Rejected(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderName {
    Wise,
    Thunes,
}

impl ProviderName {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderName::Wise => "wise",
            ProviderName::Thunes => "thunes",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "wise" => Some(ProviderName::Wise),
            "thunes" => Some(ProviderName::Thunes),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    Source(i64),
    Target(i64),
}

#[derive(Debug, Clone)]
pub struct QuoteRequest {
    pub source_currency: Currency,
    pub target_currency: Currency,
    pub amount: Amount,
    /// ISO 3166 alpha-2 of the recipient.
    pub country: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub provider: ProviderName,
    pub quote_id: String,
    pub rate: Rate,
    /// In the source currency.
    pub fee: i64,
    pub source: i64,
    pub target: i64,
    /// Hours until the money arrives, as the provider estimates.
    pub delivery_hours: i64,
    pub expires_at: i64,
}

/// Where the money goes (decrypted only for the provider call).
#[derive(Debug, Clone)]
pub struct Beneficiary {
    pub name: Secret<String>,
    pub country: String,
    pub currency: Currency,
    pub iban: Option<Secret<String>>,
    pub account_number: Option<Secret<String>>,
}

#[derive(Debug, Clone)]
pub struct TransferRequest {
    /// Drop's payment id: the provider's idempotency key.
    pub payment_id: String,
    pub quote: Quote,
    pub beneficiary: Beneficiary,
    /// Where the provider sends status callbacks (Thunes).
    pub callback_url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutState {
    InProgress,
    Completed,
    Failed,
}

#[async_trait]
pub trait RemittanceProvider: Send + Sync {
    fn name(&self) -> ProviderName;
    async fn quote(&self, req: &QuoteRequest) -> Result<Quote, ProviderError>;
    /// Creates (idempotently, keyed by the payment id) and funds the transfer; returns its id.
    async fn submit(&self, req: &TransferRequest) -> Result<String, ProviderError>;
    async fn state(&self, transfer_id: &str) -> Result<PayoutState, ProviderError>;
}

#[derive(Debug, Clone)]
pub struct BankAccount {
    pub resource_id: String,
    pub iban: Option<Secret<String>>,
    pub bban: Option<Secret<String>>,
    pub currency: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Redirected {
    pub id: String,
    pub sca_url: String,
}

/// Berlin Group classes of a payment's `transactionStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BankPaymentState {
    Pending,
    Authorised,
    Failed,
}

/// Whether the user's payment has settled into the safeguarding account (decision P2 of
/// `reference/providers.md`: the payout is released on `ACSC`/`ACCC`, not on acceptance).
pub fn settlement(transaction_status: &str) -> BankPaymentState {
    match transaction_status {
        "ACSC" | "ACCC" => BankPaymentState::Authorised,
        "RJCT" | "CANC" => BankPaymentState::Failed,
        _ => BankPaymentState::Pending,
    }
}

/// Whether a credit transfer Drop sent (a refund) has left: accepted for settlement or settled.
/// `ACTC` alone is only technically valid and may still be rejected.
pub fn refund_state(transaction_status: &str) -> BankPaymentState {
    match transaction_status {
        "ACSP" | "ACSC" | "ACCC" => BankPaymentState::Authorised,
        "RJCT" | "CANC" => BankPaymentState::Failed,
        _ => BankPaymentState::Pending,
    }
}

pub fn classify(transaction_status: &str) -> BankPaymentState {
    match transaction_status {
        "ACTC" | "ACCP" | "ACFC" | "ACWC" | "ACWP" | "PDNG" | "ACSP" | "ACSC" | "ACCC" => BankPaymentState::Authorised,
        "RJCT" | "CANC" => BankPaymentState::Failed,
        _ => BankPaymentState::Pending,
    }
}

#[derive(Debug, Clone)]
pub struct PaymentOrder {
    pub end_to_end_id: String,
    pub debtor_bban: Secret<String>,
    pub amount: i64,
    pub currency: Currency,
    pub creditor_bban: String,
    pub creditor_name: String,
    pub remittance: String,
    /// The initiation's `X-Request-ID`: the same for every try of one confirmation (a retry after
    /// the bank did not answer), so a bank that deduplicates by it makes one payment.
    pub request_id: String,
}

/// The `X-Request-ID` of a payment's initiation by one confirmation (`claim`: its idempotency
/// record): a UUID that depends only on the two.
pub fn initiation_key(payment_id: &str, claim: &str) -> String {
    let h = crate::digest::sha256_hex(format!("initiate#{payment_id}#{claim}").as_bytes());
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

#[async_trait]
pub trait Bank: Send + Sync {
    async fn create_consent(&self, psu_ip: &str, redirect: &str) -> Result<Redirected, ProviderError>;
    /// (consentStatus, validUntil)
    async fn consent(&self, consent_id: &str) -> Result<(String, String), ProviderError>;
    async fn accounts(&self, consent_id: &str) -> Result<Vec<BankAccount>, ProviderError>;
    async fn delete_consent(&self, consent_id: &str) -> Result<(), ProviderError>;
    async fn initiate(
        &self,
        order: &PaymentOrder,
        psu_ip: &str,
        redirect_ok: &str,
        redirect_nok: &str,
    ) -> Result<Redirected, ProviderError>;
    async fn payment_status(&self, bank_payment_id: &str) -> Result<String, ProviderError>;
    /// Asks the bank to cancel a payment not yet executed (`DELETE …/{paymentId}`). `Ok` once the
    /// bank cancelled it; `Rejected` when it cannot (already accepted, or the cancellation needs
    /// the PSU's authorisation): read the status and follow it.
    async fn cancel_payment(&self, bank_payment_id: &str) -> Result<(), ProviderError>;
}

/// A refund: a credit transfer from Drop's safeguarding account back to the account the money
/// came from.
#[derive(Debug, Clone)]
pub struct RefundOrder {
    pub end_to_end_id: String,
    pub debtor_bban: String,
    pub creditor: Secret<String>,
    pub creditor_name: String,
    pub amount: i64,
    pub currency: Currency,
    pub remittance: String,
}

/// The rail refunds leave by. Idempotent per key: the same key never moves money twice.
#[async_trait]
pub trait RefundRail: Send + Sync {
    /// Starts the credit transfer; returns the bank's payment id.
    async fn refund(&self, order: &RefundOrder, idempotency_key: &str) -> Result<String, ProviderError>;
    /// The transfer's Berlin Group `transactionStatus`.
    async fn refund_status(&self, bank_payment_id: &str) -> Result<String, ProviderError>;
}

/// What Drop asks the merchant acquirer to settle: one completed QR payment, funded by Drop.
#[derive(Debug, Clone)]
pub struct AcquirerOrder {
    /// Drop's QR payment id (the acquirer's order reference).
    pub reference: String,
    pub merchant_id: String,
    /// What the order line says (the merchant's name).
    pub description: String,
    pub amount: i64,
    pub currency: Currency,
    /// Where the acquirer reports the charge, and the `Authorization` value it sends there.
    pub webhook_url: String,
    pub webhook_secret: Secret<String>,
}

/// A payment as the acquirer reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct AcquirerPayment {
    pub id: String,
    pub reference: Option<String>,
    pub amount: i64,
    pub charged: i64,
    pub charge_ids: Vec<String>,
}

/// Where partners call Drop back (the bank's SCA return, provider and acquirer webhooks). The HTTP
/// layer owns the routes and implements it (`drop_runtime::routes`); services only ask.
pub trait CallbackUrls: Send + Sync {
    /// The bank sends the payer here after SCA (`result=nok` added for a refusal).
    fn sca_return(&self, payment_id: &str) -> String;
    /// A payout provider's webhook (`wise`, `thunes`).
    fn provider_webhook(&self, provider: &str) -> String;
    /// The acquirer's webhook for one QR payment.
    fn acquirer_webhook(&self, payment_id: &str) -> String;
    /// The bank sends the person here after consenting to share their accounts.
    fn accounts_return(&self, state: &str) -> String;
}

/// What a payout is made of, as the acquirer's settlement report lists it.
#[derive(Debug, Clone, PartialEq)]
pub enum PayoutActionKind {
    Charge,
    Refund,
    /// Anything else the report lists (fees adjustments, chargebacks): Drop has no record of it.
    Other(String),
}

/// One charge or refund in a payout.
#[derive(Debug, Clone, PartialEq)]
pub struct PayoutAction {
    /// The charge's or refund's id.
    pub id: String,
    /// The acquirer's payment.
    pub payment_id: String,
    pub kind: PayoutActionKind,
    /// Minor units.
    pub amount: i64,
    pub currency: String,
    /// The order's reference (Drop's QR payment id).
    pub reference: Option<String>,
}

/// A payout to the merchant account, with what it pays out.
#[derive(Debug, Clone, PartialEq)]
pub struct AcquirerPayout {
    pub id: String,
    /// YYYY-MM-DD.
    pub date: String,
    pub currency: String,
    /// What reached the bank account: charges − refunds − fees.
    pub amount: i64,
    pub fees: i64,
    pub actions: Vec<PayoutAction>,
}

/// The acquirer that settles QR payments to merchants (Nexi Checkout first). How an acquirer
/// takes a payment Drop funded (no card, no reservation) is a partner arrangement
/// (`reference/providers.md` §4: UNCONFIRMED); this port is what Drop needs of it.
#[async_trait]
pub trait MerchantAcquirer: Send + Sync {
    fn name(&self) -> &'static str;
    /// Creates the acquirer's payment for an order; answers its id.
    async fn create_payment(&self, order: &AcquirerOrder) -> Result<String, ProviderError>;
    /// Charges (captures) it; the same `idempotency_key` answers the same charge.
    async fn charge(&self, payment_id: &str, amount: i64, idempotency_key: &str) -> Result<String, ProviderError>;
    async fn payment(&self, payment_id: &str) -> Result<AcquirerPayment, ProviderError>;
    /// Refunds (part of) a charge; the same `idempotency_key` answers the same refund. Answers the
    /// acquirer's refund id; `Rejected` when it refuses (more than is left, say).
    async fn refund(&self, charge_id: &str, amount: i64, idempotency_key: &str) -> Result<String, ProviderError>;
    /// The payouts dated `from`..=`to` (YYYY-MM-DD), each with its charges and refunds.
    async fn payouts(&self, from: &str, to: &str) -> Result<Vec<AcquirerPayout>, ProviderError>;
}
