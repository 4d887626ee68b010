//! Sanctions/PEP name screening: normalisation (case, diacritics, Cyrillic and Greek to Latin,
//! punctuation, name particles), similarity measures, an order-free token matcher with birth
//! date, country and gender adjustments, and an index with token and phonetic blocking.
//! Facts: `reference/compliance.md` §2.

pub mod distance;
pub mod index;
pub mod matcher;
pub mod normalize;

pub use matcher::{score, Explanation, Party, ScoreConfig};
