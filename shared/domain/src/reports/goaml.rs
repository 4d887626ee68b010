//! goAML 5.0.2 XML (UNODC; compliance reference §3.2) for one STR: `report` with the reporting
//! entity, the transactions (from my client → to the counterparty, the foreign currency of a
//! payout), the indicators, reason and action. Dates are `xs:dateTime` without zone (UTC), amounts
//! decimals, text ASCII-only (transliterated) and within 4,000 characters.
//!
//! UNCONFIRMED (per FIU, behind this module): the `rentity_id` (issued by the FIU), the lookup
//! codes (`transmode_code` `ELCFT`, `from_funds_code`/`to_funds_code` `ELCFT`, identification type
//! `NIN`, `tph_contact_type` `PRIV`, `tph_communication_type` `M`) and the indicator list: internal
//! codes are written as they are. BankID gives no identity document, so `identification` carries
//! the national identity number without issue or expiry dates.
//!
//! The XML is written here rather than with an XML crate: the output is one fixed tree of a few
//! dozen elements, and escaping the five markup characters and dropping control characters is all
//! a writer would do for it (the tests parse the result with a real parser).

use super::{decimal, Content, Header, Transaction, MAX_TEXT_CHARS};

/// ASCII-only text within the comment limit, markup escaped.
fn text(s: &str) -> String {
    let ascii = deunicode::deunicode(s);
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars().filter(|c| !c.is_control() || *c == '\n').take(MAX_TEXT_CHARS) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

struct Xml(String, usize);

impl Xml {
    fn open(&mut self, name: &str) {
        self.indent();
        self.0.push_str(&format!("<{name}>\n"));
        self.1 += 1;
    }
    fn close(&mut self, name: &str) {
        self.1 -= 1;
        self.indent();
        self.0.push_str(&format!("</{name}>\n"));
    }
    fn leaf(&mut self, name: &str, value: &str) {
        self.indent();
        self.0.push_str(&format!("<{name}>{}</{name}>\n", text(value)));
    }
    fn indent(&mut self) {
        self.0.push_str(&"  ".repeat(self.1));
    }
}

/// RFC 3339 → `xs:dateTime` in UTC without zone (`2026-12-02T10:00:00`).
fn date_time(rfc3339: &str) -> String {
    match crate::time::parse_rfc3339(rfc3339) {
        Some(t) => {
            let t = t.to_offset(time::UtcOffset::UTC);
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        }
        None => "1753-01-01T00:00:00".to_owned(),
    }
}

fn transaction(x: &mut Xml, t: &Transaction, c: &Content) {
    let p = &c.subject;
    x.open("transaction");
    x.leaf("transactionnumber", &t.payment_id);
    x.leaf("internal_ref_number", &t.payment_id);
    x.leaf("transaction_location", "Drop mobile app (online)");
    let what = match t.kind.as_str() {
        "remittance" => format!("Money transfer abroad, paid out by {}", t.channel),
        "qr" => "Payment by QR code".to_owned(),
        _ => format!("Transfer ({})", t.kind),
    };
    x.leaf("transaction_description", &what);
    x.leaf("date_transaction", &date_time(&t.date));
    x.leaf("value_date", &date_time(&t.date));
    x.leaf("transmode_code", "ELCFT");
    x.leaf("transmode_comment", "PSD2 payment initiation from the customer's bank account");
    x.leaf("amount_local", &decimal(t.amount_local_minor, 2));
    x.open("t_from_my_client");
    x.leaf("from_funds_code", "ELCFT");
    x.open("from_person");
    x.leaf("gender", p.gender());
    x.leaf("first_name", &p.given_name);
    x.leaf("last_name", &p.family_name);
    x.leaf("birthdate", &format!("{}T00:00:00", p.birthdate));
    x.leaf("id_number", &p.nin);
    x.leaf("nationality1", &p.nationality);
    x.leaf("residence", &p.residence);
    x.open("phones");
    if let Some(phone) = &p.phone {
        x.open("phone");
        x.leaf("tph_contact_type", "PRIV");
        x.leaf("tph_communication_type", "M");
        x.leaf("tph_number", phone);
        x.close("phone");
    }
    x.close("phones");
    if let Some(email) = &p.email {
        x.leaf("email", email);
    }
    x.open("identification");
    x.leaf("type", "NIN");
    x.leaf("number", &p.nin);
    x.leaf("issue_country", "NO");
    x.leaf("comments", "Identity verified with BankID; no identity document");
    x.close("identification");
    x.leaf("tax_reg_number", &p.nin);
    x.close("from_person");
    x.leaf("from_country", "NO");
    x.close("t_from_my_client");
    x.open("t_to");
    x.leaf("to_funds_code", "ELCFT");
    if let (Some(cur), Some(amount)) = (&t.foreign_currency, t.foreign_amount_minor) {
        x.open("to_foreign_currency");
        x.leaf("foreign_currency_code", cur);
        x.leaf("foreign_amount", &decimal(amount, t.foreign_exponent.unwrap_or(2)));
        x.leaf("foreign_exchange_rate", t.rate.as_deref().unwrap_or("1"));
        x.close("to_foreign_currency");
    }
    let (first, last) = t.counterparty.split_name();
    x.open("to_person");
    x.leaf("first_name", if first.is_empty() { "-" } else { &first });
    x.leaf("last_name", &last);
    x.close("to_person");
    x.leaf("to_country", &t.counterparty.country);
    x.close("t_to");
    if let Some(account) = &t.counterparty.account {
        x.leaf("comments", &format!("Beneficiary account {account}; status {}", t.status));
    }
    x.close("transaction");
}

/// The report as goAML 5.0.2 XML.
pub fn render(h: &Header, c: &Content) -> String {
    let mut x = Xml(String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"), 0);
    x.open("report");
    x.leaf("rentity_id", &h.rentity_id);
    x.leaf("submission_code", "E");
    x.leaf("report_code", "STR");
    x.leaf("entity_reference", &h.reference);
    x.leaf("submission_date", &date_time(&h.date));
    x.leaf("currency_code_local", "NOK");
    x.leaf("reason", &c.reason);
    x.leaf("action", &c.action);
    for t in &c.transactions {
        transaction(&mut x, t, c);
    }
    x.open("report_indicators");
    for i in &c.indicators {
        x.leaf("indicator", i);
    }
    x.close("report_indicators");
    x.close("report");
    x.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_ascii_escaped_and_bounded() {
        assert_eq!(text("Müller & <Søn>"), "Muller &amp; &lt;Son&gt;");
        assert_eq!(text("a\u{0007}b"), "ab");
        assert_eq!(text(&"x".repeat(5000)).len(), MAX_TEXT_CHARS);
        assert_eq!(date_time("2026-12-02T11:30:00+01:00"), "2026-12-02T10:30:00");
        assert_eq!(date_time("nonsense"), "1753-01-01T00:00:00");
    }
}
