//! Builds DynamoDB expressions (placeholders for every name and value) from typed conditions.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue as Av;
use drop_services::table::{Attrs, Cmp, Condition, Item, TableError, Value, TTL_ATTR};
use std::collections::HashMap;

#[derive(Default)]
pub struct Expr {
    pub names: HashMap<String, String>,
    pub values: HashMap<String, Av>,
}

impl Expr {
    pub fn name(&mut self, n: &str) -> String {
        if let Some((k, _)) = self.names.iter().find(|(_, v)| v.as_str() == n) {
            return k.clone();
        }
        let k = format!("#n{}", self.names.len());
        self.names.insert(k.clone(), n.to_owned());
        k
    }

    pub fn value(&mut self, v: Av) -> String {
        let k = format!(":v{}", self.values.len());
        self.values.insert(k.clone(), v);
        k
    }

    pub fn condition(&mut self, c: &Condition) -> String {
        match c {
            Condition::Exists(n) => format!("attribute_exists({})", self.name(n)),
            Condition::NotExists(n) => format!("attribute_not_exists({})", self.name(n)),
            Condition::Equals(n, v) => {
                let (n, v) = (self.name(n), self.value(to_av(v)));
                format!("{n} = {v}")
            }
            Condition::Compare(n, op, x) => {
                let (n, v) = (self.name(n), self.value(Av::N(x.to_string())));
                // `<>` holds for a missing attribute in DynamoDB; our contract says false.
                match op {
                    Cmp::Ne => format!("attribute_exists({n}) AND {n} <> {v}"),
                    _ => format!("{n} {} {v}", op.symbol()),
                }
            }
            Condition::And(cs) => self.join(cs, " AND "),
            Condition::Or(cs) => self.join(cs, " OR "),
        }
    }

    /// Joins parts, each in parentheses exactly once (DynamoDB rejects redundant parentheses).
    fn join(&mut self, cs: &[Condition], sep: &str) -> String {
        match cs {
            // An empty AND is true, an empty OR false: a tautology / contradiction on the key.
            [] => {
                let pk = self.name("pk");
                let op = if sep.contains("AND") { "OR" } else { "AND" };
                format!("attribute_exists({pk}) {op} attribute_not_exists({pk})")
            }
            [one] => self.condition(one),
            many => {
                let parts: Vec<String> = many.iter().map(|c| format!("({})", self.condition(c))).collect();
                parts.join(sep)
            }
        }
    }

    /// The condition as DynamoDB must evaluate it so that an item past its TTL, not yet purged,
    /// counts as absent: `(expired AND c(∅)) OR (live AND c(item))`, with `c(∅)` known up front.
    pub fn ttl_aware(&mut self, c: &Condition, now: i64) -> String {
        let ttl = self.name(TTL_ATTR);
        let now = self.value(Av::N(now.to_string()));
        let live = format!("(attribute_not_exists({ttl}) OR {ttl} > {now})");
        let inner = self.condition(c);
        if c.eval(None) {
            format!("(NOT {live}) OR ({inner})")
        } else {
            format!("{live} AND ({inner})")
        }
    }

    pub fn names_opt(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    pub fn values_opt(&self) -> Option<HashMap<String, Av>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

pub fn to_av(v: &Value) -> Av {
    match v {
        Value::S(s) => Av::S(s.clone()),
        Value::N(n) => Av::N(n.to_string()),
        Value::B(b) => Av::B(Blob::new(b.clone())),
        Value::Bool(b) => Av::Bool(*b),
        Value::Null => Av::Null(true),
        Value::L(l) => Av::L(l.iter().map(to_av).collect()),
        Value::M(m) => Av::M(m.iter().map(|(k, v)| (k.clone(), to_av(v))).collect()),
    }
}

pub fn from_av(av: &Av) -> Result<Value, TableError> {
    Ok(match av {
        Av::S(s) => Value::S(s.clone()),
        Av::N(n) => Value::N(n.parse().map_err(|_| TableError::Corrupt(format!("number {n} is not an integer")))?),
        Av::B(b) => Value::B(b.as_ref().to_vec()),
        Av::Bool(b) => Value::Bool(*b),
        Av::Null(_) => Value::Null,
        Av::L(l) => Value::L(l.iter().map(from_av).collect::<Result<_, _>>()?),
        Av::M(m) => Value::M(m.iter().map(|(k, v)| Ok((k.clone(), from_av(v)?))).collect::<Result<_, TableError>>()?),
        other => return Err(TableError::Corrupt(format!("unsupported attribute type {other:?}"))),
    })
}

pub fn to_map(item: &Item) -> HashMap<String, Av> {
    item.0.iter().map(|(k, v)| (k.clone(), to_av(v))).collect()
}

pub fn from_map(m: &HashMap<String, Av>) -> Result<Item, TableError> {
    let attrs: Attrs = m.iter().map(|(k, v)| Ok((k.clone(), from_av(v)?))).collect::<Result<_, TableError>>()?;
    Ok(Item(attrs))
}
