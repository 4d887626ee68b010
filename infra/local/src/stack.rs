//! Starts and stops the local stack.

use crate::local_bus::LocalBus;
use crate::provision::{self, Resolved};
use crate::schedule::Schedule;
use crate::template::{EventSpec, Expr, Template};
use drop_adapters::aws::{EventBridgeBus, SqsQueue};
use drop_adapters::embedded::{QueueConfig, SqliteQueue, SqliteTable};
use drop_functions::registry;
use drop_runtime::context::Base;
use drop_runtime::function::{Kind, ScheduleHandler};
use drop_runtime::metrics::{Metrics, Sink};
use drop_runtime::{ApiError, Config, Ctx, Need};
use drop_services::events::EventBus;
use drop_services::queue::JobQueue;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub struct Options {
    pub addr: SocketAddr,
    pub template: PathBuf,
    pub db_path: String,
    pub key_file: PathBuf,
    /// Use the AWS adapters against this endpoint (moto, LocalStack).
    pub aws_endpoint: Option<String>,
    pub frontend_origin: Option<String>,
    /// Resource names are `<prefix>-<LogicalId>`.
    pub prefix: String,
    /// How often the relay and the queue pollers look for work.
    pub poll_every: Duration,
    /// Run schedules on their timetable (they can always be triggered by hand).
    pub run_schedules: bool,
    /// Simulators on free ports instead of their fixed ones (tests).
    pub ephemeral_simulators: bool,
    /// Simulator ports from this base (`bankid` base+1, `bank` +2, …) instead of 3100's, so two
    /// stacks can run side by side (`--simulator-port-base`, `DROP_SIMULATOR_PORT_BASE`).
    pub simulator_port_base: Option<u16>,
    /// Environment overrides in the SAM CLI's `--env-vars` shape.
    pub env_vars: Option<PathBuf>,
    /// Extra environment for the functions (overrides the template's).
    pub env: BTreeMap<String, String>,
}

impl Options {
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let template = var("DROP_TEMPLATE").map(PathBuf::from).unwrap_or_else(default_template);
        Options {
            addr: var("DROP_LOCAL_ADDR")
                .and_then(|a| a.parse().ok())
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000))),
            template,
            db_path: var("DROP_DB_PATH").unwrap_or_else(|| ".drop/local.db".into()),
            key_file: var("DROP_KEY_FILE").map(PathBuf::from).unwrap_or_else(|| ".drop/keys.json".into()),
            aws_endpoint: var("AWS_ENDPOINT_URL"),
            frontend_origin: var("FRONTEND_ORIGIN"),
            prefix: var("DROP_LOCAL_PREFIX").unwrap_or_else(|| "drop-local".into()),
            poll_every: Duration::from_millis(200),
            run_schedules: var("DROP_LOCAL_SCHEDULES").as_deref() != Some("off"),
            ephemeral_simulators: false,
            simulator_port_base: var("DROP_SIMULATOR_PORT_BASE").and_then(|p| p.parse().ok()),
            env_vars: var("DROP_ENV_VARS").map(PathBuf::from),
            // Limits may be changed for a local run (e.g. raised for a contract test).
            env: std::env::vars()
                .filter(|(k, _)| ["RATE_LIMIT_", "LIMIT_", "AML_"].iter().any(|p| k.starts_with(p)))
                .collect(),
        }
    }
}

