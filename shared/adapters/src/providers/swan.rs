//! Swan partner API client (`BankingProvider`, `reference/banking-and-notifications.md` §1):
//! GraphQL over the shared reqwest client, one typed document per operation ([`documents`]),
//! answers read into serde types whose unions end in an `Unknown` member (a rejection Swan adds
//! later is a refusal, not a parse error). A project token (OAuth2 client credentials) is cached
//! until a minute before it expires; the user's transfers go with the project token and
//! `x-swan-user-id` (impersonation). 429 and 5xx are retried with backoff; every mutation that
//! moves money carries an idempotency key.

pub mod documents;
mod wire;

use super::http::{decimal, form, shared};
use async_trait::async_trait;
use drop_domain::Secret;
use drop_services::remit::ports::ProviderError;
use drop_services::wallet::ports::{
    BankingProvider, Onboarding, OpenAccount, SepaOrder, TransactionPage, WalletAccount, WalletPayment,
    WalletTransaction,
};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use wire::{GraphQlAnswer, InitiatePayload, OnboardingPayload};

/// Attempts of one call when Swan answers 429 or 5xx (or does not answer).
const ATTEMPTS: u32 = 3;

pub struct SwanClient {
    /// `https://api.swan.io` (or the simulator): `…/sandbox-partner/graphql` and the token URL.
    graphql_url: String,
    token_url: String,
    client_id: String,
    client_secret: Secret<String>,
    token: Mutex<Option<(Secret<String>, Instant)>>,
}

impl SwanClient {
    /// `api_url`: the partner GraphQL endpoint; `token_url`: the OAuth2 token endpoint.
    pub fn new(api_url: &str, token_url: &str, client_id: &str, client_secret: Secret<String>) -> Self {
        SwanClient {
            graphql_url: api_url.to_owned(),
            token_url: token_url.to_owned(),
            client_id: client_id.to_owned(),
            client_secret,
            token: Mutex::new(None),
        }
    }

    /// The project token, fetched again a minute before it expires.
    async fn project_token(&self) -> Result<Secret<String>, ProviderError> {
        let mut cached = self.token.lock().await;
        if let Some((t, until)) = cached.as_ref() {
            if Instant::now() < *until {
                return Ok(t.clone());
            }
        }
        let body = form(&[
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose().as_str()),
        ]);
        let client = shared().map_err(ProviderError::Transient)?;
        let req = client.post(&self.token_url).header("content-type", "application/x-www-form-urlencoded").body(body);
        let resp = req.send().await.map_err(|_| transient("token"))?;
        let status = resp.status();
        if !status.is_success() {
            // Drop's credentials: never a refusal of what the user asked.
            return Err(ProviderError::Transient(format!("token {}", status.as_u16())));
        }
        let body: wire::Token = resp.json().await.map_err(|_| transient("token answer"))?;
        let life = Duration::from_secs(body.expires_in.saturating_sub(60).max(1));
        let token = Secret::new(body.access_token);
        *cached = Some((token.clone(), Instant::now() + life));
        Ok(token)
    }

    /// Runs a document; `user`: impersonated. Retries transient failures with backoff; a 401
    /// drops the cached token and tries once more with a fresh one.
    async fn call(&self, query: &str, variables: Value, user: Option<&str>) -> Result<Value, ProviderError> {
        let mut last = transient("no attempt");
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
            let token = self.project_token().await?;
            let client = shared().map_err(ProviderError::Transient)?;
            let mut req = client
                .post(&self.graphql_url)
                .bearer_auth(token.expose())
                .json(&json!({"query": query, "variables": variables}));
            if let Some(u) = user {
                req = req.header("x-swan-user-id", u);
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(_) => {
                    last = transient("connection failed");
                    continue;
                }
            };
            let status = resp.status().as_u16();
            if status == 401 {
                *self.token.lock().await = None;
                last = ProviderError::Transient("401".into());
                continue;
            }
            if status == 429 || status >= 500 {
                last = ProviderError::Transient(status.to_string());
                continue;
            }
            let answer: GraphQlAnswer = resp.json().await.map_err(|_| transient("unreadable answer"))?;
            if let Some(e) = answer.errors.first() {
                // Query errors: the document or its variables (Drop's side).
                return Err(ProviderError::Rejected(format!("graphql: {}", e.message)));
            }
            if status >= 400 {
                return Err(ProviderError::Rejected(status.to_string()));
            }
            return answer.data.ok_or_else(|| transient("no data"));
        }
        Err(last)
    }
}

