//! Nexi Checkout Payment API v1 client (`MerchantAcquirer`, `reference/providers.md` §4): create a
//! payment (one order line, Drop's payment id as reference, a `payment.charge.created.v2` webhook
//! with a per-payment `authorization`), charge it under an `Idempotency-Key`, read it back,
//! refund (part of) a charge (`POST /v1/charges/{chargeId}/refunds`, also under a key).
//! `Authorization: <secret key>` (no scheme).

use super::http::{json, request};
use async_trait::async_trait;
use drop_domain::Secret;
use drop_services::remit::ports::{
    AcquirerOrder, AcquirerPayment, AcquirerPayout, MerchantAcquirer, PayoutAction, PayoutActionKind, ProviderError,
};
use serde_json::json;

pub struct NexiClient {
    base: String,
    secret_key: Secret<String>,
}

impl NexiClient {
    pub fn new(base: &str, secret_key: Secret<String>) -> Self {
        NexiClient { base: base.trim_end_matches('/').to_owned(), secret_key }
    }

    /// The Reporting API (`reference/banking-and-notifications.md` §2: its host is unconfirmed;
    /// the same base as payments here).
    fn report(&self, path: &str) -> Result<reqwest::RequestBuilder, ProviderError> {
        Ok(request(reqwest::Method::GET, format!("{}/report/v1{path}", self.base))?
            .header("authorization", self.secret_key.expose()))
    }

    fn req(&self, method: reqwest::Method, path: &str) -> Result<reqwest::RequestBuilder, ProviderError> {
        Ok(request(method, format!("{}/v1{path}", self.base))?.header("authorization", self.secret_key.expose()))
    }
}

/// A payout id that may go into a URL (Nexi's format is unconfirmed: letters, digits and `-`).
fn is_payout_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A payment action of a payout's details.
fn action(a: &serde_json::Value) -> Option<PayoutAction> {
    let kind = match a["paymentAction"].as_str()? {
        k if k.eq_ignore_ascii_case("charge") => PayoutActionKind::Charge,
        k if k.eq_ignore_ascii_case("refund") => PayoutActionKind::Refund,
        other => PayoutActionKind::Other(other.to_owned()),
    };
    Some(PayoutAction {
        id: a["id"].as_str()?.to_owned(),
        payment_id: a["paymentId"].as_str()?.to_owned(),
        kind,
        amount: a["amount"].as_i64()?,
        currency: a["currency"].as_str()?.to_owned(),
        reference: a["reference"].as_str().map(str::to_owned),
    })
}

/// Nexi's payment ids: 32 hex digits (checked before one reaches a URL).
pub fn is_payment_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

fn unexpected(what: &str) -> ProviderError {
    ProviderError::Transient(format!("unexpected answer: {what}"))
}

