//! `Secret<T>`: a value that never prints. `Debug` and `Display` are masked; the plaintext needs an
//! explicit `expose()`; the inner value is zeroised on drop. There is deliberately no `Serialize`:
//! writing a secret anywhere must go through the crypto/persistence code that encrypts it.

use std::fmt;
use zeroize::Zeroize;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The plaintext. Every call site is a place where a secret leaves its wrapper: keep them few.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<T: Zeroize> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T: Zeroize> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret(value)
    }
}

impl<'de, T: Zeroize + serde::Deserialize<'de>> serde::Deserialize<'de> for Secret<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_masked() {
        let s = Secret::new(String::from("13097248022"));
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{s}"), "***");
        assert!(!format!("{s:?} {s} {s:#?}").contains("1309"));
        assert_eq!(s.expose(), "13097248022");
    }

    #[test]
    fn deserializes_from_plain_json() {
        let s: Secret<String> = serde_json::from_str("\"+4791234567\"").unwrap();
        assert_eq!(s.expose(), "+4791234567");
        assert_eq!(format!("{s:?}"), "Secret(***)");
    }
}
