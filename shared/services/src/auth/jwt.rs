//! Compact JWS (JWT) encoding and strict verification for the two algorithms Drop uses: RS256
//! (our access tokens) and ES256 (BankID ID tokens). The verifier is told which algorithm it
//! expects; anything else (`none`, `HS256`, a swapped algorithm) is refused before any key is used.
//!
//! Signatures are checked by `jsonwebtoken` (aws-lc-rs backend), pinned to the one algorithm and to
//! the key the header's `kid` names, with a key of that algorithm's type. The claims (`iss`, `aud`,
//! `exp`, `iat`, `nonce`) are checked by the callers against Drop's injectable clock, which
//! `jsonwebtoken`'s time checks (the system clock) cannot use: its claim validation is switched off.
//! Issuing stays here (the signature comes from the `TokenSigner`, KMS in AWS).

use aws_lc_rs::signature::{self, RsaPublicKeyComponents};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("token is malformed")]
    Malformed,
    #[error("algorithm is not allowed")]
    Algorithm,
    #[error("signing key is unknown")]
    UnknownKey,
    #[error("signature does not verify")]
    Signature,
    #[error("token has expired")]
    Expired,
    #[error("claims are invalid")]
    Claims,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Header {
    pub alg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
}

/// A public key as published in a JWKS.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub kid: String,
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

impl Jwk {
    pub fn rsa(kid: &str, n: &[u8], e: &[u8]) -> Self {
        Jwk {
            kty: "RSA".into(),
            kid: kid.into(),
            use_: Some("sig".into()),
            alg: Some("RS256".into()),
            n: Some(B64.encode(n)),
            e: Some(B64.encode(e)),
            crv: None,
            x: None,
            y: None,
        }
    }

    /// From an uncompressed P-256 point (`04 || x || y`).
    pub fn p256(kid: &str, point: &[u8]) -> Option<Self> {
        if point.len() != 65 || point[0] != 4 {
            return None;
        }
        Some(Jwk {
            kty: "EC".into(),
            kid: kid.into(),
            use_: Some("sig".into()),
            alg: Some("ES256".into()),
            n: None,
            e: None,
            crv: Some("P-256".into()),
            x: Some(B64.encode(&point[1..33])),
            y: Some(B64.encode(&point[33..])),
        })
    }
}

/// `base64url(header).base64url(claims)`: the bytes to sign.
pub fn signing_input(header: &Header, claims: &serde_json::Value) -> String {
    let h = serde_json::to_vec(header).unwrap_or_default();
    let c = serde_json::to_vec(claims).unwrap_or_default();
    format!("{}.{}", B64.encode(h), B64.encode(c))
}

pub fn assemble(signing_input: &str, signature: &[u8]) -> String {
    format!("{signing_input}.{}", B64.encode(signature))
}

/// A token split into its parts (nothing verified yet).
pub struct Parsed {
    pub header: Header,
    pub claims: serde_json::Value,
    /// The compact token as received.
    pub token: String,
}

pub fn parse(token: &str) -> Result<Parsed, JwtError> {
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(JwtError::Malformed);
    };
    let header: Header =
        serde_json::from_slice(&B64.decode(h).map_err(|_| JwtError::Malformed)?).map_err(|_| JwtError::Malformed)?;
    let claims: serde_json::Value =
        serde_json::from_slice(&B64.decode(c).map_err(|_| JwtError::Malformed)?).map_err(|_| JwtError::Malformed)?;
    if !claims.is_object() {
        return Err(JwtError::Malformed);
    }
    B64.decode(s).map_err(|_| JwtError::Malformed)?;
    Ok(Parsed { header, claims, token: token.to_owned() })
}

