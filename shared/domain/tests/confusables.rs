//! Look-alike letters do not beat screening (issue 9, defect 11): every listed person of the
//! fixture list, with any one letter replaced by any letter a recipient name may contain (Latin,
//! U+00C0–U+024F) that Unicode TR39 calls confusable with it (the same skeleton), scores
//! as high against the same entry as the plain name does (so a name the plain spelling would
//! block is blocked too). Exhaustive over the fixture, not sampled.

use drop_domain::screening::index::Index;
use drop_domain::screening::{Party, ScoreConfig};

/// TR39's skeleton of one letter: letters with the same skeleton are confusable.
fn prototype(c: char) -> String {
    let mut buf = [0u8; 4];
    unicode_security::confusable_detection::skeleton(c.encode_utf8(&mut buf)).collect()
}

/// Letters a recipient name accepts beyond ASCII (as `recipients::valid_name` does).
fn accepted() -> impl Iterator<Item = char> {
    ('\u{C0}'..='\u{24F}').filter(|c| c.is_alphabetic())
}

#[test]
fn any_listed_name_with_a_confusable_letter_still_hits() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/screening/fixture.csv")).unwrap();
    let index = Index::from_simple_csv(&text, "drop-fixture", "test").unwrap();
    let people: Vec<(String, String)> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f.get(1) == Some(&"Person")).then(|| (f[0].to_owned(), f[2].to_owned()))
        })
        .collect();
    assert!(people.len() >= 3);
    let mut tried = 0;
    let mut misses = Vec::new();
    for (id, name) in &people {
        let chars: Vec<char> = name.chars().collect();
        for (i, x) in chars.iter().enumerate().filter(|(_, x)| x.is_ascii_alphabetic()) {
            let want = prototype(*x);
            let plain = Party { names: vec![name.clone()], ..Default::default() };
            let plain = index.search(&plain, ScoreConfig::default()).into_iter().find(|h| &h.entry_id == id).unwrap();
            for c in accepted().filter(|c| prototype(*c) == want && c != x) {
                let mut forged = chars.clone();
                forged[i] = c;
                let forged: String = forged.into_iter().collect();
                let q = Party { names: vec![forged.clone()], ..Default::default() };
                let hit = index.search(&q, ScoreConfig::default()).into_iter().find(|h| &h.entry_id == id);
                tried += 1;
                if !hit.is_some_and(|h| h.potential_match && h.score >= plain.score - 1e-9) {
                    misses.push(format!("{forged} ({c:?} U+{:04X} for {x})", c as u32));
                }
            }
        }
    }
    assert!(tried >= 30, "only {tried} substitutions");
    assert!(misses.is_empty(), "{} of {tried} look-alike names missed: {misses:?}", misses.len());
}
