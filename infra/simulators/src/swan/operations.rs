//! The partner API's root query and mutations: onboarding, accounts, virtual IBANs,
//! transactions, credit transfers (consent first, idempotent per user and key) and consents.

use super::schema::{
    cents, tx, Account, AccountNotFoundRejection, ForbiddenRejection, Transaction, ValidationRejection,
};
use super::state::{self, ConsentStatus, Onboarding, Swan, Tx, TxStatus};
use crate::common::{id, now, rfc3339};
use async_graphql::{Context, EmptySubscription, Enum, InputObject, Object, Schema, SimpleObject, Union, ID};

/// Who is calling: `None` for a project token, the user's id otherwise.
pub struct Caller(pub Option<String>);

/// The simulator's own address as the caller reached it (`http://host:port`): page URLs are
/// absolute, as Swan's are.
pub struct Origin(pub String);

fn origin(ctx: &Context<'_>) -> String {
    ctx.data_opt::<Origin>().map(|o| o.0.clone()).unwrap_or_default()
}

pub type PartnerSchema = Schema<Query, Mutation, EmptySubscription>;

pub fn build(swan: Swan) -> PartnerSchema {
    Schema::build(Query, Mutation, EmptySubscription)
        .register_output_type::<super::schema::Rejection>()
        .data(swan)
        .finish()
}

pub struct Query;

fn swan<'a>(ctx: &Context<'a>) -> &'a Swan {
    ctx.data_unchecked::<Swan>()
}

fn user(ctx: &Context<'_>) -> Option<String> {
    ctx.data_opt::<Caller>().and_then(|c| c.0.clone())
}

#[Object]
impl Query {
    async fn account(&self, ctx: &Context<'_>, account_id: ID) -> Option<Account> {
        swan(ctx).lock().accounts.get(account_id.as_str()).cloned().map(Account)
    }
    async fn transaction(&self, ctx: &Context<'_>, id: ID) -> Option<Transaction> {
        swan(ctx).lock().transactions.iter().find(|t| t.id == id.as_str()).map(tx)
    }
    async fn payment(&self, ctx: &Context<'_>, id: ID) -> Option<Payment> {
        swan(ctx).lock().payments.get(id.as_str()).cloned().map(Payment)
    }
    async fn consent(&self, ctx: &Context<'_>, id: ID) -> Option<Consent> {
        let s = swan(ctx).lock();
        s.payments.values().find(|p| p.consent_id == id.as_str()).map(|p| Consent {
            id: ID(p.consent_id.clone()),
            status: consent_status(p.consent),
            consent_url: consent_url(ctx, &p.consent_id),
        })
    }
    async fn onboarding(&self, ctx: &Context<'_>, id: ID) -> Option<OnboardingView> {
        swan(ctx).lock().onboardings.get(id.as_str()).cloned().map(OnboardingView)
    }
}

// --- onboarding -----------------------------------------------------------------------------

pub struct OnboardingView(Onboarding);

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(rename_items = "PascalCase")]
pub enum OnboardingStatus {
    Valid,
    Invalid,
    Finalized,
}

#[derive(SimpleObject)]
pub struct OnboardingStatusInfo {
    pub status: OnboardingStatus,
}

#[Object(name = "Onboarding")]
impl OnboardingView {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn onboarding_url(&self, ctx: &Context<'_>) -> String {
        format!("{}/swan/onboarding/{}", origin(ctx), self.0.id)
    }
    async fn status_info(&self) -> OnboardingStatusInfo {
        let status = if self.0.account_id.is_some() { OnboardingStatus::Finalized } else { OnboardingStatus::Valid };
        OnboardingStatusInfo { status }
    }
    async fn account(&self, ctx: &Context<'_>) -> Option<Account> {
        let id = self.0.account_id.as_deref()?;
        swan(ctx).lock().accounts.get(id).cloned().map(Account)
    }
}

#[derive(InputObject)]
pub struct AccountInfoInput {
    pub country: String,
    pub name: String,
}

#[derive(InputObject)]
pub struct AccountAdminInput {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub preferred_language: Option<String>,
    pub birth_date: Option<String>,
    pub nationality: Option<String>,
}

#[derive(InputObject)]
pub struct OAuthRedirectParametersInput {
    pub state: Option<String>,
    pub redirect_url: Option<String>,
}

