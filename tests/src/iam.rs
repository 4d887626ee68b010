//! What `template.yaml` lets each function do, as (action, resource) pairs in the same terms as
//! the least-privilege record (`drop_services::aws_calls`): resources by logical id
//! (`MainTable`, `MainTable/index/*`, `PiiKey`, `CursorKey`), `token-signing-key` for the keys IAM
//! names by tag, `sms` and `sender-identity` for notifications.

use serde_yaml::Value as Y;
use std::collections::{BTreeMap, BTreeSet};

pub type Grants = BTreeSet<(String, String)>;

/// `!Ref X` → ("Ref", "X"); `!Sub [template, vars]` → ("Sub", template).
fn tag(v: &Y) -> Option<(String, String)> {
    match v {
        Y::Tagged(t) => {
            let value = match &t.value {
                Y::Sequence(s) => s.first()?.as_str()?,
                other => other.as_str()?,
            };
            Some((t.tag.to_string().trim_start_matches('!').to_owned(), value.to_owned()))
        }
        _ => None,
    }
}

/// A statement's resource in the record's terms; `None` for one the test does not understand.
fn resource(v: &Y, cond: &Y) -> Option<String> {
    let by_tag = cond["StringEquals"]["aws:ResourceTag/drop:purpose"] == "token-signing"
        || cond["StringEquals"]["aws:RequestTag/drop:purpose"] == "token-signing";
    // `kms:ViaService` names the service that uses the key on the function's behalf.
    let via = match cond["StringEquals"]["kms:ViaService"].clone() {
        Y::Tagged(t) => t.value.as_str().map(|s| s.split('.').next().unwrap_or_default().to_owned()),
        other => other.as_str().map(|s| s.split('.').next().unwrap_or_default().to_owned()),
    };
    match (v.as_str(), tag(v)) {
        (Some("arn:aws:sns:*:*:*"), _) => Some("sns-topics".into()),
        (Some("*"), _) if by_tag => Some("token-signing-key".into()),
        (Some("*"), _) => Some("*".into()),
        (_, Some((t, s))) if t == "GetAtt" => {
            let id = s.trim_end_matches(".Arn").to_owned();
            Some(match via.as_deref() {
                Some("dynamodb") => format!("{id} (via DynamoDB)"),
                Some("s3") => format!("{id} (via S3)"),
                _ => id,
            })
        }
        (_, Some((t, s))) if t == "Ref" => Some(s),
        (_, Some((t, s))) if t == "Sub" => {
            if let Some(rest) = s.strip_prefix("${").and_then(|r| r.split_once(".Arn}")) {
                return Some(format!("{}{}", rest.0, rest.1));
            }
            if s.contains(":key/*") && by_tag {
                return Some("token-signing-key".into());
            }
            if s.contains(":identity/") {
                return Some("sender-identity".into());
            }
            None
        }
        _ => None,
    }
}

/// Allowed (action, resource) per function logical id; Deny statements are returned apart.
pub fn grants(template: &Y) -> (BTreeMap<String, Grants>, BTreeMap<String, Grants>) {
    let (mut allow, mut deny) = (BTreeMap::new(), BTreeMap::new());
    for (id, res) in template["Resources"].as_mapping().into_iter().flatten() {
        if res["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let id = id.as_str().unwrap_or_default().to_owned();
        let (a, d): (&mut Grants, &mut Grants) =
            (allow.entry(id.clone()).or_default(), deny.entry(id.clone()).or_default());
        for policy in res["Properties"]["Policies"].as_sequence().into_iter().flatten() {
            for st in policy["Statement"].as_sequence().into_iter().flatten() {
                let actions: Vec<String> = match &st["Action"] {
                    Y::String(s) => vec![s.clone()],
                    Y::Sequence(v) => v.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect(),
                    _ => vec![],
                };
                let resources: Vec<Y> = match &st["Resource"] {
                    Y::Sequence(v) => v.clone(),
                    other => vec![other.clone()],
                };
                let target = if st["Effect"] == "Deny" { &mut *d } else { &mut *a };
                for r in &resources {
                    let r = resource(r, &st["Condition"]).unwrap_or_else(|| format!("?{r:?}"));
                    for action in &actions {
                        target.insert((action.clone(), r.clone()));
                    }
                }
            }
        }
    }
    (allow, deny)
}
