//! Wise client (`RemittanceProvider`): v3 quotes, recipients, transfers idempotent on
//! `customerTransactionId` (a UUID derived from the payment id), balance funding, transfer
//! state; and the webhook signature check (RSA-SHA256 over the raw body, `X-Signature-SHA256`).

use super::http::{decimal, epoch, json, minor, request};
use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use drop_domain::fx::Rate;
use drop_domain::Secret;
use drop_services::remit::ports::*;
use sha2::{Digest, Sha256};

pub struct WiseClient {
    base: String,
    token: Secret<String>,
    profile: String,
}

impl WiseClient {
    pub fn new(base: &str, token: Secret<String>, profile: &str) -> Result<Self, String> {
        Ok(WiseClient { base: base.trim_end_matches('/').to_owned(), token, profile: profile.to_owned() })
    }

    fn req(&self, method: reqwest::Method, path: &str) -> Result<reqwest::RequestBuilder, ProviderError> {
        Ok(request(method, format!("{}{path}", self.base))?.bearer_auth(self.token.expose()))
    }
}

/// A UUID (v8 layout) derived from the payment id: the same payment always gets the same
/// `customerTransactionId`.
pub fn transaction_uuid(payment_id: &str) -> String {
    let h = Sha256::digest(payment_id.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x: String = b.iter().map(|v| format!("{v:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &x[..8], &x[8..12], &x[12..16], &x[16..20], &x[20..])
}

/// Verifies a Wise webhook: `X-Signature-SHA256` over the exact body with the configured public
/// key (SubjectPublicKeyInfo, base64 or PEM).
pub fn verify_webhook(public_key: &str, body: &[u8], signature_b64: &str) -> bool {
    let b64: String =
        public_key.lines().filter(|l| !l.starts_with("-----")).collect::<String>().split_whitespace().collect();
    let (Ok(spki), Ok(sig)) = (B64.decode(b64), B64.decode(signature_b64.trim())) else { return false };
    drop_services::auth::jwt::verify_rsa_sha256(&spki, body, &sig)
}

fn state_of(status: &str) -> PayoutState {
    match status {
        "outgoing_payment_sent" => PayoutState::Completed,
        "cancelled" | "funds_refunded" | "charged_back" | "bounced_back" => PayoutState::Failed,
        _ => PayoutState::InProgress,
    }
}

/// A Wise transfer status as Drop reads it.
pub fn payout_state(status: &str) -> PayoutState {
    state_of(status)
}

#[async_trait]
impl RemittanceProvider for WiseClient {
    fn name(&self) -> ProviderName {
        ProviderName::Wise
    }

    async fn quote(&self, r: &QuoteRequest) -> Result<Quote, ProviderError> {
        let (src_e, dst_e) = (r.source_currency.exponent(), r.target_currency.exponent());
        let mut body = serde_json::json!({"sourceCurrency": r.source_currency.as_str(), "targetCurrency": r.target_currency.as_str(), "payOut": "BANK_TRANSFER", "preferredPayIn": "BALANCE"});
        match r.amount {
            Amount::Source(a) => body["sourceAmount"] = serde_json::from_str(&decimal(a, src_e)).unwrap_or_default(),
            Amount::Target(a) => body["targetAmount"] = serde_json::from_str(&decimal(a, dst_e)).unwrap_or_default(),
        }
        let v = json(self.req(reqwest::Method::POST, &format!("/v3/profiles/{}/quotes", self.profile))?.json(&body))
            .await?;
        if v["notices"].as_array().is_some_and(|n| n.iter().any(|x| x["type"] == "BLOCKED")) {
            return Err(ProviderError::Rejected("blocked".into()));
        }
        let option = v["paymentOptions"]
            .as_array()
            .and_then(|o| o.iter().find(|x| x["payOut"] == v["payOut"] && !x["disabled"].as_bool().unwrap_or(false)))
            .cloned()
            .unwrap_or_default();
        let bad = || ProviderError::Transient("unreadable quote".into());
        let delivery = epoch(&option["estimatedDelivery"])
            .map(|t| ((t - time::OffsetDateTime::now_utc().unix_timestamp()) / 3600).max(0))
            .unwrap_or(24);
        Ok(Quote {
            provider: ProviderName::Wise,
            quote_id: v["id"].as_str().ok_or_else(bad)?.to_owned(),
            rate: v["rate"].as_f64().and_then(Rate::from_f64).ok_or_else(bad)?,
            fee: minor(&option["fee"]["total"], src_e).ok_or_else(bad)?,
            source: minor(&v["sourceAmount"], src_e).ok_or_else(bad)?,
            target: minor(&v["targetAmount"], dst_e).ok_or_else(bad)?,
            delivery_hours: delivery,
            expires_at: epoch(&v["rateExpirationTime"]).or(epoch(&v["expirationTime"])).ok_or_else(bad)?,
        })
    }

    async fn submit(&self, t: &TransferRequest) -> Result<String, ProviderError> {
        let b = &t.beneficiary;
        let (kind, details) = match (&b.iban, &b.account_number) {
            (Some(i), _) => ("iban", serde_json::json!({"legalType": "PRIVATE", "iban": i.expose()})),
            (None, Some(a)) => {
                ("account_number", serde_json::json!({"legalType": "PRIVATE", "accountNumber": a.expose()}))
            }
            _ => return Err(ProviderError::Rejected("no account".into())),
        };
        let recipient = json(self.req(reqwest::Method::POST, "/v1/accounts")?.json(&serde_json::json!({
            "currency": b.currency.as_str(), "type": kind, "profile": self.profile.parse::<i64>().unwrap_or(0),
            "ownedByCustomer": false, "accountHolderName": b.name.expose(), "details": details})))
        .await?;
        let target = recipient["id"].as_i64().ok_or(ProviderError::Transient("no recipient id".into()))?;
        let transfer = json(self.req(reqwest::Method::POST, "/v1/transfers")?.json(&serde_json::json!({
            "targetAccount": target, "quoteUuid": t.quote.quote_id, "customerTransactionId": transaction_uuid(&t.payment_id),
            "details": {"reference": format!("Drop {}", &t.payment_id[t.payment_id.len().saturating_sub(10)..]), "sourceOfFunds": "verification.source.of.funds.other"}}))).await?;
        let id = transfer["id"].as_i64().ok_or(ProviderError::Transient("no transfer id".into()))?;
        let funded = json(
            self.req(reqwest::Method::POST, &format!("/v3/profiles/{}/transfers/{id}/payments", self.profile))?
                .json(&serde_json::json!({"type": "BALANCE"})),
        )
        .await?;
        if funded["status"] == "REJECTED" {
            return Err(ProviderError::Rejected(funded["errorCode"].as_str().unwrap_or("funding rejected").to_owned()));
        }
        Ok(id.to_string())
    }

    async fn state(&self, transfer_id: &str) -> Result<PayoutState, ProviderError> {
        let v = json(self.req(reqwest::Method::GET, &format!("/v1/transfers/{transfer_id}"))?).await?;
        Ok(state_of(v["status"].as_str().unwrap_or("")))
    }
}
