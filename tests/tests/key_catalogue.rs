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
