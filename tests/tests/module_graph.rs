//! No import cycles between the modules of a crate: each file's `crate::…` and `super::…` paths
//! (outside its `#[cfg(test)]` part) are edges to the module they name; a parent and its own
//! children are one unit (`mod.rs` declares them). A cycle fails with the modules in it.

use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const CRATES: &[&str] = &[
    "shared/domain/src",
    "shared/services/src",
    "shared/adapters/src",
    "shared/runtime/src",
    "functions/src",
    "infra/local/src",
    "infra/simulators/src",
    "tests/src",
];

type Module = Vec<String>;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() && p.file_name().is_some_and(|n| n != "bin") {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut m: Module = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    if matches!(m.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        m.pop();
    }
    m
}

/// Module → the modules it names (its own ancestors and descendants excluded).
fn graph(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut all = Vec::new();
    files(src, &mut all);
    let modules: BTreeMap<Module, PathBuf> = all.iter().map(|f| (module_of(src, f), f.clone())).collect();
    let path = Regex::new(r"\b(crate|super)::([a-z_][a-z0-9_]*(?:::[a-z_][a-z0-9_]*)*)").unwrap();
    let group = Regex::new(r"use crate::\{([^}]*)\}").unwrap();
    let mut g: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (m, f) in &modules {
        let text = std::fs::read_to_string(f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let mut named: Vec<Module> = Vec::new();
        for c in path.captures_iter(code) {
            let rest: Module = c[2].split("::").map(str::to_owned).collect();
            let base: Module = if &c[1] == "crate" { vec![] } else { m[..m.len().saturating_sub(1)].to_vec() };
            named.push([base, rest].concat());
        }
        for c in group.captures_iter(code) {
            for part in c[1].split(',') {
                let p: Module = part.trim().split("::").map(str::to_owned).filter(|s| !s.is_empty()).collect();
                named.push(p);
            }
        }
        for n in named {
            // The longest prefix that is a module of this crate.
            let Some(target) = (1..=n.len()).rev().map(|k| n[..k].to_vec()).find(|k| modules.contains_key(k)) else {
                continue;
            };
            let related = target.starts_with(m) || m.starts_with(&target);
            if !related {
                g.entry(m.clone()).or_default().insert(target);
            }
        }
    }
    g
}

/// The strongly connected components with more than one module (Tarjan).
fn cycles(g: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct T<'a> {
        g: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on: BTreeSet<&'a Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a Module) {
        let i = t.index.len();
        t.index.insert(v, i);
        t.low.insert(v, i);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.g.get(v).into_iter().flatten() {
            let w = t.g.get_key_value(w).map(|(k, _)| k).unwrap_or(w);
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                t.low.entry(v).and_modify(|l| *l = (*l).min(lw));
            } else if t.on.contains(w) {
                let iw = t.index[w];
                t.low.entry(v).and_modify(|l| *l = (*l).min(iw));
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                t.out.push(comp);
            }
        }
    }
    let mut t = T { g, index: BTreeMap::new(), low: BTreeMap::new(), stack: vec![], on: BTreeSet::new(), out: vec![] };
    for v in g.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn no_module_imports_itself_back() {
    let mut found = Vec::new();
    for c in CRATES {
        for comp in cycles(&graph(&drop_tests::root().join(c))) {
            let names: Vec<String> = comp.iter().map(|m| m.join("::")).collect();
            found.push(format!("{c}: {}", names.join(" ↔ ")));
        }
    }
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
}

#[test]
fn the_check_finds_a_cycle() {
    let g: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::from([
        (vec!["a".to_owned()], BTreeSet::from([vec!["b".to_owned()]])),
        (vec!["b".to_owned()], BTreeSet::from([vec!["a".to_owned()]])),
        (vec!["c".to_owned()], BTreeSet::from([vec!["a".to_owned()]])),
    ]);
    assert_eq!(cycles(&g).len(), 1);
}