#[derive(InputObject)]
pub struct CreateIndividualAccountHolderOnboardingInput {
    pub account_info: AccountInfoInput,
    pub account_admin: AccountAdminInput,
    pub o_auth_redirect_parameters: Option<OAuthRedirectParametersInput>,
}

#[derive(SimpleObject)]
pub struct CreateIndividualAccountHolderOnboardingSuccessPayload {
    pub onboarding: OnboardingView,
}

#[derive(Union)]
pub enum CreateIndividualAccountHolderOnboardingPayload {
    CreateIndividualAccountHolderOnboardingSuccessPayload(CreateIndividualAccountHolderOnboardingSuccessPayload),
    ValidationRejection(ValidationRejection),
    ForbiddenRejection(ForbiddenRejection),
}

// --- virtual IBANs --------------------------------------------------------------------------

#[derive(SimpleObject)]
pub struct VirtualIbanEntry {
    pub id: ID,
    #[graphql(name = "IBAN")]
    pub iban: String,
    #[graphql(name = "BIC")]
    pub bic: String,
    pub status: String,
}

#[derive(InputObject)]
pub struct AddVirtualIbanEntryInput {
    pub account_id: ID,
}

#[derive(SimpleObject)]
pub struct AddVirtualIbanEntrySuccessPayload {
    pub virtual_iban_entry: VirtualIbanEntry,
}

#[derive(Union)]
pub enum AddVirtualIbanEntryPayload {
    AddVirtualIbanEntrySuccessPayload(AddVirtualIbanEntrySuccessPayload),
    AccountNotFoundRejection(AccountNotFoundRejection),
    ForbiddenRejection(ForbiddenRejection),
}

// --- payments and consents ------------------------------------------------------------------

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(rename_items = "PascalCase")]
pub enum ConsentStatusEnum {
    Created,
    Started,
    Accepted,
    CustomerRefused,
    Expired,
    Canceled,
    Failed,
}

fn consent_status(s: ConsentStatus) -> ConsentStatusEnum {
    match s {
        ConsentStatus::Created => ConsentStatusEnum::Created,
        ConsentStatus::Accepted => ConsentStatusEnum::Accepted,
        ConsentStatus::CustomerRefused => ConsentStatusEnum::CustomerRefused,
        ConsentStatus::Expired => ConsentStatusEnum::Expired,
    }
}

fn consent_url(ctx: &Context<'_>, consent_id: &str) -> String {
    format!("{}/swan/consent?consentId={consent_id}&env=Sandbox", origin(ctx))
}

#[derive(SimpleObject, Clone)]
pub struct Consent {
    pub id: ID,
    pub status: ConsentStatusEnum,
    pub consent_url: String,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(rename_items = "PascalCase")]
pub enum PaymentStatus {
    ConsentPending,
    Initiated,
    Rejected,
}

#[derive(SimpleObject)]
pub struct PaymentConsentPending {
    pub status: PaymentStatus,
    pub consent: Consent,
}

#[derive(SimpleObject)]
pub struct PaymentInitiated {
    pub status: PaymentStatus,
}

#[derive(SimpleObject)]
pub struct PaymentRejected {
    pub status: PaymentStatus,
    pub reason: String,
}

#[derive(async_graphql::Interface)]
#[graphql(field(name = "status", ty = "&PaymentStatus"))]
pub enum PaymentStatusInfo {
    PaymentConsentPending(PaymentConsentPending),
    PaymentInitiated(PaymentInitiated),
    PaymentRejected(PaymentRejected),
}

pub struct Payment(pub state::Payment);

#[Object]
impl Payment {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn status_info(&self, ctx: &Context<'_>) -> PaymentStatusInfo {
        let p = &self.0;
        match (&p.rejected, p.consent) {
            (Some(reason), _) => PaymentRejected { status: PaymentStatus::Rejected, reason: reason.clone() }.into(),
            (None, ConsentStatus::Accepted) => PaymentInitiated { status: PaymentStatus::Initiated }.into(),
            (None, ConsentStatus::Created) => PaymentConsentPending {
                status: PaymentStatus::ConsentPending,
                consent: Consent {
                    id: ID(p.consent_id.clone()),
                    status: ConsentStatusEnum::Created,
                    consent_url: consent_url(ctx, &p.consent_id),
                },
            }
            .into(),
            (None, other) => {
                PaymentRejected { status: PaymentStatus::Rejected, reason: consent_status_name(other) }.into()
            }
        }
    }
    async fn transactions(&self, ctx: &Context<'_>) -> Vec<Transaction> {
        let ids: Vec<String> = self.0.orders.iter().map(|t| t.id.clone()).collect();
        let s = swan(ctx).lock();
        s.transactions.iter().filter(|t| ids.contains(&t.id)).map(tx).collect()
    }
}

