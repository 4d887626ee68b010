use super::{Condition, TableError};
use std::collections::BTreeMap;

/// An attribute value. Numbers are integers (money is minor units; rates are stored as strings).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Value {
    S(String),
    N(i64),
    B(Vec<u8>),
    Bool(bool),
    Null,
    L(Vec<Value>),
    M(BTreeMap<String, Value>),
}

impl Value {
    pub fn as_s(&self) -> Option<&str> {
        match self {
            Value::S(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_n(&self) -> Option<i64> {
        match self {
            Value::N(n) => Some(*n),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::S(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::S(s)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::N(n)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

pub type Attrs = BTreeMap<String, Value>;

/// An item: its attributes, always including `pk` and `sk` as strings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Item(pub Attrs);

impl Item {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        let mut m = Attrs::new();
        m.insert("pk".into(), Value::S(pk.into()));
        m.insert("sk".into(), Value::S(sk.into()));
        Item(m)
    }

    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.0.insert(name.to_owned(), value.into());
        self
    }

    pub fn set(&mut self, name: &str, value: impl Into<Value>) {
        self.0.insert(name.to_owned(), value.into());
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    pub fn s(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_s)
    }

    pub fn n(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(Value::as_n)
    }

    pub fn key(&self) -> Result<Key, TableError> {
        match (self.s("pk"), self.s("sk")) {
            (Some(pk), Some(sk)) if !pk.is_empty() && !sk.is_empty() => Ok(Key::new(pk, sk)),
            _ => Err(TableError::Invalid("item needs non-empty string pk and sk".into())),
        }
    }

    /// True if the TTL attribute is set and not after `now` (epoch seconds).
    pub fn is_expired(&self, now: i64) -> bool {
        matches!(self.n(super::TTL_ATTR), Some(t) if t <= now)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Key { pk: pk.into(), sk: sk.into() }
    }
}

/// A conditional update: SET, ADD (numeric increment, starting from 0), REMOVE.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub key: Key,
    pub set: Attrs,
    pub add: BTreeMap<String, i64>,
    pub remove: Vec<String>,
    pub condition: Option<Condition>,
}

impl Update {
    pub fn new(key: Key) -> Self {
        Update { key, set: Attrs::new(), add: BTreeMap::new(), remove: Vec::new(), condition: None }
    }
    pub fn set(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.set.insert(name.to_owned(), value.into());
        self
    }
    pub fn add(mut self, name: &str, delta: i64) -> Self {
        self.add.insert(name.to_owned(), delta);
        self
    }
    pub fn remove(mut self, name: &str) -> Self {
        self.remove.push(name.to_owned());
        self
    }
    pub fn when(mut self, condition: Condition) -> Self {
        self.condition = Some(condition);
        self
    }

    pub fn validate(&self) -> Result<(), TableError> {
        let touches_key = |n: &str| n == "pk" || n == "sk";
        if self.set.keys().chain(self.add.keys()).chain(self.remove.iter()).any(|n| touches_key(n)) {
            return Err(TableError::Invalid("an update cannot change pk or sk".into()));
        }
        if self.set.is_empty() && self.add.is_empty() && self.remove.is_empty() {
            return Err(TableError::Invalid("an update must change something".into()));
        }
        let mut names = std::collections::HashSet::new();
        for n in self.set.keys().chain(self.add.keys()).chain(self.remove.iter()) {
            if !names.insert(n.as_str()) {
                return Err(TableError::Invalid(format!("attribute {n} is changed twice")));
            }
        }
        Ok(())
    }

    /// Applies the update to the current item (None = absent), as the store does.
    pub fn apply(&self, current: Option<Item>) -> Result<Item, TableError> {
        let mut item = current.unwrap_or_else(|| Item::new(&self.key.pk, &self.key.sk));
        for (n, v) in &self.set {
            item.0.insert(n.clone(), v.clone());
        }
        for (n, d) in &self.add {
            let base = match item.get(n) {
                None => 0,
                Some(Value::N(x)) => *x,
                Some(_) => return Err(TableError::Invalid(format!("ADD on non-number {n}"))),
            };
            let v = base.checked_add(*d).ok_or_else(|| TableError::Invalid("overflow".into()))?;
            item.0.insert(n.clone(), Value::N(v));
        }
        for n in &self.remove {
            item.0.remove(n);
        }
        Ok(item)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TxOp {
    Put { item: Item, condition: Option<Condition> },
    Update(Update),
    Delete { key: Key, condition: Option<Condition> },
    ConditionCheck { key: Key, condition: Condition },
}

impl TxOp {
    pub fn key(&self) -> Result<Key, TableError> {
        match self {
            TxOp::Put { item, .. } => item.key(),
            TxOp::Update(u) => Ok(u.key.clone()),
            TxOp::Delete { key, .. } | TxOp::ConditionCheck { key, .. } => Ok(key.clone()),
        }
    }
    pub fn condition(&self) -> Option<&Condition> {
        match self {
            TxOp::Put { condition, .. } | TxOp::Delete { condition, .. } => condition.as_ref(),
            TxOp::Update(u) => u.condition.as_ref(),
            TxOp::ConditionCheck { condition, .. } => Some(condition),
        }
    }
}

/// Which sort keys a query selects.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    All,
    Prefix(String),
    /// Inclusive on both ends.
    Between(String, String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// None = the table; Some("gsi1") = that index (keys `gsi1pk` / `gsi1sk`).
    pub index: Option<String>,
    pub pk: String,
    pub sort: SortKey,
    pub forward: bool,
    pub limit: Option<u32>,
    /// The opaque `cursor` of a previous page.
    pub cursor: Option<String>,
}

impl Query {
    pub fn partition(pk: impl Into<String>) -> Self {
        Query { index: None, pk: pk.into(), sort: SortKey::All, forward: true, limit: None, cursor: None }
    }
    pub fn on_index(mut self, index: &str) -> Self {
        self.index = Some(index.to_owned());
        self
    }
    pub fn prefix(mut self, p: impl Into<String>) -> Self {
        self.sort = SortKey::Prefix(p.into());
        self
    }
    pub fn between(mut self, lo: impl Into<String>, hi: impl Into<String>) -> Self {
        self.sort = SortKey::Between(lo.into(), hi.into());
        self
    }
    pub fn backward(mut self) -> Self {
        self.forward = false;
        self
    }
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }
    pub fn after(mut self, cursor: Option<String>) -> Self {
        self.cursor = cursor;
        self
    }

    /// The attribute names holding this query's partition and sort keys.
    pub fn key_attrs(&self) -> Result<(String, String), TableError> {
        match &self.index {
            None => Ok(("pk".into(), "sk".into())),
            Some(ix) if is_index_name(ix) => Ok((format!("{ix}pk"), format!("{ix}sk"))),
            Some(ix) => Err(TableError::Invalid(format!("unknown index {ix}"))),
        }
    }
}

/// `gsi1` .. `gsi9`.
pub fn is_index_name(ix: &str) -> bool {
    ix.len() == 4 && ix.starts_with("gsi") && ix.as_bytes()[3].is_ascii_digit() && ix != "gsi0"
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub items: Vec<Item>,
    /// Present when more items may follow; pass it back as `Query::cursor`.
    pub cursor: Option<String>,
}
