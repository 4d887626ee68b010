//! Swan's answers as serde types, and their mapping onto the port's types. Unions are tagged by
//! `__typename`; a member this client does not know is `Unknown`.

use super::super::http::minor;
use drop_domain::Secret;
use drop_services::remit::ports::ProviderError;
use drop_services::wallet::ports::{
    AccountStatus, Onboarding as PortOnboarding, PaymentState, TransactionStatus, WalletAccount, WalletPayment,
    WalletTransaction,
};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Token {
    pub access_token: String,
    pub expires_in: u64,
}

#[derive(Deserialize)]
pub struct GraphQlError {
    pub message: String,
}

#[derive(Deserialize)]
pub struct GraphQlAnswer {
    pub data: Option<serde_json::Value>,
    #[serde(default)]
    pub errors: Vec<GraphQlError>,
}

/// `{value, currency}`: a euro amount in cents (anything else is unexpected: Swan is euro only).
#[derive(Deserialize)]
pub struct Amount {
    pub value: String,
    pub currency: String,
}

impl Amount {
    fn cents(&self) -> Result<i64, ProviderError> {
        if self.currency != "EUR" {
            return Err(ProviderError::Transient(format!("unexpected currency {}", self.currency)));
        }
        minor(&serde_json::Value::String(self.value.clone()), 2)
            .ok_or_else(|| ProviderError::Transient("unreadable amount".into()))
    }
}

#[derive(Deserialize)]
pub struct Status {
    pub status: String,
}