/// Verifies the signature with the key whose `kid` the header names. `alg` is the one algorithm
/// accepted; the key must be of its type.
pub fn verify(p: &Parsed, alg: &str, keys: &[Jwk]) -> Result<(), JwtError> {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    let algorithm = match alg {
        "RS256" => Algorithm::RS256,
        "ES256" => Algorithm::ES256,
        _ => return Err(JwtError::Algorithm),
    };
    if p.header.alg != alg {
        return Err(JwtError::Algorithm);
    }
    let kid = p.header.kid.as_deref().ok_or(JwtError::UnknownKey)?;
    let key = keys.iter().find(|k| k.kid == kid).ok_or(JwtError::UnknownKey)?;
    let part = |v: &Option<String>| v.clone().ok_or(JwtError::UnknownKey);
    let decoding = match (algorithm, key.kty.as_str()) {
        (Algorithm::RS256, "RSA") => DecodingKey::from_rsa_components(&part(&key.n)?, &part(&key.e)?),
        (Algorithm::ES256, "EC") if key.crv.as_deref() == Some("P-256") => {
            DecodingKey::from_ec_components(&part(&key.x)?, &part(&key.y)?)
        }
        _ => return Err(JwtError::Algorithm),
    }
    .map_err(|_| JwtError::UnknownKey)?;
    let mut v = Validation::new(algorithm);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    match jsonwebtoken::decode::<serde_json::Value>(&p.token, &decoding, &v) {
        Ok(_) => Ok(()),
        Err(e) => Err(match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => JwtError::Algorithm,
            jsonwebtoken::errors::ErrorKind::InvalidToken | jsonwebtoken::errors::ErrorKind::Base64(_) => {
                JwtError::Malformed
            }
            _ => JwtError::Signature,
        }),
    }
}

/// Reads one DER element: (tag, content, rest).
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        (rest[..n].iter().fold(0usize, |a, b| (a << 8) | *b as usize), &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

fn unsigned(int: &[u8]) -> Vec<u8> {
    let start = int.iter().position(|b| *b != 0).unwrap_or(int.len().saturating_sub(1));
    int[start..].to_vec()
}

/// Modulus and exponent from an X.509 SubjectPublicKeyInfo holding an RSA key.
/// An RSA public key's modulus and exponent (big-endian, unsigned).
pub struct RsaPublic {
    pub n: Vec<u8>,
    pub e: Vec<u8>,
}

pub fn rsa_from_spki(spki: &[u8]) -> Option<RsaPublic> {
    let (0x30, body, _) = der(spki)? else { return None };
    let (0x30, _alg, rest) = der(body)? else { return None };
    let (0x03, bits, _) = der(rest)? else { return None };
    let (&0, key) = bits.split_first()? else { return None };
    let (0x30, seq, _) = der(key)? else { return None };
    let (0x02, n, rest) = der(seq)? else { return None };
    let (0x02, e, _) = der(rest)? else { return None };
    Some(RsaPublic { n: unsigned(n), e: unsigned(e) })
}

/// Verifies an RSASSA-PKCS1-v1_5 SHA-256 signature with an RSA public key given as a
/// SubjectPublicKeyInfo (DER).
pub fn verify_rsa_sha256(spki: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Some(k) = rsa_from_spki(spki) else { return false };
    RsaPublicKeyComponents { n: &k.n, e: &k.e }
        .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, signature)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

    fn es256() -> (EcdsaKeyPair, Jwk) {
        let kp = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let jwk = Jwk::p256("k1", kp.public_key().as_ref()).unwrap();
        (kp, jwk)
    }

    fn token(kp: &EcdsaKeyPair, h: Header, claims: serde_json::Value) -> String {
        let input = signing_input(&h, &claims);
        let sig = kp.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
        assemble(&input, sig.as_ref())
    }

    #[test]
    fn es256_round_trip_and_refusals() {
        let (kp, jwk) = es256();
        let h = Header { alg: "ES256".into(), kid: Some("k1".into()), typ: Some("JWT".into()) };
        let t = token(&kp, h.clone(), serde_json::json!({"sub": "x"}));
        let p = parse(&t).unwrap();
        assert_eq!(verify(&p, "ES256", std::slice::from_ref(&jwk)), Ok(()));
        assert_eq!(verify(&p, "RS256", std::slice::from_ref(&jwk)), Err(JwtError::Algorithm));
        assert_eq!(verify(&p, "ES256", &[]), Err(JwtError::UnknownKey));
        // Tampered claims.
        let mut parts: Vec<&str> = t.split('.').collect();
        let forged = B64.encode(br#"{"sub":"admin"}"#);
        parts[1] = &forged;
        let p = parse(&parts.join(".")).unwrap();
        assert_eq!(verify(&p, "ES256", std::slice::from_ref(&jwk)), Err(JwtError::Signature));
        // alg none.
        let none = format!("{}.{}.", B64.encode(br#"{"alg":"none","kid":"k1"}"#), B64.encode(br#"{"sub":"x"}"#));
        assert_eq!(verify(&parse(&none).unwrap(), "ES256", &[jwk]), Err(JwtError::Algorithm));
        assert!(parse("a.b").is_err());
        assert!(parse("a.b.c.d").is_err());
    }
}