/// `template.yaml` in the working directory, else the workspace's.
pub fn default_template() -> PathBuf {
    let here = PathBuf::from("template.yaml");
    if here.exists() {
        return here;
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml"))
}

#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error(transparent)]
    Template(#[from] crate::template::TemplateError),
    #[error(transparent)]
    Provision(#[from] provision::ProvisionError),
    #[error("init: {0}")]
    Init(String),
    #[error(transparent)]
    EnvVars(#[from] crate::env_vars::EnvVarsError),
    #[error("secrets: {0}")]
    Secrets(String),
    #[error("function {0} is in template.yaml but not in the registry")]
    Unregistered(String),
}

fn config(needs: &[Need], env: &BTreeMap<String, String>) -> Result<Config, LocalError> {
    Config::from_lookup(needs, |k| env.get(k).cloned()).map_err(|e| LocalError::Init(e.to_string()))
}

/// A context wired with everything (tools, tests), on its own base.
async fn build_ctx(env: &BTreeMap<String, String>) -> Result<Arc<Ctx>, LocalError> {
    let config = config(Need::ALL, env)?;
    let ctx =
        Ctx::from_config(config, Metrics::new(Sink::Discard)).await.map_err(|e| LocalError::Init(e.to_string()))?;
    Ok(Arc::new(ctx))
}

/// Each function's context, as its Lambda builds it: only its needs, from only its environment
/// (with `--env-vars` applied), on the stack's one base (one SQLite connection, one key file).
async fn function_contexts(
    base: &Base,
    prepared: &BTreeMap<String, BTreeMap<String, String>>,
    env_vars: &crate::env_vars::EnvVars,
) -> Result<BTreeMap<String, Arc<Ctx>>, LocalError> {
    let mut out = BTreeMap::new();
    for (function, env) in prepared {
        let def = registry::find(function).ok_or_else(|| LocalError::Unregistered(function.clone()))?;
        let mut env = env.clone();
        env.extend(env_vars.all.clone());
        env.extend(env_vars.functions.get(function).cloned().unwrap_or_default());
        let config = config(&def.needs(), &env).map_err(|e| LocalError::Init(format!("{function}: {e}")))?;
        let ctx = Ctx::assemble(base, config, Metrics::new(Sink::Discard))
            .await
            .map_err(|e| LocalError::Init(format!("{function}: {e}")))?;
        out.insert(function.clone(), Arc::new(ctx));
    }
    Ok(out)
}

/// The functions' context without running the stack (for commands such as `audit-verify`).
pub async fn context(opts: &Options) -> Result<Arc<Ctx>, LocalError> {
    let template = Template::load(&opts.template)?;
    let Prepared { env, .. } = prepare(opts, &template, &offline_overrides()).await?;
    build_ctx(&env).await
}

pub struct Stack {
    pub addr: SocketAddr,
    pub ctx: Arc<Ctx>,
    /// The context of each function (its own when `--env-vars` overrides its environment).
    pub contexts: Arc<crate::env_vars::Contexts>,
    pub template: Arc<Template>,
    /// What runs where, for the startup banner.
    pub summary: Vec<String>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    simulators: Vec<drop_simulators::Running>,
    schedules: Arc<BTreeMap<String, ScheduleHandler>>,
    rotations: Arc<BTreeMap<String, crate::rotation::Rotation>>,
}

/// Resolves a template expression against local resource names and parameters.
pub fn resolve(e: &Expr, r: &Resolved, params: &BTreeMap<String, String>) -> Option<String> {
    match e {
        Expr::Literal(s) => Some(s.clone()),
        Expr::Ref(x) => params.get(x).or_else(|| r.refs.get(x)).cloned(),
        Expr::GetAtt(x, a) if a == "Arn" => r.arns.get(x).cloned(),
        Expr::GetAtt(..) => None,
        Expr::Sub(s) => {
            let mut out = s.clone();
            for (k, v) in params.iter().chain(r.refs.iter()) {
                out = out.replace(&format!("${{{k}}}"), v);
            }
            Some(out)
        }
    }
}

/// The local secret store: `secrets.json` next to the key file (`.drop/secrets.json`).
pub fn secrets_file(opts: &Options) -> std::path::PathBuf {
    opts.key_file.with_file_name("secrets.json")
}

/// The embedded stand-in for the template's buckets: one directory per bucket.
pub fn objects_dir(opts: &Options) -> std::path::PathBuf {
    opts.key_file.with_file_name("objects")
}

/// Parameters for running functions without the simulators (boot tests, benchmarks): the BankID
/// client points at the simulator's usual port and is not contacted.
/// Local values of the template parameters that have no default (each deployed environment has
/// its own in `samconfig.toml`).
pub fn local_parameters() -> BTreeMap<String, String> {
    BTreeMap::from(
        [
            ("FrontendOrigin", "http://localhost:5173"),
            ("ApiBaseUrl", "http://127.0.0.1:3000"),
            ("ApiDomainName", "127.0.0.1"),
            ("ApiCertificateArn", "arn:aws:acm:eu-north-1:000000000000:certificate/local"),
            ("NotifyFrom", "no-reply@drop.local"),
            ("SafeguardingAccount", "86011117947"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    )
}

/// Wise's sandbox webhook key (offline tools verify no webhook; a well-formed key is needed).
const WISE_SANDBOX_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwpb91cEYuyJNQepZAVfPZIlPZfNUefH+n6w9SW3fykqKu938cR7WadQv87oF2VuT+fDt7kqeRziTmPSUhqPUys/V2Q1rlfJuXbE+Gga37t7zwd0egQ+KyOEHQOpcTwKmtZ81ieGHynAQzsn1We3jwt760MsCPJ7GMT141ByQM+yW1Bx+4SG3IGjXWyqOWrcXsxAvIXkpUD/jK/L958CgnZEgz0BSEh0QxYLITnW1lLokSx/dTianWPFEhMC9BgijempgNXHNfcVirg1lPSygz7KqoKUN0oHqWLr2U1A+7kqrl6O2nx3CKs1bj1hToT1+p4kcMoHXA7kA+VBLUpEsVwIDAQAB";

pub fn offline_overrides() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("ApiBaseUrl".to_owned(), "http://127.0.0.1:3000".to_owned()),
        ("BankIdIssuer".to_owned(), "http://127.0.0.1:3101/bankid".to_owned()),
        ("BankIdClientId".to_owned(), drop_simulators::bankid::CLIENT_ID.to_owned()),
        // The simulators' fixed addresses (`cargo run -p drop-local`); nothing is called offline.
        ("BankBaseUrl".to_owned(), "http://127.0.0.1:3102/bank".to_owned()),
        ("WiseBaseUrl".to_owned(), "http://127.0.0.1:3103/wise".to_owned()),
        ("WiseProfileId".to_owned(), drop_simulators::wise::PROFILE.to_string()),
        ("WiseWebhookPublicKey".to_owned(), WISE_SANDBOX_KEY.to_owned()),
        ("ThunesBaseUrl".to_owned(), "http://127.0.0.1:3104/thunes".to_owned()),
        (
            "ScreeningListIndexUrl".to_owned(),
            format!("http://127.0.0.1:3105/lists/datasets/latest/{}/index.json", drop_simulators::lists::DATASET),
        ),
        ("ScreeningListResource".to_owned(), drop_simulators::lists::RESOURCE.to_owned()),
        ("BrregBaseUrl".to_owned(), "http://127.0.0.1:3106".to_owned()),
        ("NexiBaseUrl".to_owned(), "http://127.0.0.1:3107/nexi".to_owned()),
        ("SwanApiUrl".to_owned(), "http://127.0.0.1:3108/swan/sandbox-partner/graphql".to_owned()),
        ("SwanTokenUrl".to_owned(), "http://127.0.0.1:3108/swan/oauth2/token".to_owned()),
        ("SwanClientId".to_owned(), drop_simulators::swan::CLIENT_ID.to_owned()),
        ("WalletEnabled".to_owned(), "true".to_owned()),
        ("ReferenceRatesUrl".to_owned(), "http://127.0.0.1:3109/norgesbank/api/data/EXR".to_owned()),
    ])
}

/// What a function's environment resolves to on this machine, with the AWS SDK config when the
/// stack runs against an AWS endpoint (resources are provisioned first).
pub struct Prepared {
    /// Every function's variables together (tools and tests use a context wired with everything).
    pub env: BTreeMap<String, String>,
    /// Each function's own (by binary): the template's Globals and its own, and the stack's.
    pub functions: BTreeMap<String, BTreeMap<String, String>>,
    pub aws: Option<aws_config::SdkConfig>,
    pub resolved: Resolved,
}

/// `overrides` sets template parameters (the simulators' addresses, the API's own URL).
pub async fn prepare(
    opts: &Options,
    template: &Template,
    overrides: &BTreeMap<String, String>,
) -> Result<Prepared, LocalError> {
    let mut params: BTreeMap<String, String> =
        template.parameters.iter().filter_map(|(k, v)| Some((k.clone(), v.clone()?))).collect();
    // What samconfig.toml gives each environment, for this machine (the simulators and the
    // stack's own address override what they serve).
    params.extend(local_parameters());
    params.insert("Environment".into(), "local".into());
    if let Some(o) = &opts.frontend_origin {
        params.insert("FrontendOrigin".into(), o.clone());
    }
    params.insert("AWS::Region".into(), std::env::var("AWS_REGION").unwrap_or_else(|_| "eu-north-1".into()));
    params.extend(overrides.clone());

    let aws = match &opts.aws_endpoint {
        Some(_) => Some(drop_adapters::aws::sdk_config().await),
        None => None,
    };
    let resolved = match &aws {
        Some(sdk) => provision::provision(sdk, template, &opts.prefix).await?,
        None => {
            let mut r = Resolved::default();
            for id in template.tables.keys().chain(template.queues.keys()).chain(template.buses.iter()) {
                r.refs.insert(id.clone(), format!("{}-{id}", opts.prefix));
            }
            for id in template.keys.keys() {
                r.refs.insert(id.clone(), "local".into());
                // The embedded stores take no key; a function that names one gets a stand-in.
                r.arns.insert(id.clone(), format!("arn:aws:kms:local:000000000000:key/{id}"));
            }
            for id in template.buckets.keys() {
                r.refs.insert(id.clone(), crate::provision::bucket_name(&opts.prefix, id));
            }
            // Secrets locally: a 0600 file next to the key file, the simulators' credentials.
            let values = crate::local_secrets::values();
            let mut file = BTreeMap::new();
            for id in &template.secrets {
                let name = format!("{}-{id}", opts.prefix);
                if let Some(v) = values.get(id.as_str()) {
                    file.insert(name.clone(), v.clone());
                }
                r.refs.insert(id.clone(), name);
            }
            drop_adapters::embedded::FileSecrets::new(&secrets_file(opts))
                .ensure(&file)
                .map_err(|e| LocalError::Secrets(e.to_string()))?;
            r
        }
    };

    // The functions' environment, as the template gives it (Globals + the function's own).
    let mut functions: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for f in &template.functions {
        let own = functions.entry(f.binary.clone()).or_default();
        for (k, e) in &f.env {
            if let Some(v) = resolve(e, &resolved, &params) {
                own.insert(k.clone(), v);
            }
        }
    }
    // What the stack adds for every function.
    let mut stack = BTreeMap::new();
    stack.insert("DROP_ADAPTERS".into(), if aws.is_some() { "aws" } else { "embedded" }.into());
    stack.insert("DROP_DB_PATH".into(), opts.db_path.clone());
    stack.insert("DROP_LOCAL_MESSAGES".into(), "true".into());
    // One process serves every function: a list published by the refresh is seen at once.
    stack.insert("SCREENING_LIST_CHECK_SECS".into(), "0".into());
    stack.insert("DROP_OBJECTS_DIR".into(), objects_dir(opts).display().to_string());
    stack.extend(opts.env.clone());
    stack.insert("DROP_KEY_FILE".into(), opts.key_file.display().to_string());
    stack.insert("DROP_SECRETS_FILE".into(), secrets_file(opts).display().to_string());
    let mut env = BTreeMap::new();
    for own in functions.values_mut() {
        env.extend(own.clone());
        own.extend(stack.clone());
    }
    env.extend(stack);
    drop_services::aws_calls::note_names(&resolved.refs);
    Ok(Prepared { env, functions, aws, resolved })
}

impl Stack {
    pub async fn start(opts: Options) -> Result<Stack, LocalError> {
        let template = Arc::new(Template::load(&opts.template)?);
        for f in &template.functions {
            if registry::find(&f.binary).is_none() {
                return Err(LocalError::Unregistered(f.binary.clone()));
            }
        }
        let listener = tokio::net::TcpListener::bind(opts.addr)
            .await
            .map_err(|e| LocalError::Init(format!("bind {}: {e}", opts.addr)))?;
        let addr = listener.local_addr().map_err(|e| LocalError::Init(e.to_string()))?;
        let ports = match (opts.ephemeral_simulators, opts.simulator_port_base) {
            (true, _) => drop_simulators::Ports::Ephemeral,
            (false, Some(base)) => drop_simulators::Ports::From(base),
            (false, None) => drop_simulators::Ports::Fixed,
        };
        let simulators = drop_simulators::start_all([127, 0, 0, 1], ports, &format!("http://{addr}"))
            .await
            .map_err(|e| LocalError::Init(format!("simulators: {e}")))?;
        let mut overrides: BTreeMap<String, String> = simulators.iter().flat_map(|s| s.parameters.clone()).collect();
        overrides.insert("ApiBaseUrl".into(), format!("http://{addr}"));
        let Prepared { mut env, functions, aws, resolved } = prepare(&opts, &template, &overrides).await?;
        let env_vars = match &opts.env_vars {
            Some(path) => crate::env_vars::load(path, &template)?,
            None => Default::default(),
        };
        env.extend(env_vars.all.clone());
        let all = config(Need::ALL, &env)?;
        let base = Base::build(&all).await.map_err(|e| LocalError::Init(e.to_string()))?;
        let ctx = Arc::new(
            Ctx::assemble(&base, all, Metrics::new(Sink::Discard))
                .await
                .map_err(|e| LocalError::Init(e.to_string()))?,
        );
        let own = function_contexts(&base, &functions, &env_vars).await?;
        let contexts = Arc::new(crate::env_vars::Contexts { default: ctx.clone(), functions: own });

        // Queues and the bus the relay publishes to.
        let queue_names: BTreeMap<String, String> =
            template.queues.keys().filter_map(|q| Some((q.clone(), resolved.refs.get(q)?.clone()))).collect();
        let (queue, bus): (Arc<dyn JobQueue>, Arc<dyn EventBus>) = match (&aws, &ctx.store) {
            (Some(sdk), _) => {
                let bus_name = template.buses.first().and_then(|b| resolved.refs.get(b)).cloned().unwrap_or_default();
                (
                    Arc::new(SqsQueue::new(aws_sdk_sqs::Client::new(sdk))),
                    Arc::new(EventBridgeBus::new(aws_sdk_eventbridge::Client::new(sdk), &bus_name)),
                )
            }
            (None, Some(store)) => {
                let q = Arc::new(SqliteQueue::new(store.clone(), ctx.clock.clone()));
                for (id, spec) in &template.queues {
                    let dead_letter = spec.dead_letter.as_ref().and_then(|d| queue_names.get(d).cloned());
                    q.configure(&queue_names[id], QueueConfig { dead_letter, max_receive: spec.max_receive });
                }
                let bus =
                    LocalBus { rules: template.rules.clone(), queue_names: queue_names.clone(), queue: q.clone() };
                (q, Arc::new(bus))
            }
            (None, None) => return Err(LocalError::Init("embedded mode without a store".into())),
        };

        let (shutdown, rx) = watch::channel(false);
        let mut tasks = Vec::new();
        let mut summary = Vec::new();
        let mut schedules = BTreeMap::new();
        let mode = if aws.is_some() {
            format!("AWS adapters at {}", opts.aws_endpoint.clone().unwrap_or_default())
        } else {
            format!("embedded (SQLite {})", opts.db_path)
        };
        summary.push(format!("storage      {mode}"));

        tasks.push(tokio::spawn(crate::workers::relay(ctx.clone(), bus, opts.poll_every, rx.clone())));
        summary.push("outbox relay → bus → rules → queues".to_string());
        for f in &template.functions {
            let Some(def) = registry::find(&f.binary) else {
                continue;
            };
            for ev in &f.events {
                match (ev, def.kind) {
                    (EventSpec::Sqs { queue: q, batch_size }, Kind::Sqs { handler }) => {
                        let name = queue_names
                            .get(q)
                            .cloned()
                            .ok_or_else(|| LocalError::Init(format!("queue {q} unknown")))?;
                        let vis = template.queues.get(q).map(|s| s.visibility_timeout).unwrap_or(30);
                        tasks.push(tokio::spawn(crate::workers::poll_queue(
                            contexts.of(def.name).clone(),
                            queue.clone(),
                            name,
                            *batch_size,
                            vis,
                            def.name,
                            handler,
                            opts.poll_every,
                            rx.clone(),
                        )));
                        summary.push(format!("consumer     {} ← {q}", def.name));
                    }
                    (EventSpec::Schedule { expression }, Kind::Schedule { handler }) => {
                        schedules.insert(def.name.to_owned(), handler);
                        match Schedule::parse(expression) {
                            Ok(s) if opts.run_schedules => {
                                let c = contexts.of(def.name).clone();
                                tasks.push(tokio::spawn(crate::workers::run_schedule(
                                    c,
                                    s,
                                    def.name,
                                    handler,
                                    rx.clone(),
                                )));
                                summary.push(format!("schedule     {} {expression}", def.name));
                            }
                            Ok(_) => summary.push(format!("schedule     {} {expression} (paused)", def.name)),
                            Err(e) => {
                                summary.push(format!("schedule     {} {expression} (not run locally: {e})", def.name))
                            }
                        }
                    }
                    (EventSpec::Http { .. }, Kind::Http { .. }) => {}
                    _ => {
                        return Err(LocalError::Init(format!(
                            "{}: template event does not match the handler kind",
                            def.name
                        )))
                    }
                }
            }
        }
        let mut rotations = BTreeMap::new();
        for rot in &template.rotations {
            let def = template
                .functions
                .iter()
                .find(|f| f.logical_id == rot.function)
                .and_then(|f| registry::find(&f.binary))
                .ok_or_else(|| {
                    LocalError::Init(format!("{}: no rotation function {}", rot.logical_id, rot.function))
                })?;
            let Kind::Invoke { handler } = def.kind else {
                return Err(LocalError::Init(format!("{}: {} is not invoked by AWS", rot.logical_id, def.name)));
            };
            let secret = resolved
                .refs
                .get(&rot.secret)
                .cloned()
                .ok_or_else(|| LocalError::Init(format!("{}: unknown secret {}", rot.logical_id, rot.secret)))?;
            let r = crate::rotation::Rotation { function: def.name, handler, secret };
            match Schedule::parse(&rot.expression) {
                Ok(s) if opts.run_schedules => {
                    let c = contexts.of(def.name).clone();
                    tasks.push(tokio::spawn(crate::rotation::run_on_schedule(c, s, r.clone(), rx.clone())));
                    summary.push(format!("rotation     {} by {} {}", rot.secret, def.name, rot.expression));
                }
                _ => summary.push(format!("rotation     {} by {} {} (paused)", rot.secret, def.name, rot.expression)),
            }
            rotations.insert(rot.secret.clone(), r);
        }
        if let Some(store) = &ctx.store {
            let tables: Vec<SqliteTable> = [&ctx.config.table_name, &ctx.config.audit_table_name]
                .iter()
                .map(|n| SqliteTable::new(store.clone(), n, ctx.clock.clone()))
                .collect();
            tasks.push(tokio::spawn(crate::workers::purge(tables, rx.clone())));
        }

        for sim in &simulators {
            summary.push(format!("simulator    {} http://{}", sim.name, sim.addr));
        }
        // The list the screening functions use, published through the same refresh as in AWS
        // (from the list simulator), before the first request.
        let refresh = serde_json::json!({"source": "local.start"});
        let publisher = contexts.of("screening-list-refresh");
        match crate::server::trigger(publisher, &schedules, "screening-list-refresh", refresh).await {
            Ok(out) => summary.push(format!(
                "screening    {}@{} ({})",
                out["dataset"].as_str().unwrap_or_default(),
                out["version"].as_str().unwrap_or_default(),
                out["outcome"].as_str().unwrap_or_default()
            )),
            Err(e) => summary.push(format!("screening    no list published: {} (screening fails closed)", e.detail)),
        }
        let schedules = Arc::new(schedules);
        let rotations = Arc::new(rotations);
        let state = crate::server::State {
            contexts: contexts.clone(),
            template: template.clone(),
            schedules: schedules.clone(),
            rotations: rotations.clone(),
        };
        let mut srx = rx.clone();
        let app = crate::server::router(state);
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = srx.changed().await;
                })
                .await;
        }));
        summary.insert(
            0,
            format!("api          http://{addr} ({} routes from {})", template.routes().len(), opts.template.display()),
        );
        summary.push(format!(
            "local tools  GET http://{addr}/_local/functions · POST http://{addr}/_local/schedules/{{function}} · POST http://{addr}/_local/rotate/{{SecretId}}"
        ));
        for f in env_vars.functions.keys() {
            summary.push(format!("env-vars     {f} runs with its own overrides"));
        }
        Ok(Stack { addr, ctx, contexts, template, summary, shutdown, tasks, simulators, schedules, rotations })
    }

    /// The address of a running simulator.
    pub fn simulator(&self, name: &str) -> Option<SocketAddr> {
        self.simulators.iter().find(|s| s.name == name).map(|s| s.addr)
    }

    /// Runs a scheduled function now.
    pub async fn trigger(&self, function: &str) -> Result<serde_json::Value, ApiError> {
        let ctx = self.contexts.of(function);
        crate::server::trigger(ctx, &self.schedules, function, serde_json::json!({"source": "local.trigger"})).await
    }

    /// Rotates a secret now (by its template logical id), as Secrets Manager would.
    pub async fn rotate(&self, secret: &str) -> Result<serde_json::Value, ApiError> {
        let r = self.rotations.get(secret).ok_or_else(ApiError::not_found)?;
        crate::rotation::rotate_now(self.contexts.of(r.function), r).await
    }

    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for sim in self.simulators {
            sim.stop();
        }
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
    }
}
