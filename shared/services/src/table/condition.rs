use super::{Item, Value};
use std::cmp::Ordering;

/// A typed condition on an item (evaluated against the item as stored; an absent or expired
/// item has no attributes).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Exists(String),
    NotExists(String),
    Equals(String, Value),
    /// Numeric comparison: `attr <op> n`; false if the attribute is absent or not a number.
    Compare(String, Cmp, i64),
    And(Vec<Condition>),
    Or(Vec<Condition>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Ne,
}

impl Cmp {
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Ne => "<>",
        }
    }
    fn holds(self, o: Ordering) -> bool {
        match self {
            Cmp::Lt => o == Ordering::Less,
            Cmp::Le => o != Ordering::Greater,
            Cmp::Gt => o == Ordering::Greater,
            Cmp::Ge => o != Ordering::Less,
            Cmp::Ne => o != Ordering::Equal,
        }
    }
}

impl Condition {
    /// The item must not exist yet.
    pub fn absent() -> Self {
        Condition::NotExists("pk".into())
    }
    /// The item must exist.
    pub fn present() -> Self {
        Condition::Exists("pk".into())
    }
    pub fn eq(attr: &str, v: impl Into<Value>) -> Self {
        Condition::Equals(attr.into(), v.into())
    }
    pub fn cmp(attr: &str, op: Cmp, n: i64) -> Self {
        Condition::Compare(attr.into(), op, n)
    }
    pub fn and(self, other: Condition) -> Self {
        Condition::And(vec![self, other])
    }
    pub fn or(self, other: Condition) -> Self {
        Condition::Or(vec![self, other])
    }

    /// Evaluates against the current item (None = absent).
    pub fn eval(&self, item: Option<&Item>) -> bool {
        let attr = |n: &str| item.and_then(|i| i.get(n));
        match self {
            Condition::Exists(n) => attr(n).is_some(),
            Condition::NotExists(n) => attr(n).is_none(),
            Condition::Equals(n, v) => attr(n) == Some(v),
            Condition::Compare(n, op, x) => match attr(n) {
                Some(Value::N(a)) => op.holds(a.cmp(x)),
                _ => false,
            },
            Condition::And(cs) => cs.iter().all(|c| c.eval(item)),
            Condition::Or(cs) => cs.iter().any(|c| c.eval(item)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluates() {
        let it = Item::new("a", "b").with("n", 5).with("s", "x");
        assert!(Condition::present().eval(Some(&it)));
        assert!(!Condition::present().eval(None));
        assert!(Condition::absent().eval(None));
        assert!(Condition::eq("s", "x").eval(Some(&it)));
        assert!(!Condition::eq("s", "y").eval(Some(&it)));
        assert!(Condition::cmp("n", Cmp::Ge, 5).eval(Some(&it)));
        assert!(!Condition::cmp("n", Cmp::Gt, 5).eval(Some(&it)));
        assert!(!Condition::cmp("s", Cmp::Gt, 0).eval(Some(&it)));
        assert!(Condition::cmp("n", Cmp::Ne, 4).eval(Some(&it)));
        assert!(Condition::absent().or(Condition::cmp("n", Cmp::Lt, 9)).eval(Some(&it)));
        assert!(!Condition::present().and(Condition::cmp("n", Cmp::Lt, 5)).eval(Some(&it)));
    }
}