fn consent_status_name(s: ConsentStatus) -> String {
    format!("Consent{}", s.as_str())
}

#[derive(InputObject)]
pub struct AmountInput {
    pub value: String,
    pub currency: String,
}

#[derive(InputObject)]
pub struct SepaBeneficiaryInput {
    pub iban: String,
    pub name: String,
    pub save: Option<bool>,
}

#[derive(InputObject)]
pub struct CreditTransferInput {
    pub amount: AmountInput,
    pub sepa_beneficiary: SepaBeneficiaryInput,
    pub reference: Option<String>,
    pub label: Option<String>,
    pub external_reference: Option<String>,
}

#[derive(InputObject)]
pub struct InitiateCreditTransfersInput {
    pub account_id: ID,
    pub consent_redirect_url: String,
    pub idempotency_key: Option<String>,
    pub credit_transfers: Vec<CreditTransferInput>,
}

#[derive(SimpleObject)]
pub struct InitiateCreditTransfersSuccessPayload {
    pub payment: Payment,
}

#[derive(Union)]
pub enum InitiateCreditTransfersPayload {
    InitiateCreditTransfersSuccessPayload(InitiateCreditTransfersSuccessPayload),
    AccountNotFoundRejection(AccountNotFoundRejection),
    ForbiddenRejection(ForbiddenRejection),
    ValidationRejection(ValidationRejection),
}

pub struct Mutation;

#[Object]
impl Mutation {
    async fn create_individual_account_holder_onboarding(
        &self,
        ctx: &Context<'_>,
        input: CreateIndividualAccountHolderOnboardingInput,
    ) -> CreateIndividualAccountHolderOnboardingPayload {
        use CreateIndividualAccountHolderOnboardingPayload as P;
        if !["FRA", "DEU", "ESP", "NLD", "ITA"].contains(&input.account_info.country.as_str()) {
            return P::ValidationRejection(super::schema::invalid("accountInfo.country", "not a supported country"));
        }
        if !input.account_admin.email.contains('@') {
            return P::ValidationRejection(super::schema::invalid("accountAdmin.email", "not an e-mail address"));
        }
        let redirect = input
            .o_auth_redirect_parameters
            .unwrap_or(OAuthRedirectParametersInput { state: None, redirect_url: None });
        let o = Onboarding {
            id: format!("onb_{}", id()),
            user_id: format!("usr_{}", id()),
            name: input.account_info.name,
            country: input.account_info.country,
            redirect_url: redirect.redirect_url.unwrap_or_default(),
            state: redirect.state.unwrap_or_default(),
            account_id: None,
        };
        swan(ctx).lock().onboardings.insert(o.id.clone(), o.clone());
        P::CreateIndividualAccountHolderOnboardingSuccessPayload(
            CreateIndividualAccountHolderOnboardingSuccessPayload { onboarding: OnboardingView(o) },
        )
    }

    async fn add_virtual_iban_entry(
        &self,
        ctx: &Context<'_>,
        input: AddVirtualIbanEntryInput,
    ) -> AddVirtualIbanEntryPayload {
        let s = swan(ctx);
        let iban = s.new_iban();
        let mut g = s.lock();
        let Some(account) = g.accounts.get_mut(input.account_id.as_str()) else {
            return AddVirtualIbanEntryPayload::AccountNotFoundRejection(AccountNotFoundRejection {
                message: "Account not found".into(),
                id: input.account_id.to_string(),
            });
        };
        let entry_id = format!("vib_{}", id());
        account.virtual_ibans.push((entry_id.clone(), iban.clone()));
        AddVirtualIbanEntryPayload::AddVirtualIbanEntrySuccessPayload(AddVirtualIbanEntrySuccessPayload {
            virtual_iban_entry: VirtualIbanEntry {
                id: ID(entry_id),
                iban,
                bic: "SWNBFR22".into(),
                status: "Enabled".into(),
            },
        })
    }

