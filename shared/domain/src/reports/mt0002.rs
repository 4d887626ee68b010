//! The MT-0002-shaped document ("Melding om mistenkelig transaksjon", Økokrim's Altinn form;
//! compliance reference §3.1): the same facts as the goAML export, arranged as the form asks for
//! them (grounds for the suspicion, what was done, the transactions, the person and the customer
//! relationship), as JSON and as a printable HTML page for entering it into Altinn by hand.
//!
//! UNCONFIRMED: no public MT-0002 schema exists; the section names follow hvitvasking.no's
//! description of the form, and the field names are Drop's.

use super::{decimal, Content, Header};
use serde_json::{json, Value};

pub fn document(h: &Header, c: &Content) -> Value {
    let p = &c.subject;
    json!({
        "form": "MT-0002",
        "title": "Melding om mistenkelig transaksjon",
        "reference": h.reference,
        "caseId": h.case_id,
        "date": h.date,
        "reportingEntity": {"fiuId": h.rentity_id, "name": "Drop"},
        "grounds": c.reason,
        "actionTaken": c.action,
        "indicators": c.indicators,
        "person": {
            "givenName": p.given_name,
            "familyName": p.family_name,
            "birthdate": p.birthdate,
            "nationalIdentityNumber": p.nin,
            "gender": p.gender(),
            "nationality": p.nationality,
            "residence": p.residence,
            "phone": p.phone,
            "email": p.email,
        },
        "customerRelationship": {"product": "Drop payments app", "identifiedWith": "BankID"},
        "transactions": c.transactions.iter().map(|t| json!({
            "paymentId": t.payment_id,
            "date": t.date,
            "amountNok": decimal(t.amount_local_minor, 2),
            "foreignCurrency": t.foreign_currency,
            "foreignAmount": t.foreign_amount_minor.map(|a| decimal(a, t.foreign_exponent.unwrap_or(2))),
            "rate": t.rate,
            "kind": t.kind,
            "channel": t.channel,
            "status": t.status,
            "counterparty": {"name": t.counterparty.name, "account": t.counterparty.account, "country": t.counterparty.country},
        })).collect::<Vec<_>>(),
    })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn row(out: &mut String, label: &str, value: &str) {
    out.push_str(&format!("<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n", esc(label), esc(value)));
}

/// A printable page with the document's facts (no script; the console serves it as a download).
pub fn html(h: &Header, c: &Content) -> String {
    let p = &c.subject;
    let mut s = String::from("<!doctype html>\n<html lang=\"nb\"><head><meta charset=\"utf-8\"><title>MT-0002 ");
    s.push_str(&esc(&h.reference));
    s.push_str("</title><style>body{font:14px sans-serif;margin:2em}th{text-align:left;padding-right:1em;vertical-align:top}table{border-collapse:collapse;margin-bottom:1.5em}td,th{border-bottom:1px solid #ccc;padding:.3em}</style></head><body>\n");
    s.push_str("<h1>Melding om mistenkelig transaksjon (MT-0002)</h1>\n<table>\n");
    row(&mut s, "Referanse", &h.reference);
    row(&mut s, "Sak", &h.case_id);
    row(&mut s, "Dato", &h.date);
    row(&mut s, "Rapporteringsenhet (FIU-id)", &h.rentity_id);
    s.push_str("</table>\n<h2>Grunnlag for mistanken</h2>\n<p>");
    s.push_str(&esc(&c.reason));
    s.push_str("</p>\n<h2>Tiltak</h2>\n<p>");
    s.push_str(&esc(&c.action));
    s.push_str("</p>\n<h2>Indikatorer</h2>\n<ul>");
    for i in &c.indicators {
        s.push_str(&format!("<li>{}</li>", esc(i)));
    }
    s.push_str("</ul>\n<h2>Person</h2>\n<table>\n");
    row(&mut s, "Fornavn", &p.given_name);
    row(&mut s, "Etternavn", &p.family_name);
    row(&mut s, "Fødselsdato", &p.birthdate);
    row(&mut s, "Fødselsnummer", &p.nin);
    row(&mut s, "Statsborgerskap", &p.nationality);
    row(&mut s, "Bosted", &p.residence);
    row(&mut s, "Telefon", p.phone.as_deref().unwrap_or("-"));
    row(&mut s, "E-post", p.email.as_deref().unwrap_or("-"));
    s.push_str("</table>\n<h2>Transaksjoner</h2>\n");
    for t in &c.transactions {
        s.push_str("<table>\n");
        row(&mut s, "Betaling", &t.payment_id);
        row(&mut s, "Dato", &t.date);
        row(&mut s, "Beløp (NOK)", &decimal(t.amount_local_minor, 2));
        if let (Some(cur), Some(a)) = (&t.foreign_currency, t.foreign_amount_minor) {
            row(&mut s, "Utbetalt", &format!("{} {cur}", decimal(a, t.foreign_exponent.unwrap_or(2))));
        }
        row(&mut s, "Mottaker", &t.counterparty.name);
        row(&mut s, "Mottakers konto", t.counterparty.account.as_deref().unwrap_or("-"));
        row(&mut s, "Mottakers land", &t.counterparty.country);
        row(&mut s, "Status", &t.status);
        s.push_str("</table>\n");
    }
    s.push_str("</body></html>\n");
    s
}
