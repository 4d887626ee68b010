//! Text that people type: no control characters (CR, LF, NUL, …), no invisible format characters
//! (bidi overrides and isolates, zero-width joiners, the BOM) — they forge log lines and headers
//! and make a name look like another. Every JSON string the API accepts is checked with this.

/// Characters never accepted in text from outside.
pub fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// Whether a string is free of forbidden characters.
pub fn is_clean(s: &str) -> bool {
    !s.chars().any(is_forbidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_invisible_format_characters_are_refused() {
        for bad in
            ["a\r\nb", "a\0", "kari\u{202E}on.elpmaxe@", "x\u{2066}y", "zero\u{200B}width", "\u{FEFF}bom", "tab\t"]
        {
            assert!(!is_clean(bad), "{bad:?}");
        }
        for good in ["Ola Nordmann", "Øystein Ærø-Åsen", "kari.test@example.no", "Ołena Kovalenko", "O'Brien"] {
            assert!(is_clean(good), "{good:?}");
        }
    }
}
