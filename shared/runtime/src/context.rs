//! The composition root: built once per cold start (or once for the local stack), it picks the
//! AWS adapters in Lambda and the embedded ones on a laptop.

use crate::config::{Adapters, Config};
use crate::metrics::Metrics;
use drop_adapters::aws::{AwsNotifier, DynamoTable, KmsKeys, KmsSigner, S3Objects, SecretsManagerStore, SqsQueue};
use drop_adapters::embedded::{
    DirObjects, FileSecrets, LocalKeys, LocalNotifier, LocalSigner, SqliteQueue, SqliteStore, SqliteTable,
};
use drop_adapters::providers::bankid::{BankIdClient, BankIdConfig};
use drop_domain::Secret;
use drop_services::auth::login::IdentityProvider;
use drop_services::auth::signing::TokenSigner;
use drop_services::auth::tokens::TokenService;
use drop_services::crypto::{Crypto, KeyCachePolicy, KeyProvider};
use drop_services::notify::Notifier;
use drop_services::queue::JobQueue;
use drop_services::secrets::SecretStore;
use drop_services::{Clock, SystemClock, Table};
use std::sync::Arc;

pub struct Ctx {
    pub config: Config,
    pub table: Arc<dyn Table>,
    pub audit: Arc<dyn Table>,
    pub crypto: Arc<Crypto>,
    pub queue: Arc<dyn JobQueue>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Metrics,
    pub tokens: Arc<TokenService>,
    pub remit: Arc<drop_services::remit::payments::Remit>,
    /// The screening list this function screens with (none loaded: screening fails closed).
    pub lists: Arc<drop_services::screening_list::Lists>,
    /// The bucket the screening list is published in (`SCREENING_BUCKET`).
    pub objects: Option<Arc<dyn drop_services::objects::ObjectStore>>,
    pub idp: Arc<dyn IdentityProvider>,
    pub notifier: Arc<dyn Notifier>,
    /// Set when embedded: the SQLite store the tables and queues share.
    pub store: Option<SqliteStore>,
    /// Set when embedded: the kept messages (`GET /_local/messages`).
    pub local_messages: Option<Arc<LocalNotifier>>,
    /// Table round trips so far (main and audit), when counting is on.
    pub table_calls: Option<Arc<std::sync::atomic::AtomicU64>>,
    /// The secret store (rotation reads and writes it; everyone else reads at init).
    pub secrets: Arc<dyn SecretStore>,
    /// Seals paging cursors (`CURSOR_KEY_SECRET_ID`), when this function gives them out.
    pub cursor_key: Option<Arc<drop_services::secrets::rotating::RotatingKey>>,
}

/// The audience of access tokens.
pub const TOKEN_AUDIENCE: &str = "drop-api";

struct Parts {
    table: Arc<dyn Table>,
    audit: Arc<dyn Table>,
    crypto: Arc<Crypto>,
    queue: Arc<dyn JobQueue>,
    signer: Arc<dyn TokenSigner>,
    notifier: Arc<dyn Notifier>,
    store: Option<SqliteStore>,
    local_messages: Option<Arc<LocalNotifier>>,
    secrets: Arc<dyn SecretStore>,
    objects: Option<Arc<dyn drop_services::objects::ObjectStore>>,
}

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("config: {0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("storage: {0}")]
    Storage(String),
    #[error("keys: {0}")]
    Keys(String),
    #[error("secrets: {0}")]
    Secrets(String),
}

