//! Berlin Group NextGenPSD2 client (`Bank` port): AIS consents and accounts, PIS initiation and
//! status. Every call carries a fresh `X-Request-ID` (an initiation: its confirmation's own, the same on a retry); initiations carry `PSU-IP-Address` and the
//! redirect URIs.

use super::http::{decimal, json, request};
use async_trait::async_trait;
use drop_domain::Secret;
use drop_services::remit::ports::{
    Bank, BankAccount, PaymentOrder, ProviderError, Redirected, RefundOrder, RefundRail,
};

pub struct BerlinGroupBank {
    base: String,
    product: String,
}

impl BerlinGroupBank {
    pub fn new(base: &str) -> Result<Self, String> {
        Ok(BerlinGroupBank {
            base: base.trim_end_matches('/').to_owned(),
            product: "norwegian-domestic-credit-transfers".into(),
        })
    }

    fn req(&self, method: reqwest::Method, path: &str) -> Result<reqwest::RequestBuilder, ProviderError> {
        Ok(request(method, format!("{}{path}", self.base))?.header("x-request-id", ulid::Ulid::new().to_string()))
    }
}

fn redirected(v: &serde_json::Value, id_field: &str) -> Result<Redirected, ProviderError> {
    let id = v.get(id_field).and_then(|x| x.as_str()).ok_or(ProviderError::Transient(format!("no {id_field}")))?;
    let url = v
        .pointer("/_links/scaRedirect/href")
        .and_then(|x| x.as_str())
        .ok_or(ProviderError::Rejected("no scaRedirect".into()))?;
    Ok(Redirected { id: id.to_owned(), sca_url: url.to_owned() })
}

#[async_trait]
impl Bank for BerlinGroupBank {
    async fn create_consent(&self, psu_ip: &str, redirect: &str) -> Result<Redirected, ProviderError> {
        let body = serde_json::json!({"access": {"accounts": [], "balances": [], "transactions": []}, "recurringIndicator": true,
            "validUntil": "9999-12-31", "frequencyPerDay": 4, "combinedServiceIndicator": false});
        let v = json(
            self.req(reqwest::Method::POST, "/v1/consents")?
                .header("psu-ip-address", psu_ip)
                .header("tpp-redirect-uri", redirect)
                .json(&body),
        )
        .await?;
        redirected(&v, "consentId")
    }

    async fn consent(&self, consent_id: &str) -> Result<(String, String), ProviderError> {
        let v = json(self.req(reqwest::Method::GET, &format!("/v1/consents/{consent_id}"))?).await?;
        Ok((v["consentStatus"].as_str().unwrap_or("").to_owned(), v["validUntil"].as_str().unwrap_or("").to_owned()))
    }

