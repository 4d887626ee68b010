//! Whole numbers in request bodies. JSON does not tell `12` from `12.0` (JSON Schema's `integer`
//! accepts both), so an integer field accepts either, up to ±(2^53 − 1) — the range every JSON
//! client, JavaScript included, holds exactly. A fraction is refused. (A decimal literal with more
//! digits than a double holds, such as `4999.99999999999999`, is read as the double it denotes,
//! here 5000: what any JavaScript client would have sent for it.)

use serde::{Deserialize, Deserializer};

/// The largest magnitude accepted: 2^53 − 1.
pub const MAX: i64 = 9_007_199_254_740_991;

fn whole(n: &serde_json::Number) -> Option<i64> {
    let v = match n.as_i64() {
        Some(i) => i,
        None => {
            let f = n.as_f64()?;
            if f.fract() != 0.0 || f.abs() > MAX as f64 {
                return None;
            }
            f as i64
        }
    };
    (v.abs() <= MAX).then_some(v)
}

/// `#[serde(default, deserialize_with = "drop_runtime::whole::option")]` for `Option<i64>`.
pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<serde_json::Number>::deserialize(d)? {
        None => Ok(None),
        Some(n) => whole(&n).map(Some).ok_or_else(|| serde::de::Error::custom("a whole number up to 2^53 − 1")),
    }
}

/// `#[serde(deserialize_with = "drop_runtime::whole::required")]` for `i64`.
pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    whole(&n).ok_or_else(|| serde::de::Error::custom("a whole number up to 2^53 − 1"))
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize, Debug)]
    struct T {
        #[serde(default, deserialize_with = "super::option")]
        a: Option<i64>,
    }

    fn a(json: &str) -> Result<Option<i64>, ()> {
        serde_json::from_str::<T>(json).map(|t| t.a).map_err(|_| ())
    }

    #[test]
    fn whole_numbers_in_either_form_and_nothing_else() {
        assert_eq!(a(r#"{"a":12}"#), Ok(Some(12)));
        assert_eq!(a(r#"{"a":12.0}"#), Ok(Some(12)));
        assert_eq!(a(r#"{"a":1e3}"#), Ok(Some(1000)));
        assert_eq!(a(r#"{"a":null}"#), Ok(None));
        assert_eq!(a(r#"{}"#), Ok(None));
        assert_eq!(a(r#"{"a":9007199254740991}"#), Ok(Some(super::MAX)));
        for bad in [
            r#"{"a":12.5}"#,
            r#"{"a":9007199254740992}"#,
            r#"{"a":9007199254740993.0}"#,
            r#"{"a":"12"}"#,
            r#"{"a":1e300}"#,
        ] {
            assert_eq!(a(bad), Err(()), "{bad}");
        }
    }
}
