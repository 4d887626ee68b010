//! Thunes Money Transfer v2 client (`RemittanceProvider`): quotation, transaction on it (the
//! payment id as `external_id`; an existing one is looked up first), confirm, status by class.
//! Callbacks are hints: the handler re-fetches through `state`.

use super::http::{decimal, epoch, json, minor, request};
use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use drop_domain::fx::Rate;
use drop_domain::Secret;
use drop_services::remit::ports::*;

pub struct ThunesClient {
    base: String,
    auth: Secret<String>,
}

impl ThunesClient {
    pub fn new(base: &str, key: &str, secret: &Secret<String>) -> Result<Self, String> {
        let auth = Secret::new(format!("Basic {}", B64.encode(format!("{key}:{}", secret.expose()))));
        Ok(ThunesClient { base: base.trim_end_matches('/').to_owned(), auth })
    }

    fn req(&self, method: reqwest::Method, path: &str) -> Result<reqwest::RequestBuilder, ProviderError> {
        Ok(request(method, format!("{}/v2/money-transfer{path}", self.base))?
            .header("authorization", self.auth.expose()))
    }
}

/// Alpha-3 codes for the recipient countries Drop pays to.
fn alpha3(c: &str) -> &'static str {
    match c {
        "NO" => "NOR",
        "SE" => "SWE",
        "DK" => "DNK",
        "DE" => "DEU",
        "FR" => "FRA",
        "ES" => "ESP",
        "IT" => "ITA",
        "PL" => "POL",
        "GB" => "GBR",
        "US" => "USA",
        "PH" => "PHL",
        "IN" => "IND",
        "NL" => "NLD",
        "FI" => "FIN",
        _ => "XXX",
    }
}

/// A Thunes `status_class` as Drop reads it.
pub fn payout_state(class: &str) -> PayoutState {
    match class {
        "7" => PayoutState::Completed,
        "3" | "4" | "8" | "9" => PayoutState::Failed,
        _ => PayoutState::InProgress,
    }
}

#[async_trait]
impl RemittanceProvider for ThunesClient {
    fn name(&self) -> ProviderName {
        ProviderName::Thunes
    }

    async fn quote(&self, r: &QuoteRequest) -> Result<Quote, ProviderError> {
        let (src_e, dst_e) = (r.source_currency.exponent(), r.target_currency.exponent());
        let (mode, src, dst) = match r.amount {
            Amount::Source(a) => {
                ("SOURCE_AMOUNT", serde_json::Value::String(decimal(a, src_e)), serde_json::Value::Null)
            }
            Amount::Target(a) => {
                ("DESTINATION_AMOUNT", serde_json::Value::Null, serde_json::Value::String(decimal(a, dst_e)))
            }
        };
        let body = serde_json::json!({"external_id": ulid::Ulid::new().to_string(), "payer_id": 1, "mode": mode, "transaction_type": "C2C",
            "source": {"amount": src, "currency": r.source_currency.as_str(), "country_iso_code": "NOR"},
            "destination": {"amount": dst, "currency": r.target_currency.as_str()}});
        let v = json(self.req(reqwest::Method::POST, "/quotations")?.json(&body)).await?;
        let bad = || ProviderError::Transient("unreadable quotation".into());
        Ok(Quote {
            provider: ProviderName::Thunes,
            quote_id: v["id"].as_i64().map(|i| i.to_string()).ok_or_else(bad)?,
            rate: v["wholesale_fx_rate"].as_str().and_then(|s| Rate::parse(&s[..s.len().min(12)])).ok_or_else(bad)?,
            fee: minor(&v["fee"]["amount"], src_e).ok_or_else(bad)?,
            source: minor(&v["source"]["amount"], src_e).ok_or_else(bad)?,
            target: minor(&v["destination"]["amount"], dst_e).ok_or_else(bad)?,
            delivery_hours: 48,
            expires_at: epoch(&v["expiration_date"]).ok_or_else(bad)?,
        })
    }

    async fn submit(&self, t: &TransferRequest) -> Result<String, ProviderError> {
        // Idempotent: a transaction already made for this payment is reused.
        let existing = json(self.req(reqwest::Method::GET, &format!("/transactions/ext-{}", t.payment_id))?).await;
        let tx = match existing {
            Ok(v) => v,
            Err(ProviderError::Rejected(_)) => {
                let b = &t.beneficiary;
                let party = match (&b.iban, &b.account_number) {
                    (Some(i), _) => serde_json::json!({"iban": i.expose()}),
                    (None, Some(a)) => serde_json::json!({"bank_account_number": a.expose()}),
                    _ => return Err(ProviderError::Rejected("no account".into())),
                };
                let name = b.name.expose();
                let (first, last) = name.rsplit_once(' ').unwrap_or((name.as_str(), ""));
                json(self.req(reqwest::Method::POST, &format!("/quotations/{}/transactions", t.quote.quote_id))?.json(
                    &serde_json::json!({
                    "external_id": t.payment_id, "credit_party_identifier": party,
                    "beneficiary": {"firstname": first, "lastname": last, "country_iso_code": alpha3(&b.country)},
                    "purpose_of_remittance": "FAMILY_SUPPORT", "callback_url": t.callback_url}),
                ))
                .await?
            }
            Err(e) => return Err(e),
        };
        let id = tx["id"].as_i64().ok_or(ProviderError::Transient("no transaction id".into()))?;
        if tx["status_class"] == "1" {
            let c = json(self.req(reqwest::Method::POST, &format!("/transactions/{id}/confirm"))?).await?;
            if payout_state(c["status_class"].as_str().unwrap_or("")) == PayoutState::Failed {
                return Err(ProviderError::Rejected(
                    c["status_class_message"].as_str().unwrap_or("rejected").to_owned(),
                ));
            }
        }
        Ok(id.to_string())
    }

    async fn state(&self, transfer_id: &str) -> Result<PayoutState, ProviderError> {
        let v = json(self.req(reqwest::Method::GET, &format!("/transactions/{transfer_id}"))?).await?;
        Ok(payout_state(v["status_class"].as_str().unwrap_or("")))
    }
}
