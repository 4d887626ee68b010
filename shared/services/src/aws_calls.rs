//! A record of the AWS actions each function performs, for the least-privilege test: the AWS
//! adapters note every action with the resource it touched; the pipeline runs each handler
//! within its function's name. Off unless the environment names a directory
//! (`DROP_RECORD_AWS_CALLS`): then every process appends what it sees there, one JSON line per
//! new call, so a whole test run's record can be checked at its end.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Mutex;

tokio::task_local! {
    static FUNCTION: String;
}

static LOG: Mutex<BTreeSet<Call>> = Mutex::new(BTreeSet::new());
/// The directory of the run's record, read once (`DROP_RECORD_AWS_CALLS`).
static DIR: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();

fn dir() -> Option<&'static std::path::PathBuf> {
    DIR.get_or_init(|| std::env::var_os("DROP_RECORD_AWS_CALLS").map(std::path::PathBuf::from)).as_ref()
}

/// One action on one resource by one function (`(outside a function)` for the local stack's own
/// work: queue pollers and the outbox relay stand in for AWS services there).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Call {
    pub function: String,
    /// `dynamodb:GetItem`, `kms:Decrypt`, …
    pub action: String,
    /// The physical name or id the adapter used (table name, `<table>/index/<name>`, key id,
    /// secret id, or a kind such as `token-signing-key` for keys made at run time).
    pub resource: String,
}

pub const OUTSIDE: &str = "(outside a function)";
/// The signing keys made at run time (IAM names them by tag).
pub const SIGNING_KEY: &str = "token-signing-key";
/// The resource of an SMS sent to a phone number (no topic).
pub const SMS: &str = "sms";
/// The resource of an e-mail: the sender identity (`NotifyFrom`).
pub const SENDER: &str = "sender-identity";

/// Notes an action (the adapters call this).
pub fn record(action: &str, resource: &str) {
    let Some(to_file) = dir() else { return };
    let function = FUNCTION.try_with(|f| f.clone()).unwrap_or_else(|_| OUTSIDE.to_owned());
    let call = Call { function, action: action.to_owned(), resource: resource.to_owned() };
    let Ok(mut l) = LOG.lock() else { return };
    if l.insert(call.clone()) {
        append(to_file, &call);
    }
}

fn append(dir: &std::path::Path, c: &Call) {
    use std::io::Write;
    let line = serde_json::json!({"function": c.function, "action": c.action, "resource": c.resource});
    let file = dir.join(format!("{}.jsonl", std::process::id()));
    let _ = std::fs::create_dir_all(dir);
    // One write per line: the file is this process's own, and one write keeps a line whole.
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(file) {
        let _ = f.write_all(format!("{line}\n").as_bytes());
    }
}

/// When a run is recorded: what this stack calls the template's resources (name or id → logical
/// id), so the record can be read in the template's terms. Each stack's names go to a file of
/// their own (written whole, then renamed into place): many processes and threads note names at
/// once, and lines appended by several writers could interleave.
pub fn note_names(refs: &std::collections::BTreeMap<String, String>) {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let Some(d) = dir() else { return };
    let names: serde_json::Map<String, serde_json::Value> =
        refs.iter().map(|(logical, name)| (name.clone(), serde_json::Value::from(logical.clone()))).collect();
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let stem = format!("names-{}-{n}", std::process::id());
    let tmp = d.join(format!("{stem}.tmp"));
    let _ = std::fs::create_dir_all(d);
    if std::fs::write(&tmp, serde_json::Value::Object(names).to_string()).is_ok() {
        let _ = std::fs::rename(&tmp, d.join(format!("{stem}.names")));
    }
}

/// Names noted by [`note_names`] under `dir`: physical name or id → logical id.
pub fn read_names(dir: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for e in std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "names"))
    {
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        if let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(&text) {
            out.extend(m.into_iter().filter_map(|(k, v)| Some((k, v.as_str()?.to_owned()))));
        }
    }
    out
}

/// Every call recorded under `dir` by every process of a run.
pub fn read_dir(dir: &std::path::Path) -> BTreeSet<Call> {
    let mut out = BTreeSet::new();
    for e in std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
    {
        for line in std::fs::read_to_string(e.path()).unwrap_or_default().lines() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            out.insert(Call { function: s("function"), action: s("action"), resource: s("resource") });
        }
    }
    out
}

/// A DynamoDB query, on the table or one of its indexes.
pub fn record_query(table: &str, index: Option<&str>) {
    match index {
        Some(ix) => record("dynamodb:Query", &format!("{table}/index/{ix}")),
        None => record("dynamodb:Query", table),
    }
}

/// A transaction is authorised per item: each needs its own action.
pub fn record_transact(table: &str, ops: &[crate::table::TxOp]) {
    use crate::table::TxOp;
    for op in ops {
        let action = match op {
            TxOp::Put { .. } => "dynamodb:PutItem",
            TxOp::Update(_) => "dynamodb:UpdateItem",
            TxOp::Delete { .. } => "dynamodb:DeleteItem",
            TxOp::ConditionCheck { .. } => "dynamodb:ConditionCheckItem",
        };
        record(action, table);
    }
}

/// The PII data key and the blind-index key, as the local key provider (and cached keys) name
/// them; the record reads them as `PiiKey` and `BlindIndexKey`.
pub const LOCAL_DATA_KEY: &str = "local-data-key";
pub const LOCAL_MAC_KEY: &str = "local-mac-key";

/// Runs `fut` as `function` (every action it records is that function's).
pub async fn within<F: Future>(function: &str, fut: F) -> F::Output {
    FUNCTION.scope(function.to_owned(), fut).await
}