#[derive(Deserialize)]
pub struct Id {
    pub id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Onboarding {
    pub id: String,
    pub onboarding_url: String,
    pub status_info: Status,
    pub account: Option<Id>,
}

impl Onboarding {
    pub fn into_port(self) -> PortOnboarding {
        PortOnboarding {
            id: self.id,
            url: self.onboarding_url,
            finalized: self.status_info.status == "Finalized",
            account_id: self.account.map(|a| a.id),
        }
    }
}

/// A rejection's message (every `Rejection` has one).
#[derive(Deserialize)]
pub struct Rejected {
    #[serde(default)]
    pub message: String,
}

#[derive(Deserialize)]
#[serde(tag = "__typename")]
pub enum OnboardingPayload {
    CreateIndividualAccountHolderOnboardingSuccessPayload {
        onboarding: Onboarding,
    },
    ValidationRejection(Rejected),
    ForbiddenRejection(Rejected),
    #[serde(other)]
    Unknown,
}

impl OnboardingPayload {
    pub fn rejection(&self) -> String {
        match self {
            OnboardingPayload::ValidationRejection(r) => format!("ValidationRejection: {}", r.message),
            OnboardingPayload::ForbiddenRejection(r) => format!("ForbiddenRejection: {}", r.message),
            _ => "unknown rejection".into(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    pub user: Id,
}

#[derive(Deserialize)]
pub struct Balances {
    pub available: Amount,
    pub booked: Amount,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: String,
    #[serde(rename = "IBAN")]
    pub iban: Option<String>,
    #[serde(rename = "BIC")]
    pub bic: String,
    pub status_info: Status,
    pub balances: Balances,
    pub legal_representative_membership: Membership,
}

impl Account {
    pub fn into_port(self) -> Result<WalletAccount, ProviderError> {
        let status = match self.status_info.status.as_str() {
            "Opened" => AccountStatus::Opened,
            "Suspended" => AccountStatus::Suspended,
            "Closing" => AccountStatus::Closing,
            _ => AccountStatus::Closed,
        };
        Ok(WalletAccount {
            id: self.id,
            iban: self.iban.map(Secret::new),
            bic: self.bic,
            status,
            booked: self.balances.booked.cents()?,
            available: self.balances.available.cents()?,
            holder_user_id: self.legal_representative_membership.user.id,
        })
    }
}

#[derive(Deserialize)]
pub struct Party {
    pub name: String,
    #[serde(rename = "IBAN")]
    pub iban: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxStatusInfo {
    pub status: String,
    pub reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub side: String,
    pub amount: Amount,
    pub reference: String,
    pub payment_id: Option<String>,
    pub updated_at: String,
    pub status_info: TxStatusInfo,
    /// Only SEPA credit transfers carry these (other kinds are skipped by Drop).
    pub account_id: Option<String>,
    pub external_reference: Option<String>,
    pub creditor: Option<Party>,
    pub debtor: Option<Party>,
}

impl Transaction {
    pub fn into_port(self) -> Result<WalletTransaction, ProviderError> {
        let credit = self.side == "Credit";
        let status = match self.status_info.status.as_str() {
            "Upcoming" => TransactionStatus::Upcoming,
            "Pending" => TransactionStatus::Pending,
            "Booked" => TransactionStatus::Booked,
            "Rejected" => TransactionStatus::Rejected(self.status_info.reason.unwrap_or_default()),
            "Canceled" => TransactionStatus::Canceled,
            other => TransactionStatus::Other(other.to_owned()),
        };
        let counterparty = if credit { self.debtor } else { self.creditor };
        let (name, iban) = counterparty.map(|p| (p.name, p.iban)).unwrap_or_default();
        Ok(WalletTransaction {
            id: self.id,
            account_id: self.account_id.unwrap_or_default(),
            credit,
            amount: self.amount.cents()?,
            status,
            kind: self.kind,
            counterparty_name: Secret::new(name),
            counterparty_iban: Secret::new(iban),
            reference: self.reference,
            payment_id: self.payment_id,
            external_reference: self.external_reference,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[derive(Deserialize)]
pub struct Edge {
    pub node: Transaction,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub page_info: PageInfo,
    pub edges: Vec<Edge>,
}

#[derive(Deserialize)]
pub struct AccountTransactions {
    pub transactions: Connection,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    pub id: String,
    pub consent_url: String,
}

#[derive(Deserialize)]
#[serde(tag = "__typename")]
pub enum PaymentStatusInfo {
    PaymentConsentPending {
        consent: Consent,
    },
    PaymentInitiated {},
    PaymentRejected {
        reason: String,
    },
    #[serde(other)]
    Unknown,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub id: String,
    pub status_info: PaymentStatusInfo,
    #[serde(default)]
    pub transactions: Vec<Id>,
}

impl Payment {
    pub fn into_port(self) -> Result<WalletPayment, ProviderError> {
        let state = match self.status_info {
            PaymentStatusInfo::PaymentConsentPending { consent } => {
                PaymentState::ConsentPending { consent_id: consent.id, consent_url: consent.consent_url }
            }
            PaymentStatusInfo::PaymentInitiated {} => PaymentState::Initiated,
            PaymentStatusInfo::PaymentRejected { reason } => PaymentState::Rejected(reason),
            PaymentStatusInfo::Unknown => return Err(ProviderError::Transient("unknown payment status".into())),
        };
        Ok(WalletPayment { id: self.id, state, transaction_ids: self.transactions.into_iter().map(|t| t.id).collect() })
    }
}

#[derive(Deserialize)]
#[serde(tag = "__typename")]
pub enum InitiatePayload {
    InitiateCreditTransfersSuccessPayload {
        payment: Payment,
    },
    ValidationRejection(Rejected),
    AccountNotFoundRejection(Rejected),
    ForbiddenRejection(Rejected),
    #[serde(other)]
    Unknown,
}

impl InitiatePayload {
    pub fn rejection(&self) -> String {
        match self {
            InitiatePayload::ValidationRejection(r) => format!("ValidationRejection: {}", r.message),
            InitiatePayload::AccountNotFoundRejection(r) => format!("AccountNotFoundRejection: {}", r.message),
            InitiatePayload::ForbiddenRejection(r) => format!("ForbiddenRejection: {}", r.message),
            _ => "unknown rejection".into(),
        }
    }
}
