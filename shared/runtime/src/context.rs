//! The composition root: built once per cold start (or once for the local stack), it picks the
//! AWS adapters in Lambda and the embedded ones on a laptop.

use crate::config::{Adapters, Config, Unwired};
use crate::metrics::Metrics;
use crate::needs::Need;
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
use drop_services::remit::payments::Remit;
use drop_services::remit::ports::RemittanceProvider;
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
    /// Access tokens ([`Need::Http`] verifies them, [`Need::Tokens`] signs outside a request).
    tokens: Option<Arc<TokenService>>,
    /// Payments; its rails are there as the function's needs say ([`Remit`]'s options).
    pub remit: Arc<Remit>,
    /// The screening list this function screens with (none loaded: screening fails closed).
    pub lists: Arc<drop_services::screening_list::Lists>,
    /// The bucket the screening list is published in ([`Need::Screening`]).
    pub objects: Option<Arc<dyn drop_services::objects::ObjectStore>>,
    /// Compliance case attachments ([`Need::CaseFiles`]).
    pub case_files: Option<Arc<dyn drop_services::objects::ObjectStore>>,
    idp: Option<Arc<dyn IdentityProvider>>,
    notifier: Option<Arc<dyn Notifier>>,
    /// Enhetsregisteret ([`Need::BusinessRegister`]).
    register: Option<Arc<dyn drop_services::merchants::register::BusinessRegister>>,
    /// The user's bank, for linking accounts ([`Need::Bank`]).
    bank: Option<Arc<dyn drop_services::remit::ports::Bank>>,
    /// Euro accounts at the banking provider ([`Need::Banking`]).
    wallets: Option<Arc<drop_services::wallet::Wallets>>,
    /// The secret Swan's webhooks carry ([`Need::BankingWebhook`]).
    pub swan_webhook_secret: Option<drop_domain::Secret<String>>,
    /// Set when embedded: the SQLite store the tables and queues share.
    pub store: Option<SqliteStore>,
    /// Set when embedded: the kept messages (`GET /_local/messages`).
    pub local_messages: Option<Arc<LocalNotifier>>,
    /// Table round trips so far (main and audit), when counting is on.
    pub table_calls: Option<Arc<std::sync::atomic::AtomicU64>>,
    /// The secret store (rotation reads and writes it; everyone else reads at init).
    pub secrets: Arc<dyn SecretStore>,
    /// Seals paging cursors ([`Need::Cursors`]).
    pub cursor_key: Option<Arc<drop_services::secrets::rotating::RotatingKey>>,
}

/// The audience of access tokens.
pub const TOKEN_AUDIENCE: &str = "drop-api";

/// What every function has, whatever its needs: the tables, keys, queue, secret store, token
/// signer and message sink. The local stack builds it once and gives it to every function's
/// context (one SQLite connection, one key file).
#[derive(Clone)]
pub struct Base {
    table: Arc<dyn Table>,
    audit: Arc<dyn Table>,
    crypto: Arc<Crypto>,
    queue: Arc<dyn JobQueue>,
    signer: Arc<dyn TokenSigner>,
    /// Where messages go: SNS/SES, or kept for `GET /_local/messages`.
    messages: Messages,
    store: Option<SqliteStore>,
    secrets: Arc<dyn SecretStore>,
    clock: Arc<dyn Clock>,
    table_calls: Option<Arc<std::sync::atomic::AtomicU64>>,
    sdk: Option<aws_config::SdkConfig>,
}

