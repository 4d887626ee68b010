//! Reads what the local stack needs from `template.yaml`: functions and their events, queues,
//! rules, tables, keys, buses, and the environment each function gets.

use serde_yaml::Value as Y;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {0}: {1}")]
    Read(String, String),
    #[error("template: {0}")]
    Invalid(String),
}

/// An intrinsic-or-literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Literal(String),
    Ref(String),
    GetAtt(String, String),
    Sub(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventSpec {
    Http { method: String, path: String },
    Sqs { queue: String, batch_size: u32 },
    Schedule { expression: String },
}

#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub logical_id: String,
    pub binary: String,
    pub timeout: u32,
    pub env: BTreeMap<String, Expr>,
    pub events: Vec<EventSpec>,
}

#[derive(Debug, Clone)]
pub struct QueueSpec {
    pub visibility_timeout: u32,
    pub dead_letter: Option<String>,
    pub max_receive: u32,
}

#[derive(Debug, Clone)]
pub struct RuleSpec {
    pub logical_id: String,
    pub pattern: serde_json::Value,
    pub queues: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct TableSpec {
    pub gsis: Vec<String>,
    pub ttl_attribute: Option<String>,
}

#[derive(Debug, Clone)]
pub struct KeySpec {
    pub spec: String,
    pub usage: String,
}

#[derive(Debug, Clone, Default)]
pub struct Template {
    pub parameters: BTreeMap<String, Option<String>>,
    pub functions: Vec<FunctionSpec>,
    pub queues: BTreeMap<String, QueueSpec>,
    pub rules: Vec<RuleSpec>,
    pub tables: BTreeMap<String, TableSpec>,
    pub keys: BTreeMap<String, KeySpec>,
    pub buses: Vec<String>,
    /// `AWS::SecretsManager::Secret` logical ids.
    pub secrets: Vec<String>,
    /// `AWS::S3::Bucket` logical id → the KMS key (logical id) of its default encryption.
    pub buckets: BTreeMap<String, Option<String>>,
    /// `AWS::SecretsManager::RotationSchedule`s.
    pub rotations: Vec<RotationSpec>,
}

/// A secret rotated by a function on a schedule (Secrets Manager runs the steps in AWS).
#[derive(Debug, Clone)]
pub struct RotationSpec {
    pub logical_id: String,
    /// The secret's logical id.
    pub secret: String,
    /// The rotation function's logical id.
    pub function: String,
    pub expression: String,
}

fn tag_name(t: &serde_yaml::value::TaggedValue) -> String {
    t.tag.to_string().trim_start_matches('!').to_owned()
}

pub fn expr(v: &Y) -> Option<Expr> {
    match v {
        Y::String(s) => Some(Expr::Literal(s.clone())),
        Y::Number(n) => Some(Expr::Literal(n.to_string())),
        Y::Bool(b) => Some(Expr::Literal(b.to_string())),
        Y::Tagged(t) => {
            let s = t.value.as_str()?;
            match tag_name(t).as_str() {
                "Ref" => Some(Expr::Ref(s.to_owned())),
                "GetAtt" => {
                    let (a, b) = s.split_once('.')?;
                    Some(Expr::GetAtt(a.to_owned(), b.to_owned()))
                }
                "Sub" => Some(Expr::Sub(s.to_owned())),
                _ => None,
            }
        }
        Y::Mapping(m) if m.len() == 1 => {
            let (k, v) = m.iter().next()?;
            match (k.as_str()?, v) {
                ("Ref", Y::String(s)) => Some(Expr::Ref(s.clone())),
                ("Fn::GetAtt", Y::Sequence(p)) if p.len() == 2 => {
                    Some(Expr::GetAtt(p[0].as_str()?.to_owned(), p[1].as_str()?.to_owned()))
                }
                ("Fn::Sub", Y::String(s)) => Some(Expr::Sub(s.clone())),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The logical id an expression points at (`!Ref X`, `!GetAtt X.Arn`).
pub fn target(e: &Expr) -> Option<&str> {
    match e {
        Expr::Ref(x) | Expr::GetAtt(x, _) => Some(x),
        _ => None,
    }
}

fn env_of(props: &Y) -> BTreeMap<String, Expr> {
    props
        .get("Environment")
        .and_then(|e| e.get("Variables"))
        .and_then(Y::as_mapping)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.as_str()?.to_owned(), expr(v)?))).collect())
        .unwrap_or_default()
}

fn u32_of(v: Option<&Y>) -> Option<u32> {
    v.and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))).map(|n| n as u32)
}

