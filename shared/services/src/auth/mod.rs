//! Identity and access: BankID login (OIDC), sessions (RS256 access tokens, rotating refresh
//! tokens), users and their contact details, one-time codes, rate limits.

pub mod jwt;
pub mod login;
pub mod notifier;
pub mod otp;
pub mod ratelimit;
pub mod refresh;
pub mod signing;
pub mod tokens;
pub mod users;

use crate::table::TableError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("token: {0}")]
    Token(#[from] jwt::JwtError),
    #[error("session is not valid")]
    Session,
    #[error("refresh token was used twice; the session family is revoked")]
    Reuse,
    #[error("login state is unknown or used")]
    LoginState,
    #[error("identity provider: {0}")]
    Provider(String),
    #[error("identity provider refused: {0}")]
    ProviderRefused(String),
    #[error("under 18")]
    Underage,
    #[error("not resident: {0}")]
    NotResident(&'static str),
    #[error("identity number: {0}")]
    Identity(String),
    #[error("code is wrong or expired")]
    Code,
    #[error("too many attempts")]
    Attempts,
    #[error("{0}")]
    Invalid(&'static str),
    #[error("already in use")]
    Taken,
    #[error("not found")]
    NotFound,
    #[error("signer: {0}")]
    Signer(String),
    #[error("crypto: {0}")]
    Crypto(#[from] crate::crypto::CryptoError),
    #[error("storage: {0}")]
    Storage(#[from] TableError),
    #[error("notifier: {0}")]
    Notify(String),
}

/// Base64url without padding of fresh random bytes.
pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// Constant-time equality of two byte strings.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
