//! Scores a query party against a list entry, order-free over name tokens: exact, initial,
//! phonetic (Soundex) and Jaro-Winkler token matches, with a Levenshtein plausibility check;
//! unmatched query tokens weigh 0.8, unmatched entry tokens (missing middle names) 0.2. Then
//! adjustments where both sides have the data: birth year −0.15, birth day −0.2 (a day–month
//! flip −0.1), country −0.2, gender −0.2. The result is in 0..1 with an explanation.

use super::distance::{jaro_winkler, levenshtein, soundex};
use super::normalize::tokens;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Party {
    /// Name and aliases.
    pub names: Vec<String>,
    /// (year, Some((month, day)) if known).
    pub birth: Option<(i32, Option<(u8, u8)>)>,
    /// ISO 3166 alpha-2, lower case.
    pub countries: Vec<String>,
    /// `m` or `f`.
    pub gender: Option<char>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreConfig {
    /// At or above: a potential hit.
    pub threshold: f64,
    /// Below: not reported.
    pub cutoff: f64,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig { threshold: 0.70, cutoff: 0.50 }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TokenMatch {
    pub query: String,
    pub entry: Option<String>,
    pub score: f64,
    /// `exact`, `initial`, `phonetic`, `fuzzy`, `none`.
    pub how: &'static str,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    pub score: f64,
    pub name_score: f64,
    pub query_name: String,
    pub entry_name: String,
    pub tokens: Vec<TokenMatch>,
    pub adjustments: Vec<(&'static str, f64)>,
}

fn token_score(q: &str, e: &str) -> (f64, &'static str) {
    if q == e {
        return (1.0, "exact");
    }
    let (qn, en) = (q.chars().count(), e.chars().count());
    if (qn == 1 && e.starts_with(q)) || (en == 1 && q.starts_with(e)) {
        return (0.9, "initial");
    }
    if qn == 1 || en == 1 {
        return (0.0, "none");
    }
    let jw = jaro_winkler(q, e);
    let d = levenshtein(q, e);
    let shorter = qn.min(en);
    // More than a fifth of the shorter token changed (and over two edits) is not a typo.
    let plausible = d <= 2 || d * 5 <= shorter;
    // Soundex keeps four characters, so long names sharing a prefix share a code: a phonetic
    // variant may differ in a few letters, not in a whole ending ("Salehhamak" ≠ "Salehinson").
    let phonetic_plausible = d <= 3 && d * 2 <= shorter;
    if soundex(q) == soundex(e) && jw >= 0.8 && phonetic_plausible {
        return (jw.max(0.9), "phonetic");
    }
    if jw < 0.75 || !plausible {
        return (0.0, "none");
    }
    (jw, "fuzzy")
}

fn name_score(query: &[String], entry: &[String]) -> (f64, Vec<TokenMatch>) {
    let (s, matches) = assign(query, entry, true);
    // A full query name taken by the entry's initial while one of the entry's full names finds
    // nothing is no evidence ("Viktor Salehhamak" is not "Viktor S. Horvatlaul").
    let by_entry_initial = matches.iter().any(|m| m.how == "initial" && m.query.chars().count() > 1);
    let matched: Vec<&str> = matches.iter().filter_map(|m| m.entry.as_deref()).collect();
    let full_unmatched = entry.iter().any(|e| e.chars().count() > 1 && !matched.contains(&e.as_str()));
    if by_entry_initial && full_unmatched {
        return assign(query, entry, false);
    }
    (s, matches)
}

/// Pairs tokens greedily, best first; `entry_initials` allows a full query token to match an
/// initial in the entry.
fn assign(query: &[String], entry: &[String], entry_initials: bool) -> (f64, Vec<TokenMatch>) {
    if query.is_empty() || entry.is_empty() {
        return (0.0, Vec::new());
    }
    let mut pairs: Vec<(f64, usize, usize, &'static str)> = Vec::new();
    for (i, q) in query.iter().enumerate() {
        for (j, e) in entry.iter().enumerate() {
            if !entry_initials && e.chars().count() == 1 && q.chars().count() > 1 {
                continue;
            }
            let (s, how) = token_score(q, e);
            if s > 0.0 {
                pairs.push((s, i, j, how));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut q_used, mut e_used) = (vec![false; query.len()], vec![false; entry.len()]);
    let mut matches = Vec::new();
    let (mut num, mut den) = (0.0, 0.0);
    for (s, i, j, how) in pairs {
        if !q_used[i] && !e_used[j] {
            q_used[i] = true;
            e_used[j] = true;
            num += s;
            den += 1.0;
            matches.push(TokenMatch { query: query[i].clone(), entry: Some(entry[j].clone()), score: s, how });
        }
    }
    for (i, used) in q_used.iter().enumerate() {
        if !used {
            den += 0.8;
            matches.push(TokenMatch { query: query[i].clone(), entry: None, score: 0.0, how: "none" });
        }
    }
    den += 0.2 * e_used.iter().filter(|u| !**u).count() as f64;
    let mut s = if den > 0.0 { num / den } else { 0.0 };
    // One matched token against a longer name is weak evidence ("Ali" vs "Ali Hassan").
    let matched = e_used.iter().filter(|u| **u).count();
    if matched < 2 && entry.len() >= 2 {
        s = s.min(0.6);
    }
    (s, matches)
}

/// The best score over all name pairs, adjusted by the other attributes.
pub fn score(query: &Party, entry: &Party) -> Explanation {
    let mut best = Explanation {
        score: 0.0,
        name_score: 0.0,
        query_name: String::new(),
        entry_name: String::new(),
        tokens: Vec::new(),
        adjustments: Vec::new(),
    };
    for qn in &query.names {
        let qt = tokens(qn);
        for en in &entry.names {
            let (s, matches) = name_score(&qt, &tokens(en));
            if s > best.name_score {
                best = Explanation {
                    score: s,
                    name_score: s,
                    query_name: qn.clone(),
                    entry_name: en.clone(),
                    tokens: matches,
                    adjustments: Vec::new(),
                };
            }
        }
    }
    if let (Some((qy, qd)), Some((ey, ed))) = (query.birth, entry.birth) {
        if qy != ey {
            best.adjustments.push(("birth_year_mismatch", -0.15));
        } else if let (Some((qm, qday)), Some((em, eday))) = (qd, ed) {
            if (qm, qday) == (eday, em) && qm != qday {
                best.adjustments.push(("birth_day_month_flipped", -0.1));
            } else if (qm, qday) != (em, eday) {
                best.adjustments.push(("birth_day_mismatch", -0.2));
            }
        }
    }
    if !query.countries.is_empty()
        && !entry.countries.is_empty()
        && !query.countries.iter().any(|c| entry.countries.contains(c))
    {
        best.adjustments.push(("country_mismatch", -0.2));
    }
    if let (Some(a), Some(b)) = (query.gender, entry.gender) {
        if a != b {
            best.adjustments.push(("gender_mismatch", -0.2));
        }
    }
    let adj: f64 = best.adjustments.iter().map(|a| a.1).sum();
    best.score = (best.name_score + adj).clamp(0.0, 1.0);
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(names: &[&str]) -> Party {
        Party { names: names.iter().map(|s| s.to_string()).collect(), ..Party::default() }
    }

    fn s(q: &str, e: &str) -> f64 {
        score(&p(&[q]), &p(&[e])).score
    }

    const T: f64 = 0.70;

    #[test]
    fn transliteration_and_order() {
        assert!(s("Vladimir Putin", "Владимир Путин") >= 0.99);
        assert!(s("Putin Vladimir", "Vladimir Putin") >= 0.99, "token order does not matter");
        assert!(s("Sören Müller", "Soren Muller") >= 0.99);
    }

    #[test]
    fn typos_initials_and_missing_middle_names() {
        assert!(s("Vladimir Puttin", "Vladimir Putin") >= T);
        assert!(s("V. Putin", "Vladimir Putin") >= T);
        assert!(s("Vladimir Putin", "Vladimir Vladimirovich Putin") >= T);
        assert!(s("Osama bin Laden", "Usama bin Ladin") >= T, "phonetic");
    }

    #[test]
    fn unrelated_and_short_names() {
        assert!(s("Kari Nordmann", "Vladimir Putin") < 0.5);
        assert!(s("Ali", "Ali Hassan") < T, "one common token is not a hit");
        assert!(s("Jon Hansen", "Jonas Hansson") < 0.95);
        assert!(s("Viktor Salehhamak", "Viktor Salehinson") < T, "same Soundex, different ending");
        assert!(s("Ahmad Kuznetsvooseto", "Ahmad Kuznetsovos") < T);
        assert!(s("Mohamed Salah", "Muhammad Salah") >= T, "a phonetic variant still matches");
        assert!(s("Viktor Salehhamak", "Viktor S. Horvatlaul") < T, "a family name is not a middle initial");
        assert!(s("Leila Sara Schmidt", "Leila S. Schmidt") >= 0.9, "a middle name is its initial");
        assert_eq!(s("", "Vladimir Putin"), 0.0);
        assert_eq!(s("!!!", "Vladimir Putin"), 0.0);
    }

    #[test]
    fn birth_date_country_and_gender_adjust() {
        let mut q = p(&["Vladimir Putin"]);
        let mut e = p(&["Vladimir Putin"]);
        q.birth = Some((1952, Some((10, 7))));
        e.birth = Some((1952, Some((10, 7))));
        assert_eq!(score(&q, &e).score, 1.0);
        e.birth = Some((1960, None));
        assert!((score(&q, &e).score - 0.85).abs() < 1e-9);
        e.birth = Some((1952, Some((7, 10))));
        assert!((score(&q, &e).score - 0.9).abs() < 1e-9, "day-month flip");
        e.birth = Some((1952, Some((3, 1))));
        assert!((score(&q, &e).score - 0.8).abs() < 1e-9);
        e.birth = None;
        q.countries = vec!["no".into()];
        e.countries = vec!["ru".into()];
        let x = score(&q, &e);
        assert!((x.score - 0.8).abs() < 1e-9);
        assert_eq!(x.adjustments, vec![("country_mismatch", -0.2)]);
        q.gender = Some('f');
        e.gender = Some('m');
        assert!((score(&q, &e).score - 0.6).abs() < 1e-9);
    }

    #[test]
    fn explanation_names_the_matching_tokens() {
        let x = score(&p(&["Osama bin Laden"]), &p(&["Usama bin Ladin", "UBL"]));
        assert_eq!(x.entry_name, "Usama bin Ladin");
        assert!(x.tokens.iter().all(|t| t.entry.is_some()));
        assert!(x.tokens.iter().any(|t| t.how == "phonetic"));
    }

    #[test]
    fn hostile_input_is_bounded() {
        let long = "a".repeat(100_000);
        assert!(s(&long, "Vladimir Putin") < 0.5);
        let many = "x ".repeat(10_000);
        let _ = s(&many, &many);
    }
}