/// YAML (with intrinsic tags) to JSON, for event patterns.
fn to_json(v: &Y) -> serde_json::Value {
    match v {
        Y::Null => serde_json::Value::Null,
        Y::Bool(b) => serde_json::Value::Bool(*b),
        Y::Number(n) => serde_json::from_str(&n.to_string()).unwrap_or(serde_json::Value::Null),
        Y::String(s) => serde_json::Value::String(s.clone()),
        Y::Sequence(s) => serde_json::Value::Array(s.iter().map(to_json).collect()),
        Y::Mapping(m) => serde_json::Value::Object(
            m.iter().filter_map(|(k, v)| Some((k.as_str()?.to_owned(), to_json(v)))).collect(),
        ),
        Y::Tagged(t) => to_json(&t.value),
    }
}

impl Template {
    pub fn load(path: &Path) -> Result<Self, TemplateError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TemplateError::Read(path.display().to_string(), e.to_string()))?;
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let doc: Y = serde_yaml::from_str(text).map_err(|e| TemplateError::Invalid(e.to_string()))?;
        let mut t = Template::default();
        if let Some(ps) = doc.get("Parameters").and_then(Y::as_mapping) {
            for (k, v) in ps {
                let default = v.get("Default").and_then(|d| match d {
                    Y::String(s) => Some(s.clone()),
                    Y::Number(n) => Some(n.to_string()),
                    _ => None,
                });
                t.parameters.insert(k.as_str().unwrap_or_default().to_owned(), default);
            }
        }
        let globals = doc.get("Globals").and_then(|g| g.get("Function"));
        let global_env = globals.map(env_of).unwrap_or_default();
        let global_timeout = u32_of(globals.and_then(|g| g.get("Timeout"))).unwrap_or(3);
        let resources = doc
            .get("Resources")
            .and_then(Y::as_mapping)
            .ok_or_else(|| TemplateError::Invalid("no Resources".into()))?;
        for (id, res) in resources {
            let id = id.as_str().unwrap_or_default().to_owned();
            let ty = res.get("Type").and_then(Y::as_str).unwrap_or_default();
            let props = res.get("Properties").cloned().unwrap_or(Y::Null);
            match ty {
                "AWS::Serverless::Function" => {
                    t.functions.push(function(&id, res, &props, &global_env, global_timeout)?)
                }
                "AWS::SQS::Queue" => {
                    let redrive = props.get("RedrivePolicy");
                    t.queues.insert(
                        id,
                        QueueSpec {
                            visibility_timeout: u32_of(props.get("VisibilityTimeout")).unwrap_or(30),
                            dead_letter: redrive
                                .and_then(|r| r.get("deadLetterTargetArn"))
                                .and_then(expr)
                                .and_then(|e| target(&e).map(str::to_owned)),
                            max_receive: u32_of(redrive.and_then(|r| r.get("maxReceiveCount"))).unwrap_or(u32::MAX),
                        },
                    );
                }
                "AWS::Events::Rule" => {
                    let queues = props
                        .get("Targets")
                        .and_then(Y::as_sequence)
                        .map(|ts| {
                            ts.iter()
                                .filter_map(|x| x.get("Arn").and_then(expr))
                                .filter_map(|e| target(&e).map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default();
                    let pattern = props.get("EventPattern").map(to_json).unwrap_or_default();
                    t.rules.push(RuleSpec { logical_id: id, pattern, queues });
                }
                "AWS::DynamoDB::Table" => {
                    let gsis = props
                        .get("GlobalSecondaryIndexes")
                        .and_then(Y::as_sequence)
                        .map(|g| {
                            g.iter().filter_map(|x| x.get("IndexName").and_then(Y::as_str).map(str::to_owned)).collect()
                        })
                        .unwrap_or_default();
                    let ttl = props
                        .get("TimeToLiveSpecification")
                        .and_then(|x| x.get("AttributeName"))
                        .and_then(Y::as_str)
                        .map(str::to_owned);
                    t.tables.insert(id, TableSpec { gsis, ttl_attribute: ttl });
                }
                "AWS::KMS::Key" => {
                    let s = |k: &str, d: &str| props.get(k).and_then(Y::as_str).unwrap_or(d).to_owned();
                    t.keys.insert(
                        id,
                        KeySpec { spec: s("KeySpec", "SYMMETRIC_DEFAULT"), usage: s("KeyUsage", "ENCRYPT_DECRYPT") },
                    );
                }
                "AWS::Events::EventBus" => t.buses.push(id),
                "AWS::S3::Bucket" => {
                    let key = props
                        .get("BucketEncryption")
                        .and_then(|b| b.get("ServerSideEncryptionConfiguration"))
                        .and_then(Y::as_sequence)
                        .and_then(|c| c.first())
                        .and_then(|c| c.get("ServerSideEncryptionByDefault"))
                        .and_then(|d| d.get("KMSMasterKeyID"))
                        .and_then(expr)
                        .and_then(|e| target(&e).map(str::to_owned));
                    t.buckets.insert(id, key);
                }
                "AWS::SecretsManager::Secret" => t.secrets.push(id),
                "AWS::SecretsManager::RotationSchedule" => {
                    let of = |k: &str| props.get(k).and_then(expr).and_then(|e| target(&e).map(str::to_owned));
                    let expression = props
                        .get("RotationRules")
                        .and_then(|r| r.get("ScheduleExpression"))
                        .and_then(Y::as_str)
                        .map(str::to_owned);
                    match (of("SecretId"), of("RotationLambdaARN"), expression) {
                        (Some(secret), Some(function), Some(expression)) => {
                            t.rotations.push(RotationSpec { logical_id: id, secret, function, expression })
                        }
                        _ => {
                            return Err(TemplateError::Invalid(format!(
                                "{id}: SecretId, RotationLambdaARN and RotationRules.ScheduleExpression are needed"
                            )))
                        }
                    }
                }
                _ => {}
            }
        }
        t.functions.sort_by(|a, b| a.binary.cmp(&b.binary));
        Ok(t)
    }

    pub fn function(&self, binary: &str) -> Option<&FunctionSpec> {
        self.functions.iter().find(|f| f.binary == binary)
    }

    /// Every (method, path, binary) of the HTTP API.
    pub fn routes(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for f in &self.functions {
            for e in &f.events {
                if let EventSpec::Http { method, path } = e {
                    out.push((method.clone(), path.clone(), f.binary.clone()));
                }
            }
        }
        out.sort();
        out
    }
}

fn function(
    id: &str,
    res: &Y,
    props: &Y,
    global_env: &BTreeMap<String, Expr>,
    global_timeout: u32,
) -> Result<FunctionSpec, TemplateError> {
    let binary = res
        .get("Metadata")
        .and_then(|m| m.get("BuildProperties"))
        .and_then(|b| b.get("Binary"))
        .and_then(Y::as_str)
        .ok_or_else(|| TemplateError::Invalid(format!("{id} has no Metadata.BuildProperties.Binary")))?
        .to_owned();
    let mut env = global_env.clone();
    env.extend(env_of(props));
    let mut events = Vec::new();
    if let Some(evs) = props.get("Events").and_then(Y::as_mapping) {
        for (name, ev) in evs {
            let p = ev.get("Properties").cloned().unwrap_or(Y::Null);
            let s = |k: &str| p.get(k).and_then(Y::as_str).map(str::to_owned);
            let bad = || TemplateError::Invalid(format!("{id} event {} is incomplete", name.as_str().unwrap_or("?")));
            match ev.get("Type").and_then(Y::as_str).unwrap_or_default() {
                "HttpApi" => events.push(EventSpec::Http {
                    method: s("Method").ok_or_else(bad)?.to_uppercase(),
                    path: s("Path").ok_or_else(bad)?,
                }),
                "SQS" => {
                    let queue =
                        p.get("Queue").and_then(expr).and_then(|e| target(&e).map(str::to_owned)).ok_or_else(bad)?;
                    events.push(EventSpec::Sqs { queue, batch_size: u32_of(p.get("BatchSize")).unwrap_or(10) });
                }
                "Schedule" | "ScheduleV2" => events.push(EventSpec::Schedule {
                    expression: s("ScheduleExpression").or_else(|| s("Schedule")).ok_or_else(bad)?,
                }),
                other => {
                    return Err(TemplateError::Invalid(format!("{id}: event type {other} is not supported locally")))
                }
            }
        }
    }
    Ok(FunctionSpec {
        logical_id: id.to_owned(),
        binary,
        timeout: u32_of(props.get("Timeout")).unwrap_or(global_timeout),
        env,
        events,
    })
}