impl Ctx {
    pub async fn from_config(config: Config, metrics: Metrics) -> Result<Self, InitError> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let p = match config.adapters {
            Adapters::Aws => {
                let sdk = drop_adapters::aws::sdk_config().await;
                let ddb = aws_sdk_dynamodb::Client::new(&sdk);
                let kms = aws_sdk_kms::Client::new(&sdk);
                let keys: Arc<dyn KeyProvider> = Arc::new(KmsKeys::new(
                    kms.clone(),
                    config.pii_key_id.as_deref().unwrap_or_default(),
                    config.blind_index_key_id.as_deref().unwrap_or_default(),
                ));
                Parts {
                    table: Arc::new(DynamoTable::new(ddb.clone(), &config.table_name, clock.clone())),
                    audit: Arc::new(DynamoTable::new(ddb, &config.audit_table_name, clock.clone())),
                    crypto: Arc::new(Crypto::new(keys, KeyCachePolicy::default())),
                    queue: Arc::new(SqsQueue::new(aws_sdk_sqs::Client::new(&sdk))),
                    signer: Arc::new(KmsSigner::new(kms)),
                    notifier: Arc::new(AwsNotifier::new(
                        aws_sdk_sns::Client::new(&sdk),
                        aws_sdk_sesv2::Client::new(&sdk),
                        &config.notify_from,
                    )),
                    store: None,
                    local_messages: None,
                    secrets: Arc::new(SecretsManagerStore::new(aws_sdk_secretsmanager::Client::new(&sdk))),
                    objects: config.screening_bucket.as_deref().map(|bucket| {
                        let client = S3Objects::client(&sdk);
                        Arc::new(S3Objects::new(client, bucket, config.screening_list_key_id.as_deref()))
                            as Arc<dyn drop_services::objects::ObjectStore>
                    }),
                }
            }
            Adapters::Embedded => {
                let store = SqliteStore::open(&config.db_path).map_err(|e| InitError::Storage(e.to_string()))?;
                let keys = LocalKeys::load_or_create(&config.key_file).map_err(|e| InitError::Keys(e.to_string()))?;
                let table: Arc<dyn Table> =
                    Arc::new(SqliteTable::new(store.clone(), &config.table_name, clock.clone()));
                let crypto = Arc::new(Crypto::new(Arc::new(keys), KeyCachePolicy::default()));
                let local = Arc::new(LocalNotifier::new(table.clone(), crypto.clone(), clock.clone()));
                Parts {
                    audit: Arc::new(SqliteTable::new(store.clone(), &config.audit_table_name, clock.clone())),
                    queue: Arc::new(SqliteQueue::new(store.clone(), clock.clone())),
                    signer: Arc::new(LocalSigner::new(crypto.clone())),
                    notifier: local.clone(),
                    table,
                    crypto,
                    store: Some(store),
                    local_messages: Some(local),
                    secrets: Arc::new(FileSecrets::new(&config.secrets_file)),
                    objects: config.screening_bucket.as_deref().map(|bucket| {
                        Arc::new(DirObjects::new(&config.objects_dir.join(bucket), bucket))
                            as Arc<dyn drop_services::objects::ObjectStore>
                    }),
                }
            }
        };
        let mut p = p;
        let table_calls = config.count_table_calls.then(|| Arc::new(std::sync::atomic::AtomicU64::new(0)));
        if let Some(calls) = &table_calls {
            use drop_adapters::counting::CountingTable;
            p.table = Arc::new(CountingTable::new(p.table.clone(), calls.clone()));
            p.audit = Arc::new(CountingTable::new(p.audit.clone(), calls.clone()));
        }
        let (notifier, local_messages) = match (config.local_messages, p.local_messages) {
            (true, Some(l)) => (l.clone() as Arc<dyn Notifier>, Some(l)),
            (true, None) => {
                let l = Arc::new(LocalNotifier::new(p.table.clone(), p.crypto.clone(), clock.clone()));
                (l.clone() as Arc<dyn Notifier>, Some(l))
            }
            (false, _) => (p.notifier, None),
        };
        // Only the secrets this function's environment names, read once, concurrently.
        let (bankid_secret, wise_token, thunes) = futures::try_join!(
            read_secret(p.secrets.as_ref(), &config.bankid_client_secret_id),
            read_secret(p.secrets.as_ref(), &config.wise_api_token_id),
            read_secret(p.secrets.as_ref(), &config.thunes_credentials_id),
        )?;
        let (thunes_key, thunes_secret) = thunes_credentials(&thunes)?;
        let tokens =
            Arc::new(TokenService::new(p.table.clone(), p.signer, clock.clone(), &config.api_base_url, TOKEN_AUDIENCE));
        let idp = BankIdClient::new(
            BankIdConfig {
                issuer: config.bankid_issuer.clone(),
                client_id: config.bankid_client_id.clone(),
                client_secret: bankid_secret,
                redirect_uri: format!("{}/api/auth/bankid/callback", config.api_base_url),
            },
            clock.clone(),
        )
        .map_err(|e| InitError::Keys(e.to_string()))?;
        let init = |e: String| InitError::Keys(e);
        let wise =
            drop_adapters::providers::wise::WiseClient::new(&config.wise_base_url, wise_token, &config.wise_profile_id)
                .map_err(init)?;
        let thunes =
            drop_adapters::providers::thunes::ThunesClient::new(&config.thunes_base_url, &thunes_key, &thunes_secret)
                .map_err(init)?;
        let bank = Arc::new(drop_adapters::providers::bank::BerlinGroupBank::new(&config.bank_base_url).map_err(init)?);
        let objects = p.objects;
        let lists = Arc::new(match &objects {
            Some(store) if config.screening_list_preload => {
                drop_services::screening_list::Lists::load(store.clone(), config.screening_list_check).await
            }
            Some(store) => drop_services::screening_list::Lists::lazy(store.clone(), config.screening_list_check),
            None => drop_services::screening_list::Lists::none(),
        });
        let remit = Arc::new(drop_services::remit::payments::Remit {
            table: p.table.clone(),
            crypto: p.crypto.clone(),
            clock: clock.clone(),
            bank: bank.clone(),
            refunds: bank,
            providers: vec![Arc::new(wise), Arc::new(thunes)],
            limits: config.limits_remit,
            safeguarding: config.safeguarding_account.clone(),
            api_base: config.api_base_url.clone(),
            lists: lists.clone(),
            monitor: drop_services::aml_records::Monitor { params: config.aml.clone(), lists: Default::default() },
        });
        let cursor_key = config
            .cursor_key_id
            .as_deref()
            .map(|id| Arc::new(drop_services::secrets::rotating::RotatingKey::new(p.secrets.clone(), id)));
        Ok(Ctx {
            secrets: p.secrets,
            cursor_key,
            lists,
            objects,
            remit,
            table: p.table,
            audit: p.audit,
            crypto: p.crypto,
            queue: p.queue,
            tokens,
            idp: Arc::new(idp),
            notifier,
            store: p.store,
            local_messages,
            table_calls,
            clock,
            metrics,
            config,
        })
    }
}

/// A secret named in the environment (empty when this function does not use that provider).
async fn read_secret(store: &dyn SecretStore, id: &Option<String>) -> Result<Secret<String>, InitError> {
    match id {
        Some(id) => store.get(id).await.map_err(|e| InitError::Secrets(e.to_string())),
        None => Ok(Secret::new(String::new())),
    }
}

/// Thunes' key and secret, stored together as `{"key": …, "secret": …}`.
fn thunes_credentials(raw: &Secret<String>) -> Result<(String, Secret<String>), InitError> {
    if raw.expose().is_empty() {
        return Ok((String::new(), Secret::new(String::new())));
    }
    let v: serde_json::Value = serde_json::from_str(raw.expose())
        .map_err(|_| InitError::Secrets("the Thunes credentials are not a JSON object".into()))?;
    match (v["key"].as_str(), v["secret"].as_str()) {
        (Some(k), Some(s)) => Ok((k.to_owned(), Secret::new(s.to_owned()))),
        _ => Err(InitError::Secrets("the Thunes credentials need key and secret".into())),
    }
}