    /// Needs a user (a user token or impersonation) who holds the account; the same key from the
    /// same user within a day answers the first call's payment as it is now.
    async fn initiate_credit_transfers(
        &self,
        ctx: &Context<'_>,
        input: InitiateCreditTransfersInput,
    ) -> InitiateCreditTransfersPayload {
        use InitiateCreditTransfersPayload as P;
        let s = swan(ctx);
        let Some(user) = user(ctx) else {
            return P::ForbiddenRejection(ForbiddenRejection { message: "a user token is required".into() });
        };
        if let Some(key) = &input.idempotency_key {
            let known = s.lock().idempotency.get(&(user.clone(), key.clone())).cloned();
            if let Some(pid) = known {
                let p = s.lock().payments.get(&pid).cloned();
                if let Some(p) = p {
                    return P::InitiateCreditTransfersSuccessPayload(InitiateCreditTransfersSuccessPayload {
                        payment: Payment(p),
                    });
                }
            }
            if key.is_empty()
                || key.len() > 255
                || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return P::ValidationRejection(super::schema::invalid("idempotencyKey", "not a valid key"));
            }
        }
        let Some(account) = s.lock().accounts.get(input.account_id.as_str()).cloned() else {
            return P::AccountNotFoundRejection(AccountNotFoundRejection {
                message: "Account not found".into(),
                id: input.account_id.to_string(),
            });
        };
        if account.holder_user != user {
            return P::ForbiddenRejection(ForbiddenRejection { message: "not a member of this account".into() });
        }
        let mut orders = Vec::new();
        for (i, t) in input.credit_transfers.iter().enumerate() {
            let Some(c) = cents(&t.amount.value).filter(|_| t.amount.currency == "EUR") else {
                return P::ValidationRejection(super::schema::invalid(
                    &format!("creditTransfers.{i}.amount"),
                    "invalid",
                ));
            };
            if drop_domain::bank_account::iban(&t.sepa_beneficiary.iban).is_err() || t.sepa_beneficiary.name.len() > 70
            {
                return P::ValidationRejection(super::schema::invalid(
                    &format!("creditTransfers.{i}.sepaBeneficiary"),
                    "invalid beneficiary",
                ));
            }
            let reference = t.reference.clone().unwrap_or_default();
            if reference.len() > 35 {
                return P::ValidationRejection(super::schema::invalid(
                    &format!("creditTransfers.{i}.reference"),
                    "too long",
                ));
            }
            let at = rfc3339(now());
            orders.push(Tx {
                id: format!("bosci_{}", id()),
                account_id: account.id.clone(),
                kind: "SepaCreditTransferOut",
                credit: false,
                cents: c,
                status: TxStatus::Pending,
                reason: None,
                reference,
                label: t.label.clone().unwrap_or_default(),
                counterparty_name: t.sepa_beneficiary.name.clone(),
                counterparty_iban: t.sepa_beneficiary.iban.clone(),
                creditor_iban: account.iban.clone(),
                payment_id: None,
                external_reference: t.external_reference.clone(),
                created_at: at.clone(),
                updated_at: at,
                booked_at: None,
            });
        }
        let payment = state::Payment {
            id: format!("cto_{}", id()),
            consent_id: format!("con_{}", id()),
            consent: ConsentStatus::Created,
            redirect_url: input.consent_redirect_url,
            orders: orders
                .into_iter()
                .map(|mut t| {
                    t.payment_id = None;
                    t
                })
                .collect(),
            rejected: None,
        };
        let mut g = s.lock();
        let mut payment = payment;
        for t in &mut payment.orders {
            t.payment_id = Some(payment.id.clone());
        }
        if let Some(key) = input.idempotency_key {
            g.idempotency.insert((user, key), payment.id.clone());
        }
        g.payments.insert(payment.id.clone(), payment.clone());
        drop(g);
        s.webhooks.emit("Consent.Created", &payment.consent_id);
        P::InitiateCreditTransfersSuccessPayload(InitiateCreditTransfersSuccessPayload { payment: Payment(payment) })
    }
}
