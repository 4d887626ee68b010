//! Identity and access: BankID login (OIDC), sessions (RS256 access tokens, rotating refresh
//! tokens), users and their contact details, one-time codes, rate limits.

pub mod jwt;
pub mod login;
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
    Notify(#[from] crate::notify::NotifyError),
    /// The function is not wired with this (a registry mistake; a 500).
    #[error("this function is not wired with {0}")]
    Unwired(&'static str),
}

/// Base64url without padding of fresh random bytes.
pub use crate::digest::{ct_eq, random_token, sha256_hex};
