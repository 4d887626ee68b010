//! BankID OIDC v4 client (`IdentityProvider`): discovery (cached), authorize URL with PKCE S256,
//! token exchange with `client_secret_basic`, and full ID token verification: ES256 only, `kid`
//! from the JWKS (re-fetched once on an unknown `kid`), `iss`, `aud`, `azp`, `exp`/`iat` with 60 s
//! skew, `nonce`, `typ`. Facts: `reference/identity.md` §1.

use super::http::form_encode;
use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD as B64STD;
use base64::Engine;
use drop_domain::Secret;
use drop_services::auth::jwt::{self, Jwks, JwtError};
use drop_services::auth::login::{IdClaims, IdentityProvider};
use drop_services::auth::AuthError;
use drop_services::Clock;
use std::sync::Arc;
use tokio::sync::RwLock;

const SKEW: i64 = 60;

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
}

pub struct BankIdConfig {
    /// The issuer; discovery is `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// Only the functions that finish logins have it (starting one needs no secret).
    pub client_secret: Option<Secret<String>>,
    pub redirect_uri: String,
}

pub struct BankIdClient {
    cfg: BankIdConfig,
    clock: Arc<dyn Clock>,
    discovery: RwLock<Option<Discovery>>,
    jwks: RwLock<Option<Jwks>>,
}

fn provider(e: impl std::fmt::Display) -> AuthError {
    AuthError::Provider(e.to_string())
}

impl BankIdClient {
    pub fn new(cfg: BankIdConfig, clock: Arc<dyn Clock>) -> Result<Self, AuthError> {
        Ok(BankIdClient { cfg, clock, discovery: RwLock::new(None), jwks: RwLock::new(None) })
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, AuthError> {
        super::http::shared()
            .map_err(AuthError::Provider)?
            .get(url)
            .send()
            .await
            .map_err(provider)?
            .error_for_status()
            .map_err(provider)?
            .json()
            .await
            .map_err(provider)
    }

    async fn discovery(&self) -> Result<Discovery, AuthError> {
        if let Some(d) = self.discovery.read().await.clone() {
            return Ok(d);
        }
        let url = format!("{}/.well-known/openid-configuration", self.cfg.issuer.trim_end_matches('/'));
        let d: Discovery = self.get_json(&url).await?;
        if d.issuer != self.cfg.issuer {
            return Err(AuthError::Provider("discovery issuer does not match the configured issuer".into()));
        }
        *self.discovery.write().await = Some(d.clone());
        Ok(d)
    }

    async fn jwks(&self, refresh: bool) -> Result<Jwks, AuthError> {
        if !refresh {
            if let Some(j) = self.jwks.read().await.clone() {
                return Ok(j);
            }
        }
        let d = self.discovery().await?;
        let j: Jwks = self.get_json(&d.jwks_uri).await?;
        *self.jwks.write().await = Some(j.clone());
        Ok(j)
    }

    /// Verifies an ID token and returns its claims.
    pub async fn verify_id_token(&self, token: &str, nonce: &str) -> Result<IdClaims, AuthError> {
        let d = self.discovery().await?;
        let parsed = jwt::parse(token)?;
        match jwt::verify(&parsed, "ES256", &self.jwks(false).await?.keys) {
            Err(JwtError::UnknownKey) if parsed.header.alg == "ES256" => {
                jwt::verify(&parsed, "ES256", &self.jwks(true).await?.keys)?
            }
            other => other?,
        }
        let c = &parsed.claims;
        let s = |k: &str| c.get(k).and_then(|v| v.as_str());
        let n = |k: &str| c.get(k).and_then(|v| v.as_i64());
        let now = self.clock.epoch();
        let aud_ok = match c.get("aud") {
            Some(serde_json::Value::String(a)) => a == &self.cfg.client_id,
            Some(serde_json::Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(self.cfg.client_id.as_str())),
            _ => false,
        };
        let azp_ok = s("azp").is_none_or(|a| a == self.cfg.client_id);
        if s("iss") != Some(d.issuer.as_str()) || !aud_ok || !azp_ok {
            return Err(JwtError::Claims.into());
        }
        match (n("exp"), n("iat")) {
            (Some(exp), Some(iat)) if exp > now - SKEW && iat <= now + SKEW => {}
            (Some(_), Some(_)) => return Err(JwtError::Expired.into()),
            _ => return Err(JwtError::Claims.into()),
        }
        let nonce_ok = s("nonce").is_some_and(|x| drop_services::auth::ct_eq(x.as_bytes(), nonce.as_bytes()));
        if !nonce_ok || s("typ").is_some_and(|t| t != "ID") {
            return Err(JwtError::Claims.into());
        }
        let secret = |k: &str| s(k).map(|v| Secret::new(v.to_owned()));
        Ok(IdClaims {
            pid: secret("bankid_altsub"),
            nnin: secret("nnin_altsub"),
            birthdate: s("birthdate").map(str::to_owned),
            name: secret("name"),
            given_name: secret("given_name"),
            family_name: secret("family_name"),
            acr: s("acr").map(str::to_owned),
        })
    }
}

#[async_trait]
impl IdentityProvider for BankIdClient {
    async fn authorize_url(&self, state: &str, nonce: &str, code_challenge: &str) -> Result<String, AuthError> {
        let d = self.discovery().await?;
        let sep = if d.authorization_endpoint.contains('?') { '&' } else { '?' };
        Ok(format!(
            "{}{sep}client_id={}&redirect_uri={}&response_type=code&scope={}&state={}&nonce={}&code_challenge={}&code_challenge_method=S256&acr_values={}&api_version=4",
            d.authorization_endpoint,
            form_encode(&self.cfg.client_id),
            form_encode(&self.cfg.redirect_uri),
            form_encode("openid profile nnin_altsub"),
            form_encode(state),
            form_encode(nonce),
            form_encode(code_challenge),
            form_encode("urn:bankid:bid"),
        ))
    }

    async fn exchange(&self, code: &str, code_verifier: &str, nonce: &str) -> Result<IdClaims, AuthError> {
        let secret = self.cfg.client_secret.as_ref().ok_or(AuthError::Unwired("BankIdExchange"))?;
        let d = self.discovery().await?;
        let basic = B64STD.encode(format!("{}:{}", form_encode(&self.cfg.client_id), form_encode(secret.expose())));
        let body = format!(
            "grant_type=authorization_code&code={}&redirect_uri={}&code_verifier={}",
            form_encode(code),
            form_encode(&self.cfg.redirect_uri),
            form_encode(code_verifier)
        );
        let resp = super::http::shared()
            .map_err(AuthError::Provider)?
            .post(&d.token_endpoint)
            .header("authorization", format!("Basic {basic}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(provider)?;
        let status = resp.status();
        let v: serde_json::Value = resp.json().await.map_err(provider)?;
        if !status.is_success() {
            let code = v.get("error").and_then(|e| e.as_str()).unwrap_or("error").to_owned();
            return Err(AuthError::ProviderRefused(code));
        }
        let id_token = v.get("id_token").and_then(|t| t.as_str()).ok_or(AuthError::Provider("no id_token".into()))?;
        self.verify_id_token(id_token, nonce).await
    }
}
