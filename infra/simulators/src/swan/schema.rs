//! The partner API's GraphQL subset, with Swan's type, field and enum names.

use super::state::{Swan, Tx, TxStatus};
use async_graphql::{Context, Enum, InputObject, Interface, Object, SimpleObject, ID};

/// Cents as Swan's `AmountValue` (a decimal string).
pub fn amount_value(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// Swan's decimal string in cents (`None`: not a positive amount with at most two decimals).
pub fn cents(value: &str) -> Option<i64> {
    let (whole, frac) = value.split_once('.').unwrap_or((value, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.parse::<i64>().ok()?.checked_mul(100)?.checked_add(frac).filter(|c| *c > 0)
}

#[derive(SimpleObject, Clone)]
pub struct Amount {
    pub value: String,
    pub currency: String,
}

fn eur(cents: i64) -> Amount {
    Amount { value: amount_value(cents), currency: "EUR".into() }
}

// --- rejections -----------------------------------------------------------------------------

#[derive(SimpleObject, Clone)]
pub struct ValidationRejection {
    pub message: String,
    pub fields: Vec<ValidationFieldError>,
}

#[derive(SimpleObject, Clone)]
pub struct ValidationFieldError {
    pub code: String,
    pub message: String,
    pub path: Vec<String>,
}

#[derive(SimpleObject, Clone)]
pub struct ForbiddenRejection {
    pub message: String,
}

#[derive(SimpleObject, Clone)]
pub struct AccountNotFoundRejection {
    pub message: String,
    pub id: String,
}

#[derive(Interface, Clone)]
#[graphql(field(name = "message", ty = "&String"))]
pub enum Rejection {
    ValidationRejection(ValidationRejection),
    ForbiddenRejection(ForbiddenRejection),
    AccountNotFoundRejection(AccountNotFoundRejection),
}

pub(super) fn invalid(path: &str, message: &str) -> ValidationRejection {
    ValidationRejection {
        message: "Validation failed".into(),
        fields: vec![ValidationFieldError { code: "Invalid".into(), message: message.into(), path: vec![path.into()] }],
    }
}

// --- accounts -------------------------------------------------------------------------------

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(rename_items = "PascalCase")]
pub enum AccountStatus {
    Opened,
    Suspended,
    Closing,
    Closed,
}

#[derive(SimpleObject, Clone)]
pub struct AccountStatusInfo {
    pub status: AccountStatus,
}

#[derive(SimpleObject, Clone)]
pub struct User {
    pub id: ID,
}

#[derive(SimpleObject, Clone)]
pub struct AccountMembership {
    pub id: ID,
    pub user: User,
}

#[derive(SimpleObject, Clone)]
pub struct AccountBalances {
    pub available: Amount,
    pub booked: Amount,
    pub pending: Amount,
    pub reserved: Amount,
}

pub struct Account(pub super::state::Account);

#[Object]
impl Account {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn number(&self) -> String {
        self.0.iban[14..25].to_owned()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    #[graphql(name = "IBAN")]
    async fn iban(&self) -> &str {
        &self.0.iban
    }
    #[graphql(name = "BIC")]
    async fn bic(&self) -> &str {
        "SWNBFR22"
    }
    async fn currency(&self) -> &str {
        "EUR"
    }
    async fn country(&self) -> &str {
        &self.0.country
    }
    async fn status_info(&self) -> AccountStatusInfo {
        AccountStatusInfo { status: AccountStatus::Opened }
    }
    async fn legal_representative_membership(&self) -> AccountMembership {
        AccountMembership { id: ID(format!("mem_{}", self.0.id)), user: User { id: ID(self.0.holder_user.clone()) } }
    }
    async fn balances(&self, ctx: &Context<'_>) -> AccountBalances {
        let (booked, pending) = ctx.data_unchecked::<Swan>().balances(&self.0.id);
        AccountBalances {
            available: eur(booked - pending),
            booked: eur(booked),
            pending: eur(-pending),
            reserved: eur(0),
        }
    }
    /// Newest change first (Relay cursors: the transaction's position).
    async fn transactions(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
        filters: Option<TransactionsFiltersInput>,
    ) -> TransactionConnection {
        let swan = ctx.data_unchecked::<Swan>();
        let mut mine: Vec<Tx> =
            swan.lock().transactions.iter().filter(|t| t.account_id == self.0.id).cloned().collect();
        if let Some(since) = filters.as_ref().and_then(|f| f.is_after_updated_at.clone()) {
            mine.retain(|t| t.updated_at > since);
        }
        if let Some(statuses) = filters.and_then(|f| f.status) {
            mine.retain(|t| statuses.contains(&status_of(t.status)));
        }
        mine.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
        let start = after.and_then(|c| c.parse::<usize>().ok()).map_or(0, |c| c + 1);
        let take = first.clamp(1, 100) as usize;
        let edges: Vec<TransactionEdge> = mine
            .iter()
            .enumerate()
            .skip(start)
            .take(take)
            .map(|(i, t)| TransactionEdge { cursor: i.to_string(), node: tx(t) })
            .collect();
        let end_cursor = edges.last().map(|e| e.cursor.clone());
        let has_next_page = start + edges.len() < mine.len();
        TransactionConnection { edges, page_info: PageInfo { has_next_page, end_cursor } }
    }
}

#[derive(InputObject)]
pub struct TransactionsFiltersInput {
    pub status: Option<Vec<TransactionStatus>>,
    pub is_after_updated_at: Option<String>,
}

#[derive(SimpleObject)]
pub struct TransactionConnection {
    pub edges: Vec<TransactionEdge>,
    pub page_info: PageInfo,
}

#[derive(SimpleObject)]
pub struct TransactionEdge {
    pub cursor: String,
    pub node: Transaction,
}

#[derive(SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

// --- transactions ---------------------------------------------------------------------------

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(rename_items = "PascalCase")]
pub enum TransactionStatus {
    Upcoming,
    Pending,
    Booked,
    Rejected,
    Canceled,
}

fn status_of(s: TxStatus) -> TransactionStatus {
    match s {
        TxStatus::Pending => TransactionStatus::Pending,
        TxStatus::Booked => TransactionStatus::Booked,
        TxStatus::Rejected => TransactionStatus::Rejected,
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(rename_items = "PascalCase")]
pub enum TransactionSide {
    Credit,
    Debit,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(rename_items = "PascalCase")]
pub enum TransactionTypeEnum {
    SepaCreditTransferIn,
    SepaCreditTransferOut,
}

#[derive(SimpleObject, Clone)]
pub struct PendingTransactionStatusInfo {
    pub status: TransactionStatus,
}

#[derive(SimpleObject, Clone)]
pub struct BookedTransactionStatusInfo {
    pub status: TransactionStatus,
    pub booking_date: String,
    pub value_date: String,
}

#[derive(SimpleObject, Clone)]
pub struct RejectedTransactionStatusInfo {
    pub status: TransactionStatus,
    pub reason: String,
}

#[derive(Interface, Clone)]
#[graphql(field(name = "status", ty = "&TransactionStatus"))]
pub enum TransactionStatusInfo {
    PendingTransactionStatusInfo(PendingTransactionStatusInfo),
    BookedTransactionStatusInfo(BookedTransactionStatusInfo),
    RejectedTransactionStatusInfo(RejectedTransactionStatusInfo),
}

#[derive(SimpleObject, Clone)]
pub struct SepaParty {
    pub name: String,
    #[graphql(name = "IBAN")]
    pub iban: String,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "SEPACreditTransferTransaction")]
pub struct SepaCreditTransferTransaction {
    pub id: ID,
    #[graphql(name = "type")]
    pub kind: TransactionTypeEnum,
    pub side: TransactionSide,
    pub amount: Amount,
    pub status_info: TransactionStatusInfo,
    pub reference: String,
    pub label: String,
    pub external_reference: Option<String>,
    pub payment_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub account_id: String,
    pub creditor: SepaParty,
    pub debtor: SepaParty,
}

// Two fields of one type read as a repeated attribute to clippy.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface, Clone)]
#[graphql(
    field(name = "id", ty = "&ID"),
    field(name = "type", method = "kind", ty = "&TransactionTypeEnum"),
    field(name = "side", ty = "&TransactionSide"),
    field(name = "amount", ty = "&Amount"),
    field(name = "status_info", ty = "&TransactionStatusInfo"),
    field(name = "reference", ty = "&String"),
    field(name = "payment_id", ty = "&Option<String>"),
    field(name = "updated_at", ty = "&String")
)]
pub enum Transaction {
    #[graphql(name = "SEPACreditTransferTransaction")]
    SepaCreditTransferTransaction(SepaCreditTransferTransaction),
}