#[async_trait]
impl MerchantAcquirer for NexiClient {
    fn name(&self) -> &'static str {
        "nexi"
    }

    async fn create_payment(&self, o: &AcquirerOrder) -> Result<String, ProviderError> {
        let item = json!({"reference": "qr", "name": o.description, "quantity": 1, "unit": "pcs",
            "unitPrice": o.amount, "taxRate": 0, "taxAmount": 0, "grossTotalAmount": o.amount,
            "netTotalAmount": o.amount});
        let body = json!({
            "order": {"items": [item], "amount": o.amount, "currency": o.currency.as_str(), "reference": o.reference},
            "checkout": {"integrationType": "HostedPaymentPage", "returnUrl": o.webhook_url,
                         "termsUrl": o.webhook_url, "charge": false, "merchantHandlesConsumerData": true},
            "notifications": {"webHooks": [{"eventName": "payment.charge.created.v2", "url": o.webhook_url,
                                            "authorization": o.webhook_secret.expose()}]},
            "myReference": o.merchant_id,
        });
        let v = json(self.req(reqwest::Method::POST, "/payments")?.json(&body)).await?;
        v["paymentId"].as_str().filter(|id| is_payment_id(id)).map(str::to_owned).ok_or_else(|| unexpected("paymentId"))
    }

    async fn charge(&self, payment_id: &str, amount: i64, idempotency_key: &str) -> Result<String, ProviderError> {
        if !is_payment_id(payment_id) {
            return Err(ProviderError::Rejected("not a Nexi payment id".into()));
        }
        let body = json!({"amount": amount, "finalCharge": true});
        let req = self
            .req(reqwest::Method::POST, &format!("/payments/{payment_id}/charges"))?
            .header("idempotency-key", idempotency_key)
            .json(&body);
        let v = json(req).await?;
        v["chargeId"].as_str().map(str::to_owned).ok_or_else(|| unexpected("chargeId"))
    }

    async fn refund(&self, charge_id: &str, amount: i64, idempotency_key: &str) -> Result<String, ProviderError> {
        if !is_payment_id(charge_id) {
            return Err(ProviderError::Rejected("not a Nexi charge id".into()));
        }
        let req = self
            .req(reqwest::Method::POST, &format!("/charges/{charge_id}/refunds"))?
            .header("idempotency-key", idempotency_key)
            .json(&json!({"amount": amount}));
        let v = json(req).await?;
        v["refundId"].as_str().map(str::to_owned).ok_or_else(|| unexpected("refundId"))
    }

    async fn payouts(&self, from: &str, to: &str) -> Result<Vec<AcquirerPayout>, ProviderError> {
        let date = |d: &str| d.len() == 10 && d.bytes().all(|b| b.is_ascii_digit() || b == b'-');
        if !date(from) || !date(to) {
            return Err(ProviderError::Rejected("dates are YYYY-MM-DD".into()));
        }
        let mut listed = Vec::new();
        for page in 0..100 {
            // Dates are YYYY-MM-DD (nothing to escape).
            let path = format!("/payouts?fromDate={from}&toDate={to}&pageNumber={page}&pageSize=100");
            let v = json(self.report(&path)?).await?;
            let items = v["payouts"].as_array().cloned().unwrap_or_default();
            let total = v["numberOfPayouts"].as_u64().unwrap_or(0) as usize;
            let empty = items.is_empty();
            listed.extend(items);
            if empty || listed.len() >= total {
                break;
            }
        }
        let mut out = Vec::new();
        for p in listed {
            let id = p["id"].as_str().filter(|id| is_payout_id(id)).ok_or_else(|| unexpected("payout id"))?;
            let d = json(self.report(&format!("/payouts/{id}"))?).await?;
            let actions = d["paymentActions"].as_array().map(|a| a.iter().map(action).collect::<Option<Vec<_>>>());
            out.push(AcquirerPayout {
                id: id.to_owned(),
                date: d["date"].as_str().unwrap_or_default().to_owned(),
                currency: d["currency"].as_str().unwrap_or_default().to_owned(),
                amount: d["amount"].as_i64().ok_or_else(|| unexpected("payout amount"))?,
                fees: d["fees"].as_i64().unwrap_or(0),
                actions: actions.flatten().ok_or_else(|| unexpected("paymentActions"))?,
            });
        }
        Ok(out)
    }

    async fn payment(&self, payment_id: &str) -> Result<AcquirerPayment, ProviderError> {
        if !is_payment_id(payment_id) {
            return Err(ProviderError::Rejected("not a Nexi payment id".into()));
        }
        let v = json(self.req(reqwest::Method::GET, &format!("/payments/{payment_id}"))?).await?;
        let p = &v["payment"];
        Ok(AcquirerPayment {
            id: p["paymentId"].as_str().ok_or_else(|| unexpected("paymentId"))?.to_owned(),
            reference: p["orderDetails"]["reference"].as_str().map(str::to_owned),
            amount: p["orderDetails"]["amount"].as_i64().ok_or_else(|| unexpected("orderDetails.amount"))?,
            charged: p["summary"]["chargedAmount"].as_i64().unwrap_or(0),
            charge_ids: p["charges"]
                .as_array()
                .map(|c| c.iter().filter_map(|c| c["chargeId"].as_str().map(str::to_owned)).collect())
                .unwrap_or_default(),
        })
    }
}
