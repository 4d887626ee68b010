//! Screening benchmark: an index of 250,000 synthetic names; build, snapshot save/load, query
//! throughput per core and latency percentiles, recall on perturbed names, and AML rule
//! evaluations per second. Writes the scored pairs to a JSON file (argument 1) so
//! `tests/screening-bench.sh` can score the same pairs with nomenklatura's logic-v1.
//! Run: `cargo run --release -p drop-domain --example screening_bench -- target/screening-pairs.json`

use drop_domain::aml;
use drop_domain::screening::index::{Entry, Index};
use drop_domain::screening::{Party, ScoreConfig};
use std::time::Instant;

const GIVEN: [&str; 40] = [
    "Ivan", "Maria", "Ahmad", "Olena", "Georgios", "Kari", "Ola", "Anna", "Per", "Ingrid", "Mohammed", "Fatima",
    "Jose", "Luis", "Chen", "Wei", "Yuki", "Hiroshi", "Pierre", "Claire", "Hans", "Greta", "Sergei", "Natalia", "Omar",
    "Aisha", "Juan", "Lucia", "Dmitri", "Elena", "Karim", "Leila", "Pablo", "Sofia", "Viktor", "Irina", "Hassan",
    "Zainab", "Nikolai", "Olga",
];
const FAMILY: [&str; 50] = [
    "Sidorov",
    "Gonzalez",
    "Karimi",
    "Kovalenko",
    "Papadopoulos",
    "Nordmann",
    "Hansen",
    "Berg",
    "Johansen",
    "Larsen",
    "Haddad",
    "Rahman",
    "Garcia",
    "Fernandez",
    "Wang",
    "Li",
    "Tanaka",
    "Suzuki",
    "Dubois",
    "Martin",
    "Muller",
    "Schmidt",
    "Ivanov",
    "Petrova",
    "Farouk",
    "Saleh",
    "Lopez",
    "Martinez",
    "Volkov",
    "Smirnova",
    "Nasser",
    "Aziz",
    "Romero",
    "Rossi",
    "Novak",
    "Popescu",
    "Hussein",
    "Khalil",
    "Kuznetsov",
    "Morozova",
    "Said",
    "Yilmaz",
    "Kaya",
    "Demir",
    "Nowak",
    "Kowalski",
    "Horvat",
    "Jovanovic",
    "Silva",
    "Santos",
];
const COUNTRIES: [&str; 12] = ["ru", "es", "ir", "ua", "gr", "no", "sy", "cn", "jp", "fr", "de", "ve"];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

/// Family-name endings: a root from the list plus two of these keeps the 250,000 names nearly all
/// distinct (about 29,000 family names × 40 given names), as in a real list.
const SYL: [&str; 24] = [
    "", "ov", "in", "ski", "ez", "ar", "en", "ic", "ko", "la", "ri", "man", "son", "ev", "ani", "elli", "os", "ak",
    "ur", "ida", "berg", "ul", "eto", "ham",
];

/// A synthetic name: given, an optional second given name or initial, family.
fn name(r: &mut Rng) -> String {
    let fam = format!("{}{}{}", r.pick(&FAMILY), r.pick(&SYL), r.pick(&SYL));
    match r.next() % 3 {
        0 => format!("{} {fam}", r.pick(&GIVEN)),
        1 => format!("{} {} {fam}", r.pick(&GIVEN), r.pick(&GIVEN)),
        _ => format!("{} {}. {fam}", r.pick(&GIVEN), &r.pick(&GIVEN)[..1]),
    }
}