#[derive(Clone)]
enum Messages {
    Kept(Arc<LocalNotifier>),
    /// SNS and SES, with the base's SDK config.
    Sent,
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

impl Base {
    pub async fn build(config: &Config) -> Result<Base, InitError> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let mut b = match config.adapters {
            Adapters::Aws => {
                let sdk = drop_adapters::aws::sdk_config().await;
                let ddb = aws_sdk_dynamodb::Client::new(&sdk);
                let kms = aws_sdk_kms::Client::new(&sdk);
                let keys: Arc<dyn KeyProvider> = Arc::new(KmsKeys::new(
                    kms.clone(),
                    config.pii_key_id.as_deref().unwrap_or_default(),
                    config.blind_index_key_id.as_deref().unwrap_or_default(),
                ));
                Base {
                    table: Arc::new(DynamoTable::new(ddb.clone(), &config.table_name, clock.clone())),
                    audit: Arc::new(DynamoTable::new(ddb, &config.audit_table_name, clock.clone())),
                    crypto: Arc::new(Crypto::new(keys, KeyCachePolicy::default())),
                    queue: Arc::new(SqsQueue::new(aws_sdk_sqs::Client::new(&sdk))),
                    signer: Arc::new(KmsSigner::new(kms)),
                    messages: Messages::Sent,
                    store: None,
                    secrets: Arc::new(SecretsManagerStore::new(aws_sdk_secretsmanager::Client::new(&sdk))),
                    clock: clock.clone(),
                    table_calls: None,
                    sdk: Some(sdk),
                }
            }
            Adapters::Embedded => {
                let store = SqliteStore::open(&config.db_path).map_err(|e| InitError::Storage(e.to_string()))?;
                let keys = LocalKeys::load_or_create(&config.key_file).map_err(|e| InitError::Keys(e.to_string()))?;
                let table: Arc<dyn Table> =
                    Arc::new(SqliteTable::new(store.clone(), &config.table_name, clock.clone()));
                let crypto = Arc::new(Crypto::new(Arc::new(keys), KeyCachePolicy::default()));
                Base {
                    audit: Arc::new(SqliteTable::new(store.clone(), &config.audit_table_name, clock.clone())),
                    queue: Arc::new(SqliteQueue::new(store.clone(), clock.clone())),
                    signer: Arc::new(LocalSigner::new(crypto.clone())),
                    messages: Messages::Kept(Arc::new(LocalNotifier::new(
                        table.clone(),
                        crypto.clone(),
                        clock.clone(),
                    ))),
                    table,
                    crypto,
                    store: Some(store),
                    secrets: Arc::new(FileSecrets::new(&config.secrets_file)),
                    clock: clock.clone(),
                    table_calls: None,
                    sdk: None,
                }
            }
        };
        if config.count_table_calls {
            use drop_adapters::counting::CountingTable;
            let calls = Arc::new(std::sync::atomic::AtomicU64::new(0));
            b.table = Arc::new(CountingTable::new(b.table.clone(), calls.clone()));
            b.audit = Arc::new(CountingTable::new(b.audit.clone(), calls.clone()));
            b.table_calls = Some(calls);
        }
        if config.local_messages {
            if let Messages::Sent = b.messages {
                b.messages = Messages::Kept(Arc::new(LocalNotifier::new(b.table.clone(), b.crypto.clone(), clock)));
            }
        }
        Ok(b)
    }
}

impl Ctx {
    pub async fn from_config(config: Config, metrics: Metrics) -> Result<Self, InitError> {
        let base = Base::build(&config).await?;
        Self::assemble(&base, config, metrics).await
    }

