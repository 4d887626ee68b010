//! Keys are written in one place: no string literal that looks like a key prefix (`"USER#`,
//! `"PAY#`, …) in the sources outside `drop_domain::keys` (tests excluded).

use regex::Regex;
use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_key_prefix_outside_the_catalogue() {
    let prefix = Regex::new(r#""[A-Z][A-Z_]+#"#).unwrap();
    let root = drop_tests::root();
    let catalogue = root.join("shared/domain/src/keys");
    let mut found = Vec::new();
    for dir in ["shared", "functions/src", "infra/local/src", "infra/simulators/src"] {
        let mut files = Vec::new();
        rust_files(&root.join(dir), &mut files);
        for f in
            files.iter().filter(|f| !f.starts_with(&catalogue) && !f.components().any(|c| c.as_os_str() == "examples"))
        {
            let text = std::fs::read_to_string(f).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, line) in code.lines().enumerate() {
                if prefix.is_match(line) && !line.trim_start().starts_with("//") {
                    found.push(format!("{}:{}: {}", f.strip_prefix(&root).unwrap().display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "key prefixes outside drop_domain::keys:\n{}", found.join("\n"));
}

#[test]
fn the_check_sees_a_prefix() {
    assert!(Regex::new(r#""[A-Z][A-Z_]+#"#).unwrap().is_match(r#"format!("USER#{id}")"#));
}

/// An item attribute named by a string literal (`.s("status")`, `.with("status", …)`,
/// `Condition::eq("status", …)`, …), outside tests.
const ATTR_LITERAL: &str =
    r#"(?:\.(?:s|n|with|set|add|bool)\(|Condition::(?:eq|ne|cmp|Exists|NotExists)\()"([a-z][a-z0-9_]*)""#;

/// Attribute names are written once: an attribute the services name by a literal in more than
/// one place must be a constant of `drop_domain::keys::attr` (and a constant's name is never
/// spelled as a literal), so an item's writes and reads cannot drift apart.
#[test]
fn attribute_names_are_written_once() {
    let attr = Regex::new(ATTR_LITERAL).unwrap();
    let root = drop_tests::root();
    let constants = std::fs::read_to_string(root.join("shared/domain/src/keys/attr.rs")).unwrap();
    let declared: std::collections::HashSet<String> =
        Regex::new(r#"= "([^"]+)";"#).unwrap().captures_iter(&constants).map(|c| c[1].to_owned()).collect();
    let mut files = Vec::new();
    rust_files(&root.join("shared/services/src"), &mut files);
    let generic = root.join("shared/services/src/table");
    let mut seen: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for f in files.iter().filter(|f| !f.starts_with(&generic)) {
        let text = std::fs::read_to_string(f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate().filter(|(_, l)| !l.trim_start().starts_with("//")) {
            for c in attr.captures_iter(line) {
                let at = format!("{}:{}", f.strip_prefix(&root).unwrap().display(), n + 1);
                seen.entry(c[1].to_owned()).or_default().push(at);
            }
        }
    }
    let bad: Vec<String> = seen
        .iter()
        .filter(|(name, at)| at.len() > 1 || declared.contains(*name))
        .map(|(name, at)| format!("\"{name}\": {}", at.join(", ")))
        .collect();
    assert!(bad.is_empty(), "attribute names as literals (use drop_domain::keys::attr):\n{}", bad.join("\n"));
}

#[test]
fn the_check_sees_an_attribute_literal() {
    let attr = Regex::new(ATTR_LITERAL).unwrap();
    assert_eq!(&attr.captures(r#"item.s("status")?"#).unwrap()[1], "status");
    assert_eq!(&attr.captures(r#"Condition::eq("version", 3)"#).unwrap()[1], "version");
    assert!(attr.captures(r#"item.s(attr::STATUS)"#).is_none());
}
