//! BankID login: the `IdentityProvider` port (an OIDC client), the one-time login state (state,
//! nonce and PKCE verifier, 10 minutes), and the admission rules: 18 or older in Europe/Oslo, and
//! resident.
//!
//! Residency rule (decision D1 of `reference/identity.md`): BankID carries no residency claim, so
//! Drop admits holders of a fødselsnummer — the number Folkeregisteret gives people registered as
//! living in Norway. D-numbers are issued to people who are not (yet) registered residents and are
//! refused unless `ALLOW_D_NUMBER=true`. Synthetic test numbers (+40/+65/+80) are admitted only
//! outside production. A login without `nnin_altsub` is refused: residency cannot be shown.

use super::{random_token, AuthError};
use crate::table::{Condition, Item, Key, Table, TableError, TTL_ATTR};
use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use drop_domain::keys::attr;
use drop_domain::nin::{Nin, NinKind};
use drop_domain::Secret;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

pub const STATE_TTL_SECS: i64 = 600;

/// `BASE64URL-NOPAD(SHA-256(verifier))` (RFC 7636 S256).
pub fn pkce_challenge(verifier: &str) -> String {
    B64.encode(Sha256::digest(verifier.as_bytes()))
}

/// The verified claims of an ID token that Drop uses.
#[derive(Debug, Clone)]
pub struct IdClaims {
    /// `bankid_altsub`, the BankID PID.
    pub pid: Option<Secret<String>>,
    pub nnin: Option<Secret<String>>,
    pub birthdate: Option<String>,
    pub name: Option<Secret<String>>,
    pub given_name: Option<Secret<String>>,
    pub family_name: Option<Secret<String>>,
    pub acr: Option<String>,
}

#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// The URL to send the browser to.
    async fn authorize_url(&self, state: &str, nonce: &str, code_challenge: &str) -> Result<String, AuthError>;
    /// Redeems the code and returns the ID token's claims after full verification (signature via
    /// JWKS, `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`).
    async fn exchange(&self, code: &str, code_verifier: &str, nonce: &str) -> Result<IdClaims, AuthError>;
}

fn state_key(state: &str) -> Key {
    Key::new(drop_domain::keys::oidc_pk(&super::sha256_hex(state.as_bytes())), drop_domain::keys::OIDC_SK)
}

/// Starts a login: stores state, nonce and verifier (10 minutes) and returns the authorize URL
/// and the state (to bind to the browser).
pub async fn start(table: &dyn Table, idp: &dyn IdentityProvider, now: i64) -> Result<(String, String), AuthError> {
    let (state, nonce, verifier) = (random_token(32), random_token(32), random_token(32));
    let key = state_key(&state);
    let item = Item::new(key.pk, key.sk)
        .with(attr::NONCE, nonce.clone())
        .with(attr::VERIFIER, verifier.clone())
        .with(TTL_ATTR, now + STATE_TTL_SECS);
    table.put(item, Some(Condition::absent())).await?;
    let url = idp.authorize_url(&state, &nonce, &pkce_challenge(&verifier)).await?;
    Ok((url, state))
}

/// Consumes the login state (once) and redeems the code.
pub async fn finish(
    table: &dyn Table,
    idp: &dyn IdentityProvider,
    code: &str,
    state: &str,
) -> Result<IdClaims, AuthError> {
    let key = state_key(state);
    let item = table.get(&key).await?.ok_or(AuthError::LoginState)?;
    match table.delete(&key, Some(Condition::present())).await {
        Ok(()) => {}
        Err(TableError::ConditionFailed { .. }) => return Err(AuthError::LoginState),
        Err(e) => return Err(e.into()),
    }
    let (Some(nonce), Some(verifier)) = (item.s(attr::NONCE), item.s(attr::VERIFIER)) else {
        return Err(AuthError::LoginState);
    };
    idp.exchange(code, verifier, nonce).await
}

#[derive(Debug, Clone, Copy)]
pub struct Admission {
    pub allow_d_number: bool,
    pub allow_synthetic: bool,
}

/// Applies the age and residency rules; returns the checked identity number.
pub fn admit(claims: &IdClaims, rules: Admission, now: OffsetDateTime) -> Result<Nin, AuthError> {
    let today = drop_domain::age::oslo_date(now);
    let raw = claims.nnin.as_ref().ok_or(AuthError::NotResident("no national identity number"))?;
    let nin = Nin::parse(raw.expose(), today).map_err(|e| AuthError::Identity(e.to_string()))?;
    match nin.kind() {
        NinKind::Fnr => {}
        NinKind::Dnr if rules.allow_d_number => {}
        NinKind::Dnr => return Err(AuthError::NotResident("D-number")),
        k if k.is_synthetic() && rules.allow_synthetic => {}
        _ => return Err(AuthError::NotResident("identity number type")),
    }
    let birth = claims
        .birthdate
        .as_deref()
        .and_then(|b| time::Date::parse(b, time::macros::format_description!("[year]-[month]-[day]")).ok())
        .or(nin.birth_date())
        .ok_or(AuthError::Identity("no birth date".into()))?;
    if drop_domain::age::age_on(birth, today) < 18 {
        return Err(AuthError::Underage);
    }
    Ok(nin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_rfc7636_vector() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    fn claims(nnin: &str, birthdate: Option<&str>) -> IdClaims {
        IdClaims {
            pid: None,
            nnin: Some(Secret::new(nnin.into())),
            birthdate: birthdate.map(Into::into),
            name: None,
            given_name: None,
            family_name: None,
            acr: None,
        }
    }

    const RULES: Admission = Admission { allow_d_number: false, allow_synthetic: true };
    const NOW: OffsetDateTime = time::macros::datetime!(2026-11-24 12:00 UTC);

    #[test]
    fn admission_rules() {
        assert!(admit(&claims("13097248022", Some("1972-09-13")), RULES, NOW).is_ok());
        assert!(matches!(admit(&claims("15021951940", None), RULES, NOW), Err(AuthError::Underage)));
        assert!(matches!(admit(&claims("53097248016", None), RULES, NOW), Err(AuthError::NotResident(_))));
        assert!(admit(&claims("53097248016", None), Admission { allow_d_number: true, ..RULES }, NOW).is_ok());
        assert!(admit(&claims("10915596784", None), RULES, NOW).is_ok());
        assert!(admit(&claims("10915596784", None), Admission { allow_synthetic: false, ..RULES }, NOW).is_err());
        assert!(matches!(admit(&claims("13097248023", None), RULES, NOW), Err(AuthError::Identity(_))));
        let mut none = claims("13097248022", None);
        none.nnin = None;
        assert!(matches!(admit(&none, RULES, NOW), Err(AuthError::NotResident(_))));
    }
}
