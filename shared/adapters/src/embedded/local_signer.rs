//! `TokenSigner` with local RSA keys: generated here, stored only encrypted (the handle is the
//! envelope of the PKCS#8 key under the local key provider), parsed once per process.

use async_trait::async_trait;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RsaKeyPair, RSA_PKCS1_SHA256};
use drop_services::auth::signing::{RsaPublic, TokenSigner};
use drop_services::auth::AuthError;
use drop_services::aws_calls::SIGNING_KEY;
use drop_services::crypto::{Aad, Crypto};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct LocalSigner {
    crypto: Arc<Crypto>,
    keys: Mutex<HashMap<String, Arc<RsaKeyPair>>>,
}

fn aad(kid: &str) -> Aad<'_> {
    Aad { table: "signing-keys", pk: kid, sk: "KEY", attribute: "pkcs8" }
}

fn err(e: impl std::fmt::Display) -> AuthError {
    AuthError::Signer(e.to_string())
}

impl LocalSigner {
    pub fn new(crypto: Arc<Crypto>) -> Self {
        LocalSigner { crypto, keys: Mutex::new(HashMap::new()) }
    }

    async fn key(&self, kid: &str, handle: &str) -> Result<Arc<RsaKeyPair>, AuthError> {
        if let Some(k) = self.keys.lock().map_err(err)?.get(kid) {
            return Ok(k.clone());
        }
        let der = self.crypto.decrypt(aad(kid), handle).await?;
        let kp = Arc::new(RsaKeyPair::from_pkcs8(der.expose()).map_err(err)?);
        self.keys.lock().map_err(err)?.insert(kid.to_owned(), kp.clone());
        Ok(kp)
    }
}

#[async_trait]
impl TokenSigner for LocalSigner {
    fn kind(&self) -> &'static str {
        "local"
    }

    // Each operation notes the KMS actions it stands for; wrapping the key with the local data
    // key is this stand-in's own work (KMS holds the key in AWS).
    async fn create_key(&self, kid: &str) -> Result<String, AuthError> {
        drop_services::aws_calls::record("kms:CreateKey", SIGNING_KEY);
        drop_services::aws_calls::record("kms:TagResource", SIGNING_KEY);
        let kp =
            tokio::task::spawn_blocking(|| RsaKeyPair::generate(KeySize::Rsa2048)).await.map_err(err)?.map_err(err)?;
        let der = kp.as_der().map_err(err)?;
        let handle = drop_services::aws_calls::within(
            drop_services::aws_calls::OUTSIDE,
            self.crypto.encrypt(aad(kid), der.as_ref()),
        )
        .await?;
        self.keys.lock().map_err(err)?.insert(kid.to_owned(), Arc::new(kp));
        Ok(handle)
    }

    async fn sign(&self, kid: &str, handle: &str, message: &[u8]) -> Result<Vec<u8>, AuthError> {
        drop_services::aws_calls::record("kms:Sign", SIGNING_KEY);
        let kp = drop_services::aws_calls::within(drop_services::aws_calls::OUTSIDE, self.key(kid, handle)).await?;
        let mut sig = vec![0u8; kp.public_modulus_len()];
        kp.sign(&RSA_PKCS1_SHA256, &aws_lc_rs::rand::SystemRandom::new(), message, &mut sig).map_err(err)?;
        Ok(sig)
    }

    async fn public_key(&self, kid: &str, handle: &str) -> Result<RsaPublic, AuthError> {
        drop_services::aws_calls::record("kms:GetPublicKey", SIGNING_KEY);
        let kp = drop_services::aws_calls::within(drop_services::aws_calls::OUTSIDE, self.key(kid, handle)).await?;
        let public = kp.public_key();
        Ok(RsaPublic {
            n: public.modulus().big_endian_without_leading_zero().to_vec(),
            e: public.exponent().big_endian_without_leading_zero().to_vec(),
        })
    }

    async fn retire(&self, _handle: &str) -> Result<(), AuthError> {
        drop_services::aws_calls::record("kms:ScheduleKeyDeletion", SIGNING_KEY);
        Ok(())
    }
}