    async fn accounts(&self, consent_id: &str) -> Result<Vec<BankAccount>, ProviderError> {
        let v = json(self.req(reqwest::Method::GET, "/v1/accounts")?.header("consent-id", consent_id)).await?;
        let s = |a: &serde_json::Value, k: &str| a.get(k).and_then(|x| x.as_str()).map(str::to_owned);
        Ok(v["accounts"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|a| BankAccount {
                        resource_id: s(a, "resourceId").unwrap_or_default(),
                        iban: s(a, "iban").map(Secret::new),
                        bban: s(a, "bban").map(Secret::new),
                        currency: s(a, "currency").unwrap_or_default(),
                        name: s(a, "name").or(s(a, "product")).unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn delete_consent(&self, consent_id: &str) -> Result<(), ProviderError> {
        let resp = self
            .req(reqwest::Method::DELETE, &format!("/v1/consents/{consent_id}"))?
            .send()
            .await
            .map_err(|_| ProviderError::Transient("connection failed".into()))?;
        match resp.status().as_u16() {
            204 | 200 | 404 => Ok(()),
            s if s == 429 || s >= 500 => Err(ProviderError::Transient(s.to_string())),
            s => Err(ProviderError::Rejected(s.to_string())),
        }
    }

    async fn initiate(
        &self,
        o: &PaymentOrder,
        psu_ip: &str,
        redirect_ok: &str,
        redirect_nok: &str,
    ) -> Result<Redirected, ProviderError> {
        let body = serde_json::json!({
            "instructedAmount": {"currency": o.currency.as_str(), "amount": decimal(o.amount, o.currency.exponent())},
            "debtorAccount": {"bban": o.debtor_bban.expose()},
            "creditorName": o.creditor_name, "creditorAccount": {"bban": o.creditor_bban},
            "endToEndIdentification": o.end_to_end_id, "remittanceInformationUnstructured": o.remittance,
        });
        // The confirmation's own X-Request-ID (not a fresh one): a retry is the same request.
        let url = format!("{}/v1/payments/{}", self.base, self.product);
        let v = json(
            request(reqwest::Method::POST, url)?
                .header("x-request-id", o.request_id.as_str())
                .header("psu-ip-address", psu_ip)
                .header("tpp-redirect-uri", redirect_ok)
                .header("tpp-nok-redirect-uri", redirect_nok)
                .header("tpp-redirect-preferred", "true")
                .json(&body),
        )
        .await?;
        if v["transactionStatus"].as_str() == Some("RJCT") {
            return Err(ProviderError::Rejected("RJCT".into()));
        }
        redirected(&v, "paymentId")
    }

    async fn payment_status(&self, id: &str) -> Result<String, ProviderError> {
        let v = json(self.req(reqwest::Method::GET, &format!("/v1/payments/{}/{id}/status", self.product))?).await?;
        v["transactionStatus"]
            .as_str()
            .map(str::to_owned)
            .ok_or(ProviderError::Transient("no transactionStatus".into()))
    }

    async fn cancel_payment(&self, id: &str) -> Result<(), ProviderError> {
        let resp = self
            .req(reqwest::Method::DELETE, &format!("/v1/payments/{}/{id}", self.product))?
            .send()
            .await
            .map_err(|_| ProviderError::Transient("connection failed".into()))?;
        match resp.status().as_u16() {
            204 => Ok(()),
            // 202: the cancellation needs the PSU's authorisation, which Drop cannot give.
            202 => Err(ProviderError::Rejected("cancellation needs authorisation".into())),
            s if s == 429 || s >= 500 => Err(ProviderError::Transient(s.to_string())),
            s => Err(ProviderError::Rejected(s.to_string())),
        }
    }
}

/// Refunds leave Drop's own account with the PSU not present (no `PSU-IP-Address`, no SCA
/// redirect: the corporate agreement authorises them). `X-Request-ID` is the idempotency key.
#[async_trait]
impl RefundRail for BerlinGroupBank {
    async fn refund(&self, o: &RefundOrder, idempotency_key: &str) -> Result<String, ProviderError> {
        let body = serde_json::json!({
            "instructedAmount": {"currency": o.currency.as_str(), "amount": decimal(o.amount, o.currency.exponent())},
            "debtorAccount": {"bban": o.debtor_bban},
            "creditorName": o.creditor_name, "creditorAccount": {"bban": o.creditor.expose()},
            "endToEndIdentification": o.end_to_end_id, "remittanceInformationUnstructured": o.remittance,
        });
        let req = request(reqwest::Method::POST, format!("{}/v1/payments/{}", self.base, self.product))?
            .header("x-request-id", idempotency_key)
            .json(&body);
        let v = json(req).await?;
        if v["transactionStatus"].as_str() == Some("RJCT") {
            return Err(ProviderError::Rejected("RJCT".into()));
        }
        v.get("paymentId")
            .and_then(|x| x.as_str())
            .map(str::to_owned)
            .ok_or(ProviderError::Transient("no paymentId".into()))
    }

    async fn refund_status(&self, id: &str) -> Result<String, ProviderError> {
        self.payment_status(id).await
    }
}
