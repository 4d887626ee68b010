//! EventBridge schedule expressions: `rate(N unit)` and six-field `cron(min hour dom month dow year)`
//! (numbers, names, `*`, `?`, lists, ranges, steps; `L`, `W` and `#` are not supported locally).

use time::{Duration, OffsetDateTime};

#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    Rate(Duration),
    Cron(Box<Cron>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cron {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    dom: Vec<bool>,
    months: Vec<bool>,
    dow: Vec<bool>,
    dom_any: bool,
    dow_any: bool,
    years: Option<Vec<i32>>,
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn field(spec: &str, lo: u32, hi: u32, names: &[&str]) -> Result<Vec<bool>, String> {
    let mut set = vec![false; hi as usize + 1];
    let num = |s: &str| -> Result<u32, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            return Ok(lo + i as u32);
        }
        s.parse().map_err(|_| format!("bad value {s}"))
    };
    for part in spec.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().map_err(|_| format!("bad step {s}"))?),
            None => (part, 1),
        };
        let (a, b) = match range {
            "*" | "?" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (num(a)?, num(b)?),
                None if part.contains('/') => (num(r)?, hi),
                None => (num(r)?, num(r)?),
            },
        };
        if a < lo || b > hi || a > b || step == 0 {
            return Err(format!("{part} is out of range {lo}-{hi}"));
        }
        let mut v = a;
        while v <= b {
            set[v as usize] = true;
            v += step;
        }
    }
    Ok(set)
}

impl Schedule {
    pub fn parse(expr: &str) -> Result<Self, String> {
        let expr = expr.trim();
        if let Some(inner) = expr.strip_prefix("rate(").and_then(|s| s.strip_suffix(')')) {
            let (n, unit) = inner.trim().split_once(' ').ok_or("rate needs a value and a unit")?;
            let n: i64 = n.parse().map_err(|_| format!("bad rate value {n}"))?;
            if n <= 0 {
                return Err("rate must be positive".into());
            }
            let d = match unit.trim() {
                "minute" | "minutes" => Duration::minutes(n),
                "hour" | "hours" => Duration::hours(n),
                "day" | "days" => Duration::days(n),
                u => return Err(format!("bad rate unit {u}")),
            };
            return Ok(Schedule::Rate(d));
        }
        let inner = expr.strip_prefix("cron(").and_then(|s| s.strip_suffix(')')).ok_or("not rate(...) or cron(...)")?;
        let f: Vec<&str> = inner.split_whitespace().collect();
        if f.len() != 6 {
            return Err("cron needs six fields".into());
        }
        let special = |x: &str| {
            x.contains('#')
                || x.split(',').any(|p| {
                    let u = p.to_uppercase();
                    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
                    u == "L" || u == "LW" || ((u.ends_with('L') || u.ends_with('W')) && digits(&u[..u.len() - 1]))
                })
        };
        if f.iter().any(|x| special(x)) {
            return Err("L, W and # are not supported by the local scheduler".into());
        }
        let years = match f[5] {
            "*" | "?" => None,
            y => Some(
                field(y, 1970, 2199, &[])?.iter().enumerate().filter(|(_, b)| **b).map(|(i, _)| i as i32).collect(),
            ),
        };
        Ok(Schedule::Cron(Box::new(Cron {
            minutes: field(f[0], 0, 59, &[])?,
            hours: field(f[1], 0, 23, &[])?,
            dom: field(f[2], 1, 31, &[])?,
            months: field(f[3], 1, 12, &MONTHS)?,
            dow: field(f[4], 1, 7, &DAYS)?,
            dom_any: f[2] == "?" || f[2] == "*",
            dow_any: f[4] == "?" || f[4] == "*",
            years,
        })))
    }

    /// The first firing strictly after `t` (UTC), within ~5 years.
    pub fn next_after(&self, t: OffsetDateTime) -> Option<OffsetDateTime> {
        match self {
            Schedule::Rate(d) => Some(t + *d),
            Schedule::Cron(c) => {
                let mut m = t.replace_second(0).ok()?.replace_nanosecond(0).ok()? + Duration::minutes(1);
                let end = t + Duration::days(5 * 366);
                while m < end {
                    if c.fires(m) {
                        return Some(m);
                    }
                    m += Duration::minutes(1);
                    // Skip whole hours/days that cannot match, to keep this cheap.
                    if !c.hours[m.hour() as usize] && m.minute() == 0 {
                        m += Duration::minutes(59);
                    }
                }
                None
            }
        }
    }
}

impl Cron {
    fn fires(&self, t: OffsetDateTime) -> bool {
        let dow = t.weekday().number_from_sunday() as usize;
        let day_ok = match (self.dom_any, self.dow_any) {
            (true, true) => true,
            (true, false) => self.dow[dow],
            (false, true) => self.dom[t.day() as usize],
            (false, false) => self.dom[t.day() as usize] || self.dow[dow],
        };
        self.minutes[t.minute() as usize]
            && self.hours[t.hour() as usize]
            && self.months[u8::from(t.month()) as usize]
            && day_ok
            && self.years.as_ref().is_none_or(|ys| ys.contains(&t.year()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn rates() {
        assert_eq!(Schedule::parse("rate(5 minutes)").unwrap(), Schedule::Rate(Duration::minutes(5)));
        assert_eq!(Schedule::parse("rate(1 day)").unwrap(), Schedule::Rate(Duration::days(1)));
        assert!(Schedule::parse("rate(0 minutes)").is_err());
        assert!(Schedule::parse("rate(5 weeks)").is_err());
    }

    #[test]
    fn monthly_cron() {
        let s = Schedule::parse("cron(0 3 1 * ? *)").unwrap();
        let next = s.next_after(datetime!(2026-11-24 12:00 UTC)).unwrap();
        assert_eq!(next, datetime!(2026-12-01 03:00 UTC));
    }

    #[test]
    fn weekday_cron_with_names_and_steps() {
        let s = Schedule::parse("cron(*/15 8-9 ? * MON-FRI *)").unwrap();
        // 2026-11-28 is a Saturday.
        let next = s.next_after(datetime!(2026-11-28 10:00 UTC)).unwrap();
        assert_eq!(next, datetime!(2026-11-30 08:00 UTC));
        let after = s.next_after(next).unwrap();
        assert_eq!(after, datetime!(2026-11-30 08:15 UTC));
    }

    #[test]
    fn bad_cron() {
        assert!(Schedule::parse("cron(0 3 * *)").is_err());
        assert!(Schedule::parse("cron(61 3 * * ? *)").is_err());
        assert!(Schedule::parse("cron(0 3 L * ? *)").is_err());
        assert!(Schedule::parse("every day").is_err());
    }
}