fn transient(what: &str) -> ProviderError {
    ProviderError::Transient(what.to_owned())
}

fn field<T: serde::de::DeserializeOwned>(data: Value, name: &str) -> Result<T, ProviderError> {
    serde_json::from_value(data.get(name).cloned().unwrap_or(Value::Null))
        .map_err(|e| ProviderError::Transient(format!("unexpected {name}: {e}")))
}

#[async_trait]
impl BankingProvider for SwanClient {
    async fn open_account(&self, r: &OpenAccount) -> Result<Onboarding, ProviderError> {
        let input = json!({
            "accountInfo": {"country": r.country, "name": r.account_name},
            "accountAdmin": {
                "email": r.email.expose(),
                "firstName": r.first_name.expose(),
                "lastName": r.last_name.expose(),
                "birthDate": r.birth_date.expose(),
                "preferredLanguage": "en",
            },
            "oAuthRedirectParameters": {"redirectUrl": r.redirect_url, "state": r.state},
        });
        let data = self.call(documents::OPEN_ACCOUNT, json!({"input": input}), None).await?;
        match field::<OnboardingPayload>(data, "createIndividualAccountHolderOnboarding")? {
            OnboardingPayload::CreateIndividualAccountHolderOnboardingSuccessPayload { onboarding } => {
                Ok(onboarding.into_port())
            }
            other => Err(ProviderError::Rejected(other.rejection())),
        }
    }

    async fn onboarding(&self, id: &str) -> Result<Option<Onboarding>, ProviderError> {
        let data = self.call(documents::ONBOARDING, json!({"id": id}), None).await?;
        Ok(field::<Option<wire::Onboarding>>(data, "onboarding")?.map(|o| o.into_port()))
    }

    async fn account(&self, account_id: &str) -> Result<Option<WalletAccount>, ProviderError> {
        let data = self.call(documents::ACCOUNT, json!({"accountId": account_id}), None).await?;
        field::<Option<wire::Account>>(data, "account")?.map(wire::Account::into_port).transpose()
    }

    async fn transaction(&self, id: &str) -> Result<Option<WalletTransaction>, ProviderError> {
        let data = self.call(documents::TRANSACTION, json!({"id": id}), None).await?;
        field::<Option<wire::Transaction>>(data, "transaction")?.map(wire::Transaction::into_port).transpose()
    }

    async fn transactions(
        &self,
        account_id: &str,
        since: Option<&str>,
        after: Option<&str>,
    ) -> Result<TransactionPage, ProviderError> {
        let vars = json!({"accountId": account_id, "first": 100, "after": after, "since": since});
        let data = self.call(documents::TRANSACTIONS, vars, None).await?;
        let Some(account) = field::<Option<wire::AccountTransactions>>(data, "account")? else {
            return Ok(TransactionPage { transactions: vec![], next: None });
        };
        let c = account.transactions;
        let transactions =
            c.edges.into_iter().map(|e| e.node.into_port()).collect::<Result<Vec<_>, ProviderError>>()?;
        let next = c.page_info.end_cursor.filter(|_| c.page_info.has_next_page);
        Ok(TransactionPage { transactions, next })
    }

    async fn send(&self, user_id: &str, o: &SepaOrder, key: &str) -> Result<WalletPayment, ProviderError> {
        let input = json!({
            "accountId": o.account_id,
            "consentRedirectUrl": o.consent_redirect_url,
            "idempotencyKey": key,
            "creditTransfers": [{
                "amount": {"value": decimal(o.amount, 2), "currency": "EUR"},
                "sepaBeneficiary": {"iban": o.beneficiary_iban.expose(), "name": o.beneficiary_name.expose(), "save": false},
                "reference": o.reference,
                "externalReference": o.external_reference,
            }],
        });
        let data = self.call(documents::SEND, json!({"input": input}), Some(user_id)).await?;
        match field::<InitiatePayload>(data, "initiateCreditTransfers")? {
            InitiatePayload::InitiateCreditTransfersSuccessPayload { payment } => payment.into_port(),
            other => Err(ProviderError::Rejected(other.rejection())),
        }
    }

    async fn payment(&self, id: &str) -> Result<Option<WalletPayment>, ProviderError> {
        let data = self.call(documents::PAYMENT, json!({"id": id}), None).await?;
        field::<Option<wire::Payment>>(data, "payment")?.map(|p| p.into_port()).transpose()
    }
}
