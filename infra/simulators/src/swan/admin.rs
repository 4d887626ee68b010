//! The Testing API (`sandbox-partner-admin`): an incoming SEPA credit to an account's IBAN or one
//! of its virtual IBANs, and an outgoing transfer booked or rejected. Booking a transfer the
//! account's booked balance cannot cover rejects it with `InsufficientFunds`.

use super::schema::{cents, ForbiddenRejection, ValidationRejection};
use super::state::{Swan, Tx, TxStatus};
use crate::common::{id, now, rfc3339};
use async_graphql::{Context, EmptySubscription, InputObject, Object, Schema, SimpleObject, Union, ID};

pub type AdminSchema = Schema<AdminQuery, AdminMutation, EmptySubscription>;

pub fn build(swan: Swan) -> AdminSchema {
    Schema::build(AdminQuery, AdminMutation, EmptySubscription)
        .register_output_type::<super::schema::Rejection>()
        .data(swan)
        .finish()
}

pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// GraphQL needs a query root; the Testing API has only mutations that matter.
    async fn ping(&self) -> &str {
        "pong"
    }
}

#[derive(InputObject)]
pub struct SimulateIncomingSepaCreditTransferInput {
    pub amount: super::operations::AmountInput,
    pub creditor_iban: String,
    pub creditor_name: Option<String>,
    pub debtor_iban: String,
    pub debtor_name: String,
    pub end_to_end_id: Option<String>,
    pub label: Option<String>,
    pub is_instant: Option<bool>,
}

#[derive(SimpleObject)]
pub struct SimulateIncomingSepaCreditTransferReceptionSuccessPayload {
    pub transaction_id: ID,
}

#[derive(Union)]
pub enum SimulateIncomingSepaCreditTransferReceptionPayload {
    SimulateIncomingSepaCreditTransferReceptionSuccessPayload(
        SimulateIncomingSepaCreditTransferReceptionSuccessPayload,
    ),
    ValidationRejection(ValidationRejection),
    ForbiddenRejection(ForbiddenRejection),
}

#[derive(InputObject)]
pub struct SimulateOutgoingSepaCreditTransferBookingInput {
    pub transaction_id: ID,
}

#[derive(InputObject)]
pub struct SimulateOutgoingSepaCreditTransferRejectionInput {
    pub transaction_id: ID,
    pub reason_code: String,
}

#[derive(SimpleObject)]
pub struct SimulateOutgoingSepaCreditTransferSuccessPayload {
    pub transaction_id: ID,
    pub status: String,
}

#[derive(Union)]
pub enum SimulateOutgoingSepaCreditTransferPayload {
    SimulateOutgoingSepaCreditTransferSuccessPayload(SimulateOutgoingSepaCreditTransferSuccessPayload),
    ValidationRejection(ValidationRejection),
}

pub struct AdminMutation;

fn swan<'a>(ctx: &Context<'a>) -> &'a Swan {
    ctx.data_unchecked::<Swan>()
}

#[Object]
impl AdminMutation {
    async fn simulate_incoming_sepa_credit_transfer_reception(
        &self,
        ctx: &Context<'_>,
        input: SimulateIncomingSepaCreditTransferInput,
    ) -> SimulateIncomingSepaCreditTransferReceptionPayload {
        use SimulateIncomingSepaCreditTransferReceptionPayload as P;
        let s = swan(ctx);
        let Some(c) = cents(&input.amount.value).filter(|_| input.amount.currency == "EUR") else {
            return P::ValidationRejection(super::schema::invalid("amount", "invalid"));
        };
        let creditor = input.creditor_iban.replace(' ', "").to_uppercase();
        let account = s
            .lock()
            .accounts
            .values()
            .find(|a| a.iban == creditor || a.virtual_ibans.iter().any(|(_, v)| *v == creditor))
            .map(|a| a.id.clone());
        let Some(account_id) = account else {
            return P::ValidationRejection(super::schema::invalid("creditorIban", "no account has this IBAN"));
        };
        let at = rfc3339(now());
        let t = Tx {
            id: format!("bosci_{}", id()),
            account_id,
            kind: "SepaCreditTransferIn",
            credit: true,
            cents: c,
            status: TxStatus::Pending,
            reason: None,
            reference: input.end_to_end_id.unwrap_or_default(),
            label: input.label.unwrap_or_default(),
            counterparty_name: input.debtor_name,
            counterparty_iban: input.debtor_iban,
            creditor_iban: creditor,
            payment_id: None,
            external_reference: None,
            created_at: at.clone(),
            updated_at: at,
            booked_at: None,
        };
        let tx_id = t.id.clone();
        s.add_tx(t);
        // Incoming credits book at once.
        s.settle(&tx_id, TxStatus::Booked, None);
        P::SimulateIncomingSepaCreditTransferReceptionSuccessPayload(
            SimulateIncomingSepaCreditTransferReceptionSuccessPayload { transaction_id: ID(tx_id) },
        )
    }

    async fn simulate_outgoing_sepa_credit_transfer_booking(
        &self,
        ctx: &Context<'_>,
        input: SimulateOutgoingSepaCreditTransferBookingInput,
    ) -> SimulateOutgoingSepaCreditTransferPayload {
        let s = swan(ctx);
        let found = s.lock().transactions.iter().find(|t| t.id == input.transaction_id.as_str() && !t.credit).cloned();
        let Some(t) = found else {
            return SimulateOutgoingSepaCreditTransferPayload::ValidationRejection(super::schema::invalid(
                "transactionId",
                "no such outgoing transaction",
            ));
        };
        let (booked, _) = s.balances(&t.account_id);
        let (to, reason) = if booked >= t.cents {
            (TxStatus::Booked, None)
        } else {
            (TxStatus::Rejected, Some("InsufficientFunds".to_owned()))
        };
        outcome(s, &t.id, to, reason)
    }

    async fn simulate_outgoing_sepa_credit_transfer_rejection(
        &self,
        ctx: &Context<'_>,
        input: SimulateOutgoingSepaCreditTransferRejectionInput,
    ) -> SimulateOutgoingSepaCreditTransferPayload {
        outcome(swan(ctx), input.transaction_id.as_str(), TxStatus::Rejected, Some(input.reason_code))
    }
}

fn outcome(s: &Swan, tx_id: &str, to: TxStatus, reason: Option<String>) -> SimulateOutgoingSepaCreditTransferPayload {
    match s.settle(tx_id, to, reason) {
        Some(t) => SimulateOutgoingSepaCreditTransferPayload::SimulateOutgoingSepaCreditTransferSuccessPayload(
            SimulateOutgoingSepaCreditTransferSuccessPayload {
                transaction_id: ID(t.id),
                status: if to == TxStatus::Booked { "Booked".into() } else { "Rejected".into() },
            },
        ),
        None => SimulateOutgoingSepaCreditTransferPayload::ValidationRejection(super::schema::invalid(
            "transactionId",
            "not a pending transaction",
        )),
    }
}