pub(super) fn tx(t: &Tx) -> Transaction {
    let status_info = match t.status {
        TxStatus::Pending => PendingTransactionStatusInfo { status: TransactionStatus::Pending }.into(),
        TxStatus::Booked => {
            let date = t.booked_at.clone().unwrap_or_default();
            BookedTransactionStatusInfo {
                status: TransactionStatus::Booked,
                booking_date: date.clone(),
                value_date: date,
            }
            .into()
        }
        TxStatus::Rejected => RejectedTransactionStatusInfo {
            status: TransactionStatus::Rejected,
            reason: t.reason.clone().unwrap_or_else(|| "SwanRefused".into()),
        }
        .into(),
    };
    let counterparty = SepaParty { name: t.counterparty_name.clone(), iban: t.counterparty_iban.clone() };
    let own = SepaParty { name: String::new(), iban: t.creditor_iban.clone() };
    let (creditor, debtor) = if t.credit { (own, counterparty) } else { (counterparty, own) };
    Transaction::SepaCreditTransferTransaction(SepaCreditTransferTransaction {
        id: ID(t.id.clone()),
        kind: if t.credit {
            TransactionTypeEnum::SepaCreditTransferIn
        } else {
            TransactionTypeEnum::SepaCreditTransferOut
        },
        side: if t.credit { TransactionSide::Credit } else { TransactionSide::Debit },
        amount: eur(t.cents),
        status_info,
        reference: t.reference.clone(),
        label: t.label.clone(),
        external_reference: t.external_reference.clone(),
        payment_id: t.payment_id.clone(),
        created_at: t.created_at.clone(),
        updated_at: t.updated_at.clone(),
        account_id: t.account_id.clone(),
        creditor,
        debtor,
    })
}
