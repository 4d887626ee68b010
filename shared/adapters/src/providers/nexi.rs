//! Nexi Checkout Payment API v1 client (`MerchantAcquirer`, `reference/providers.md` §4): create a
//! payment (one order line, Drop's payment id as reference, a `payment.charge.created.v2` webhook
//! with a per-payment `authorization`), charge it under an `Idempotency-Key`, read it back,
//! refund (part of) a charge (`POST /v1/charges/{chargeId}/refunds`, also under a key).
//! `Authorization: <secret key>` (no scheme).

use super::http::{json, request};
use async_trait::async_trait;
use drop_domain::Secret;
use drop_services::remit::ports::{AcquirerOrder, AcquirerPayment, MerchantAcquirer, ProviderError};
use serde_json::json;

pub struct NexiClient {
    base: String,
    secret_key: Secret<String>,
}

impl NexiClient {
    pub fn new(base: &str, secret_key: Secret<String>) -> Self {
        NexiClient { base: base.trim_end_matches('/').to_owned(), secret_key }
    }

    fn req(&self, method: reqwest::Method, path: &str) -> Result<reqwest::RequestBuilder, ProviderError> {
        Ok(request(method, format!("{}/v1{path}", self.base))?.header("authorization", self.secret_key.expose()))
    }
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