    /// This function's context: the base, and the clients and settings its needs name (only
    /// those; their secrets read once, concurrently).
    pub async fn assemble(base: &Base, config: Config, metrics: Metrics) -> Result<Self, InitError> {
        let b = base.clone();
        let clock = b.clock.clone();
        let (bankid_secret, wise_token, thunes, nexi_key, swan_secret, swan_webhook_secret) = futures::try_join!(
            read_secret(b.secrets.as_ref(), config.bankid_exchange.as_ref().map(|c| &c.client_secret_id)),
            read_secret(b.secrets.as_ref(), config.wise.as_ref().map(|c| &c.api_token_id)),
            read_secret(b.secrets.as_ref(), config.thunes.as_ref().map(|c| &c.credentials_id)),
            read_secret(b.secrets.as_ref(), config.nexi.as_ref().map(|c| &c.secret_key_id)),
            read_secret(b.secrets.as_ref(), config.swan.as_ref().map(|c| &c.client_secret_id)),
            read_secret(b.secrets.as_ref(), config.swan_webhook_secret_id.as_ref()),
        )?;
        let init = |e: String| InitError::Keys(e);
        let needs = |n: Need| config.needs.contains(&n);
        let tokens = match (&config.api_base_url, needs(Need::Http) || needs(Need::Tokens)) {
            (Some(base_url), true) => Some(Arc::new(TokenService::new(
                b.table.clone(),
                b.signer.clone(),
                clock.clone(),
                base_url,
                TOKEN_AUDIENCE,
            ))),
            _ => None,
        };
        let idp: Option<Arc<dyn IdentityProvider>> = match &config.bankid {
            Some(c) => Some(Arc::new(
                BankIdClient::new(
                    BankIdConfig {
                        issuer: c.issuer.clone(),
                        client_id: c.client_id.clone(),
                        client_secret: bankid_secret,
                        redirect_uri: format!(
                            "{}/api/auth/bankid/callback",
                            config.api_base_url.as_deref().unwrap_or_default()
                        ),
                    },
                    clock.clone(),
                )
                .map_err(|e| InitError::Keys(e.to_string()))?,
            )),
            None => None,
        };
        let mut providers: Vec<Arc<dyn RemittanceProvider>> = Vec::new();
        if let (Some(c), Some(token)) = (&config.wise, wise_token) {
            providers.push(Arc::new(
                drop_adapters::providers::wise::WiseClient::new(&c.base_url, token, &c.profile_id).map_err(init)?,
            ));
        }
        if let (Some(c), Some(raw)) = (&config.thunes, thunes) {
            let (key, secret) = thunes_credentials(&raw)?;
            providers.push(Arc::new(
                drop_adapters::providers::thunes::ThunesClient::new(&c.base_url, &key, &secret).map_err(init)?,
            ));
        }
        let bank = match &config.bank {
            Some(c) => Some(Arc::new(drop_adapters::providers::bank::BerlinGroupBank::new(&c.base_url).map_err(init)?)),
            None => None,
        };
        let objects: Option<Arc<dyn drop_services::objects::ObjectStore>> = config.screening.as_ref().map(|s| {
            let publish_key = config.publishing.as_ref().map(|p| p.key_id.as_str());
            match &b.sdk {
                Some(sdk) => Arc::new(S3Objects::new(S3Objects::client(sdk), &s.bucket, publish_key))
                    as Arc<dyn drop_services::objects::ObjectStore>,
                None => Arc::new(DirObjects::new(&config.objects_dir.join(&s.bucket), &s.bucket)),
            }
        });
        let case_files: Option<Arc<dyn drop_services::objects::ObjectStore>> =
            config.case_files.as_ref().map(|(bucket, key)| match &b.sdk {
                Some(sdk) => Arc::new(S3Objects::new(S3Objects::client(sdk), bucket, Some(key)))
                    as Arc<dyn drop_services::objects::ObjectStore>,
                None => Arc::new(DirObjects::new(&config.objects_dir.join(bucket), bucket)),
            });
        let lists = Arc::new(match (&objects, &config.screening) {
            (Some(store), Some(s)) if s.preload => {
                drop_services::screening_list::Lists::load(store.clone(), s.check).await
            }
            (Some(store), Some(s)) => drop_services::screening_list::Lists::lazy(store.clone(), s.check),
            _ => drop_services::screening_list::Lists::none(),
        });
        let remit = Arc::new(Remit {
            table: b.table.clone(),
            crypto: b.crypto.clone(),
            clock: clock.clone(),
            bank: match (&bank, &config.bank) {
                (Some(rail), Some(c)) => Some(drop_services::remit::payments::BankRail {
                    payments: rail.clone(),
                    refunds: rail.clone(),
                    safeguarding: c.safeguarding_account.clone(),
                }),
                _ => None,
            },
            providers,
            acquirer: match (&config.nexi, nexi_key) {
                (Some(c), Some(key)) => {
                    Some(Arc::new(drop_adapters::providers::nexi::NexiClient::new(&c.base_url, key))
                        as Arc<dyn drop_services::remit::ports::MerchantAcquirer>)
                }
                _ => None,
            },
            limits: config.limits_remit,
            callbacks: config.api_base_url.as_deref().map(|base| {
                Arc::new(crate::routes::ApiCallbacks::new(base)) as Arc<dyn drop_services::remit::ports::CallbackUrls>
            }),
            lists: lists.clone(),
            monitor: drop_services::aml_records::Monitor {
                params: config.aml.clone(),
                lists: Default::default(),
                rates: config.reference_rates_url.as_deref().map(|url| {
                    Arc::new(drop_adapters::providers::norges_bank::NorgesBank::new(url))
                        as Arc<dyn drop_services::fx_reference::ReferenceRates>
                }),
            },
        });
        let wallets = match (&config.swan, swan_secret) {
            (Some(c), Some(secret)) => Some(Arc::new(drop_services::wallet::Wallets {
                table: b.table.clone(),
                crypto: b.crypto.clone(),
                clock: clock.clone(),
                banking: Arc::new(drop_adapters::providers::swan::SwanClient::new(
                    &c.api_url,
                    &c.token_url,
                    &c.client_id,
                    secret,
                )),
                settings: drop_services::wallet::Settings {
                    enabled: c.enabled,
                    country: c.country,
                    frontend_origin: c.frontend_origin.clone(),
                },
                lists: lists.clone(),
            })),
            _ => None,
        };
        let notifier: Option<Arc<dyn Notifier>> = match (&b.messages, &config.notify_from, &b.sdk) {
            (_, None, _) | (Messages::Sent, _, None) => None,
            (Messages::Kept(local), Some(_), _) => Some(local.clone()),
            (Messages::Sent, Some(from), Some(sdk)) => {
                Some(Arc::new(AwsNotifier::new(aws_sdk_sns::Client::new(sdk), aws_sdk_sesv2::Client::new(sdk), from)))
            }
        };
        let local_messages = match &b.messages {
            Messages::Kept(local) => Some(local.clone()),
            Messages::Sent => None,
        };
        let cursor_key = config
            .cursor_key_id
            .as_deref()
            .map(|id| Arc::new(drop_services::secrets::rotating::RotatingKey::new(b.secrets.clone(), id)));
        Ok(Ctx {
            secrets: b.secrets,
            cursor_key,
            lists,
            objects,
            case_files,
            remit,
            table: b.table,
            audit: b.audit,
            crypto: b.crypto,
            queue: b.queue,
            tokens,
            idp,
            notifier,
            bank: bank.map(|b| b as Arc<dyn drop_services::remit::ports::Bank>),
            wallets,
            swan_webhook_secret,
            register: config.brreg_base_url.as_deref().map(|base| {
                Arc::new(drop_adapters::providers::brreg::Enhetsregisteret::new(base))
                    as Arc<dyn drop_services::merchants::register::BusinessRegister>
            }),
            store: b.store,
            local_messages,
            table_calls: b.table_calls,
            clock,
            metrics,
            config,
        })
    }

