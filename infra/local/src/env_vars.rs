//! `drop-local --env-vars FILE`: environment overrides in the SAM CLI's shape
//! (`sam local start-api --env-vars`): `{"Parameters": {"KEY": "v"}, "<LogicalId>": {"KEY": "v"}}`.
//! `Parameters` applies to every function; a function's own entry (by logical id or binary
//! name) only to it. Every function runs with its own context, as its own Lambda would.

use crate::template::Template;
use drop_runtime::Ctx;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
#[error("--env-vars: {0}")]
pub struct EnvVarsError(String);

#[derive(Debug, Default, Clone, PartialEq)]
pub struct EnvVars {
    pub all: BTreeMap<String, String>,
    /// By binary name.
    pub functions: BTreeMap<String, BTreeMap<String, String>>,
}

fn values(of: &str, v: &serde_json::Value) -> Result<BTreeMap<String, String>, EnvVarsError> {
    let bad = |why: &str| EnvVarsError(format!("{of}: {why}"));
    let map = v.as_object().ok_or_else(|| bad("must be an object of variables"))?;
    map.iter()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                _ => return Err(bad(&format!("{k} must be a string, number or boolean"))),
            };
            Ok((k.clone(), v))
        })
        .collect()
}

pub fn parse(text: &str, template: &Template) -> Result<EnvVars, EnvVarsError> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| EnvVarsError(format!("not JSON: {e}")))?;
    let top = doc.as_object().ok_or_else(|| EnvVarsError("must be a JSON object".into()))?;
    let mut out = EnvVars::default();
    for (key, v) in top {
        if key == "Parameters" {
            out.all = values(key, v)?;
            continue;
        }
        let f = template
            .functions
            .iter()
            .find(|f| &f.logical_id == key || &f.binary == key)
            .ok_or_else(|| EnvVarsError(format!("{key} is not a function of the template")))?;
        let vars = values(key, v)?;
        // The stack shares one base (tables, keys, store) among its functions: those are set for
        // all of them (`Parameters`), never for one.
        if let Some(shared) = vars.keys().find(|k| {
            drop_runtime::needs::CORE.contains(&k.as_str()) || drop_runtime::needs::LOCAL.contains(&k.as_str())
        }) {
            return Err(EnvVarsError(format!(
                "{key}: {shared} is the same for every function; set it under Parameters"
            )));
        }
        out.functions.insert(f.binary.clone(), vars);
    }
    Ok(out)
}

pub fn load(path: &Path, template: &Template) -> Result<EnvVars, EnvVarsError> {
    let text = std::fs::read_to_string(path).map_err(|e| EnvVarsError(format!("{}: {e}", path.display())))?;
    parse(&text, template)
}

/// The context each function runs with (wired with its needs only), and one wired with
/// everything for the stack's own work (the relay, `/_local/*`, tools).
pub struct Contexts {
    pub default: Arc<Ctx>,
    pub functions: BTreeMap<String, Arc<Ctx>>,
}

impl Contexts {
    /// A function's own context (every registered function has one; others get the stack's).
    pub fn of(&self, function: &str) -> &Arc<Ctx> {
        self.functions.get(function).unwrap_or(&self.default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Template {
        Template::load(&crate::stack::default_template()).unwrap()
    }

    #[test]
    fn reads_sam_shape_by_logical_id_or_binary() {
        let t = template();
        let v = parse(
            r#"{"Parameters": {"LIMIT_PER_DAY": 5000000, "LOG_LEVEL": "DEBUG"},
                "PaymentConfirmFunction": {"AML_REVIEW_AT": "150"}, "health": {"X": true}}"#,
            &t,
        )
        .unwrap();
        assert_eq!(v.all["LIMIT_PER_DAY"], "5000000");
        assert_eq!(v.functions["payment-confirm"]["AML_REVIEW_AT"], "150");
        assert_eq!(v.functions["health"]["X"], "true");
    }

    #[test]
    fn refuses_a_shared_setting_for_one_function() {
        let e = parse(r#"{"health": {"TABLE_NAME": "other"}}"#, &template()).unwrap_err();
        assert!(e.to_string().contains("TABLE_NAME"), "{e}");
        assert!(parse(r#"{"Parameters": {"TABLE_NAME": "other"}}"#, &template()).is_ok());
    }

    #[test]
    fn refuses_unknown_functions_and_nested_values() {
        let t = template();
        assert!(parse(r#"{"NoSuchFunction": {}}"#, &t).is_err());
        assert!(parse(r#"{"Parameters": {"A": {"b": 1}}}"#, &t).is_err());
        assert!(parse("[1]", &t).is_err());
    }
}