/// A perturbed query for a listed name: a typo, swapped order, an initial, or dropped middle name.
fn perturb(r: &mut Rng, n: &str) -> String {
    let parts: Vec<&str> = n.split(' ').collect();
    match r.next() % 4 {
        0 => {
            let mut s: Vec<char> = n.chars().collect();
            let i = 1 + (r.next() as usize % (s.len() - 2));
            s.swap(i, i + 1);
            s.into_iter().collect()
        }
        1 => parts.iter().rev().cloned().collect::<Vec<_>>().join(" "),
        2 => format!("{}. {}", &parts[0][..1], parts[parts.len() - 1]),
        _ => format!("{} {}", parts[0], parts[parts.len() - 1]),
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let out = std::env::args().nth(1);
    let n = std::env::var("SCREENING_BENCH_NAMES").ok().and_then(|v| v.parse().ok()).unwrap_or(250_000usize);
    let mut r = Rng(0x9E3779B97F4A7C15);
    let entries: Vec<Entry> = (0..n)
        .map(|i| Entry {
            id: format!("syn-{i}"),
            schema: "Person".into(),
            caption: String::new(),
            party: Party {
                names: vec![name(&mut r)],
                birth: Some((1940 + (r.next() % 60) as i32, None)),
                countries: vec![r.pick(&COUNTRIES).to_owned()],
                gender: None,
            },
        })
        .collect();
    let t = Instant::now();
    let ix = Index::build("synthetic", "bench", entries.clone());
    let build = t.elapsed();
    let snap = ix.to_snapshot();
    let mut loads = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        match Index::from_snapshot(&snap) {
            Ok(back) if back.len() == n => loads.push(t.elapsed().as_secs_f64() * 1000.0),
            _ => {
                eprintln!("the snapshot did not load back");
                std::process::exit(1);
            }
        }
    }
    loads.sort_by(f64::total_cmp);

    // 1,000 perturbed listed names and 1,000 names not on the list.
    let cfg = ScoreConfig::default();
    let mut queries: Vec<(Party, Option<String>)> = Vec::new();
    for _ in 0..1000 {
        let e = &entries[(r.next() as usize) % n];
        queries
            .push((Party { names: vec![perturb(&mut r, &e.party.names[0])], ..Party::default() }, Some(e.id.clone())));
    }
    for i in 0..1000 {
        queries.push((Party { names: vec![format!("Unlisted{} Personsson{}", i, i * 7)], ..Party::default() }, None));
    }
    let mut lat = Vec::new();
    let (mut found, mut false_hits) = (0, 0);
    let mut pairs = Vec::new();
    let t_all = Instant::now();
    for (q, want) in &queries {
        let t = Instant::now();
        let hits = ix.search(q, cfg);
        if want.is_some() {
            lat.push(t.elapsed().as_secs_f64() * 1_000_000.0);
        }
        match want {
            // A few synthetic names still repeat, so the listed entry counts as found when it is
            // among the potential matches (not necessarily first among equals).
            Some(id) => found += usize::from(hits.iter().any(|h| &h.entry_id == id && h.potential_match)),
            None => false_hits += usize::from(hits.iter().any(|h| h.potential_match)),
        }
        for h in hits.iter().take(3) {
            pairs.push(serde_json::json!({"query": q.names[0], "entry": entries[h.entry_id[4..].parse::<usize>().unwrap_or(0)].party.names[0], "score": h.score}));
        }
    }
    let total = t_all.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);

    // AML rules over aggregates of a 50-movement history.
    let mut hist = aml::Aggregates::default();
    for m in (0..50).map(|i| aml::Movement {
        at: 1_800_000_000 - i * 86_400,
        amount: 100_000 + i * 1_000,
        recipient: format!("r{}", i % 7),
        incoming: i % 10 == 0,
    }) {
        hist.record(&m, &aml::Params::default());
    }
    let profile = aml::Profile { account_opened_at: 1_700_000_000, held: false };
    let (lists, params) = (aml::CountryLists::default(), aml::Params::default());
    let runs = 20_000;
    let t = Instant::now();
    let mut score = 0;
    for i in 0..runs {
        let tr = aml::Transfer { at: 1_800_000_000, amount: 150_000 + i, recipient: "r1".into(), country: "DE".into() };
        score += aml::evaluate(&tr, &hist, &profile, &lists, aml::Screening::NoHit, &params).score;
    }
    let rules = runs as f64 / t.elapsed().as_secs_f64();

    println!("Screening benchmark ({n} synthetic names, one core, release)\n");
    println!("| measure | value |\n|---|---:|");
    println!("| index build | {:.0} ms |", build.as_secs_f64() * 1000.0);
    println!("| snapshot size | {:.1} MB |", snap.len() as f64 / 1_048_576.0);
    println!("| snapshot load (median of 5) | {:.0} ms |", pct(&loads, 0.5));
    println!("| queries per second per core | {:.0} |", queries.len() as f64 / total);
    println!("| latency of a listed-name query p50 / p99 | {:.0} / {:.0} µs |", pct(&lat, 0.5), pct(&lat, 0.99));
    println!(
        "| recall on 1,000 perturbed listed names (entry among potential matches) | {:.1} % |",
        found as f64 / 10.0
    );
    println!("| potential hits on 1,000 unlisted names | {false_hits} |");
    println!(
        "| AML decisions per second (12 rules over the aggregates of 50 movements) | {rules:.0} (checksum {}) |",
        score % 7
    );
    if let Some(path) = out {
        let _ = std::fs::write(&path, serde_json::to_vec(&pairs).unwrap_or_default());
        println!("\n{} scored pairs written to {path}", pairs.len());
    }
}