    pub fn tokens(&self) -> Result<&TokenService, Unwired> {
        self.tokens.as_deref().ok_or(Unwired("Tokens"))
    }

    pub fn idp(&self) -> Result<&dyn IdentityProvider, Unwired> {
        self.idp.as_deref().ok_or(Unwired("BankId"))
    }

    pub fn notifier(&self) -> Result<&dyn Notifier, Unwired> {
        self.notifier.as_deref().ok_or(Unwired("Notify"))
    }

    pub fn register(&self) -> Result<&dyn drop_services::merchants::register::BusinessRegister, Unwired> {
        self.register.as_deref().ok_or(Unwired("BusinessRegister"))
    }

    pub fn bank(&self) -> Result<&dyn drop_services::remit::ports::Bank, Unwired> {
        self.bank.as_deref().ok_or(Unwired("Bank"))
    }

    pub fn wallets(&self) -> Result<&drop_services::wallet::Wallets, Unwired> {
        self.wallets.as_deref().ok_or(Unwired("Banking"))
    }
}

/// A secret a need names (none when this function is not wired with that provider).
async fn read_secret(store: &dyn SecretStore, id: Option<&String>) -> Result<Option<Secret<String>>, InitError> {
    match id {
        Some(id) => store.get(id).await.map_err(|e| InitError::Secrets(e.to_string())).map(Some),
        None => Ok(None),
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
