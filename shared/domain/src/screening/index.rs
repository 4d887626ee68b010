//! An in-memory screening index: entries (names, birth dates, countries, gender) with candidate
//! generation by token and Soundex blocking, scoring with the matcher, loaders for OpenSanctions
//! `targets.simple.csv` and FollowTheMoney JSON lines (parsed from text: the caller reads the
//! operator's file), and a compact binary snapshot for fast cold starts. Every result carries the
//! dataset and version it came from.

use super::distance::soundex;
use super::matcher::{score, Explanation, Party, ScoreConfig};
use super::normalize::tokens;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: String,
    pub schema: String,
    pub caption: String,
    pub party: Party,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hit {
    pub entry_id: String,
    pub caption: String,
    pub score: f64,
    pub potential_match: bool,
    pub dataset: String,
    pub version: String,
    pub explanation: Explanation,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LoadError {
    #[error("the file has no {0} column")]
    Column(&'static str),
    #[error("line {0} is not valid")]
    Line(usize),
    #[error("not a snapshot of this format")]
    Snapshot,
}

pub struct Index {
    pub dataset: String,
    pub version: String,
    entries: Vec<Entry>,
    postings: HashMap<String, Vec<u32>>,
}

/// At most this many candidates are scored per query.
pub const CANDIDATES: usize = 50;

fn keys(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in tokens(name) {
        if t.chars().count() >= 2 {
            out.push(format!("t:{t}"));
        }
        if t.chars().count() >= 3 {
            let s = soundex(&t);
            if !s.is_empty() {
                out.push(format!("p:{s}"));
            }
        }
    }
    out
}

/// `1952`, `1952-10`, `1952-10-07` → (year, month/day).
pub fn parse_birth(s: &str) -> Option<(i32, Option<(u8, u8)>)> {
    let mut parts = s.trim().split('-');
    let y: i32 = parts.next()?.parse().ok()?;
    let md = match (parts.next().and_then(|m| m.parse().ok()), parts.next().and_then(|d| d.parse().ok())) {
        (Some(m), Some(d)) => Some((m, d)),
        _ => None,
    };
    Some((y, md))
}

fn gender(s: &str) -> Option<char> {
    match s.trim().to_lowercase().as_str() {
        "male" | "m" => Some('m'),
        "female" | "f" => Some('f'),
        _ => None,
    }
}

/// Splits one CSV line (RFC 4180 quoting, no embedded newlines).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

impl Index {
    pub fn build(dataset: &str, version: &str, entries: Vec<Entry>) -> Index {
        let mut postings: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let mut ks: Vec<String> = e.party.names.iter().flat_map(|n| keys(n)).collect();
            ks.sort();
            ks.dedup();
            for k in ks {
                postings.entry(k).or_default().push(i as u32);
            }
        }
        Index { dataset: dataset.into(), version: version.into(), entries, postings }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// OpenSanctions `targets.simple.csv`: columns by header name; `;` separates values.
    pub fn from_simple_csv(text: &str, dataset: &str, version: &str) -> Result<Index, LoadError> {
        let mut lines = text.lines();
        let header = csv_fields(lines.next().unwrap_or_default());
        let col = |name: &'static str| header.iter().position(|h| h == name).ok_or(LoadError::Column(name));
        let (id, schema, name, aliases, birth, countries) =
            (col("id")?, col("schema")?, col("name")?, col("aliases")?, col("birth_date")?, col("countries")?);
        let mut entries = Vec::new();
        for (n, line) in lines.enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let f = csv_fields(line);
            let get = |i: usize| f.get(i).map(String::as_str).unwrap_or("");
            if f.len() < header.len() || get(id).is_empty() {
                return Err(LoadError::Line(n + 2));
            }
            let multi =
                |s: &str| s.split(';').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect::<Vec<_>>();
            let mut names = vec![get(name).to_owned()];
            names.extend(multi(get(aliases)));
            entries.push(Entry {
                id: get(id).to_owned(),
                schema: get(schema).to_owned(),
                caption: get(name).to_owned(),
                party: Party {
                    names,
                    birth: multi(get(birth)).first().and_then(|b| parse_birth(b)),
                    countries: multi(get(countries)).into_iter().map(|c| c.to_lowercase()).collect(),
                    gender: None,
                },
            });
        }
        Ok(Index::build(dataset, version, entries))
    }

    /// FollowTheMoney entities, one JSON object per line.
    pub fn from_ftm_jsonl(text: &str, dataset: &str, version: &str) -> Result<Index, LoadError> {
        let mut entries = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(line).map_err(|_| LoadError::Line(n + 1))?;
            let props = &v["properties"];
            let list = |k: &str| {
                props[k]
                    .as_array()
                    .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect::<Vec<_>>())
                    .unwrap_or_default()
            };
            let mut names = list("name");
            names.extend(list("alias"));
            names.extend(list("weakAlias"));
            let id = v["id"].as_str().ok_or(LoadError::Line(n + 1))?;
            if names.is_empty() {
                continue;
            }
            let mut countries = list("country");
            countries.extend(list("nationality"));
            entries.push(Entry {
                id: id.to_owned(),
                schema: v["schema"].as_str().unwrap_or("Thing").to_owned(),
                caption: v["caption"].as_str().map(str::to_owned).unwrap_or_else(|| names[0].clone()),
                party: Party {
                    names,
                    birth: list("birthDate").first().and_then(|b| parse_birth(b)),
                    countries: countries.into_iter().map(|c| c.to_lowercase()).collect(),
                    gender: list("gender").first().and_then(|g| gender(g)),
                },
            });
        }
        Ok(Index::build(dataset, version, entries))
    }

    /// Entries sharing the most blocking keys with the query (at most [`CANDIDATES`]).
    pub fn candidates(&self, query: &Party) -> Vec<u32> {
        let mut counts: HashMap<u32, u32> = HashMap::new();
        let mut ks: Vec<String> = query.names.iter().flat_map(|n| keys(n)).collect();
        ks.sort();
        ks.dedup();
        for k in ks {
            if let Some(p) = self.postings.get(&k) {
                for i in p {
                    *counts.entry(*i).or_default() += 1;
                }
            }
        }
        let mut ranked: Vec<(u32, u32)> = counts.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.into_iter().take(CANDIDATES).map(|(i, _)| i).collect()
    }

    /// Scored hits at or above the cutoff, best first.
    pub fn search(&self, query: &Party, cfg: ScoreConfig) -> Vec<Hit> {
        // Names with look-alike letters are also read as they look.
        let mut expanded = query.clone();
        expanded.names.extend(query.names.iter().filter_map(|n| super::normalize::look_alike_variant(n)));
        let query = &expanded;
        let mut hits: Vec<Hit> = self
            .candidates(query)
            .into_iter()
            .filter_map(|i| self.entries.get(i as usize))
            .map(|e| (e, score(query, &e.party)))
            .filter(|(_, x)| x.score >= cfg.cutoff)
            .map(|(e, x)| Hit {
                entry_id: e.id.clone(),
                caption: e.caption.clone(),
                score: x.score,
                potential_match: x.score >= cfg.threshold,
                dataset: self.dataset.clone(),
                version: self.version.clone(),
                explanation: x,
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits
    }

    /// The index as bytes: `DROPIDX1`, dataset, version, entries (length-prefixed strings).
    pub fn to_snapshot(&self) -> Vec<u8> {
        let mut out = b"DROPIDX1".to_vec();
        let put = |out: &mut Vec<u8>, s: &str| {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        };
        put(&mut out, &self.dataset);
        put(&mut out, &self.version);
        out.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        for e in &self.entries {
            put(&mut out, &e.id);
            put(&mut out, &e.schema);
            put(&mut out, &e.caption);
            put(&mut out, &e.party.names.join("\u{1f}"));
            let birth = match e.party.birth {
                Some((y, Some((m, d)))) => format!("{y}-{m}-{d}"),
                Some((y, None)) => y.to_string(),
                None => String::new(),
            };
            put(&mut out, &birth);
            put(&mut out, &e.party.countries.join(";"));
            put(&mut out, &e.party.gender.map(String::from).unwrap_or_default());
        }
        out
    }

    pub fn from_snapshot(bytes: &[u8]) -> Result<Index, LoadError> {
        let rest = bytes.strip_prefix(b"DROPIDX1").ok_or(LoadError::Snapshot)?;
        let mut pos = 0usize;
        let u32_at = |pos: &mut usize| -> Result<u32, LoadError> {
            let b = rest.get(*pos..*pos + 4).ok_or(LoadError::Snapshot)?;
            *pos += 4;
            Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        let string = |pos: &mut usize| -> Result<String, LoadError> {
            let n = u32_at(pos)? as usize;
            let b = rest.get(*pos..*pos + n).ok_or(LoadError::Snapshot)?;
            *pos += n;
            String::from_utf8(b.to_vec()).map_err(|_| LoadError::Snapshot)
        };
        let dataset = string(&mut pos)?;
        let version = string(&mut pos)?;
        let b = rest.get(pos..pos + 4).ok_or(LoadError::Snapshot)?;
        let n = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
        pos += 4;
        let mut entries = Vec::with_capacity(n.min(10_000_000));
        for _ in 0..n {
            let (id, schema, caption, names, birth, countries, g) = (
                string(&mut pos)?,
                string(&mut pos)?,
                string(&mut pos)?,
                string(&mut pos)?,
                string(&mut pos)?,
                string(&mut pos)?,
                string(&mut pos)?,
            );
            entries.push(Entry {
                id,
                schema,
                caption,
                party: Party {
                    names: names.split('\u{1f}').map(str::to_owned).collect(),
                    birth: parse_birth(&birth),
                    countries: countries.split(';').filter(|c| !c.is_empty()).map(str::to_owned).collect(),
                    gender: g.chars().next(),
                },
            });
        }
        if pos != rest.len() {
            return Err(LoadError::Snapshot);
        }
        Ok(Index::build(&dataset, &version, entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,dataset,first_seen,last_seen,last_change
fx-1,Person,Ivan Petrovich Sidorov,\"Иван Сидоров;I. P. Sidorov\",1961-04-12,ru,,,,,,fixture,,,
fx-2,Person,Maria Gonzalez,,1975,es;mx,,,,,,fixture,,,
fx-3,Company,\"Northwind Trading, Ltd\",Northwind,,cy,,,,,,fixture,,,
";

    fn q(name: &str) -> Party {
        Party { names: vec![name.into()], ..Party::default() }
    }

    #[test]
    fn loads_csv_and_finds_across_scripts() {
        let ix = Index::from_simple_csv(CSV, "fixture", "2026-11-24").unwrap();
        assert_eq!(ix.len(), 3);
        let hits = ix.search(&q("Иван Сидоров"), ScoreConfig::default());
        assert_eq!(hits[0].entry_id, "fx-1");
        assert!(hits[0].potential_match);
        assert_eq!(hits[0].version, "2026-11-24");
        assert!(ix.search(&q("Kari Nordmann"), ScoreConfig::default()).is_empty());
        let n = ix.search(&q("Northwind Trading Ltd"), ScoreConfig::default());
        assert_eq!(n[0].entry_id, "fx-3");
        assert!(matches!(Index::from_simple_csv("id,name\nx,y", "d", "v"), Err(LoadError::Column("schema"))));
    }

    #[test]
    fn loads_ftm_lines() {
        let text = r#"{"id":"ftm-1","schema":"Person","caption":"Osama bin Laden","properties":{"name":["Osama bin Laden"],"alias":["Usama bin Ladin"],"birthDate":["1957-03-10"],"country":["SA"],"gender":["male"]}}
{"id":"ftm-2","schema":"Person","properties":{"name":["Anna Berg"]}}
"#;
        let ix = Index::from_ftm_jsonl(text, "fixture", "v1").unwrap();
        assert_eq!(ix.len(), 2);
        let mut query = q("Usama bin Laden");
        query.birth = Some((1957, Some((3, 10))));
        let hits = ix.search(&query, ScoreConfig::default());
        assert_eq!(hits[0].entry_id, "ftm-1");
        assert!(Index::from_ftm_jsonl("{not json", "d", "v").is_err());
    }

    #[test]
    fn snapshot_round_trips() {
        let ix = Index::from_simple_csv(CSV, "fixture", "v7").unwrap();
        let bytes = ix.to_snapshot();
        let back = Index::from_snapshot(&bytes).unwrap();
        assert_eq!(back.entries, ix.entries);
        assert_eq!((back.dataset.as_str(), back.version.as_str()), ("fixture", "v7"));
        assert_eq!(Index::from_snapshot(&bytes[..bytes.len() - 1]).err(), Some(LoadError::Snapshot));
        assert_eq!(Index::from_snapshot(b"nope").err(), Some(LoadError::Snapshot));
    }
}

#[cfg(test)]
mod fixture_tests {
    use super::*;

    #[test]
    fn the_shipped_fixture_loads_and_matches() {
        let text = include_str!("../../../../infra/screening/fixture.csv");
        let ix = Index::from_simple_csv(text, "drop-fixture", "2026-11-24").unwrap();
        assert_eq!(ix.len(), 8);
        let q =
            Party { names: vec!["Ivan Petrovich Sidorov".into()], countries: vec!["ru".into()], ..Party::default() };
        let hits = ix.search(&q, ScoreConfig::default());
        assert_eq!(hits[0].entry_id, "drop-fx-0001", "{hits:?}");
        assert!(hits[0].score >= 0.95, "{hits:?}");
    }
}
