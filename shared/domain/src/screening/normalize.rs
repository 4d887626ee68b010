//! Names to comparable tokens: lower case, Latin letters only (diacritics folded, Cyrillic and
//! Greek transliterated), punctuation to spaces, particles (`von`, `van`, `de`, `al`, `bin`, …)
//! dropped. Any other letter is folded to the ASCII letter it looks like (Unicode TR39 skeleton
//! from `unicode-security`, then NFD with the marks removed), so that `Oƚena` is `olena` and a
//! dental click `ǀ` standing for a capital I is `i`: a listed name cannot be slipped past
//! screening with look-alike letters.

fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' | 'ģ' | 'ĝ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ķ' => "k",
        'ł' | 'ľ' | 'ļ' | 'ĺ' => "l",
        'ñ' | 'ń' | 'ň' | 'ņ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' | 'ŕ' => "r",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        // Cyrillic (Russian, Ukrainian, Belarusian, Serbian, Bulgarian letters), BGN-like.
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'ґ' => "g",
        'д' => "d",
        'е' => "e",
        'ё' => "e",
        'є' => "ye",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'і' => "i",
        'ї' => "yi",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ў' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' => "",
        'ы' => "y",
        'ь' => "",
        'э' => "e",
        'ю' => "yu",
        'я' => "ya",
        'ђ' => "dj",
        'ј' => "j",
        'љ' => "lj",
        'њ' => "nj",
        'ћ' => "c",
        'џ' => "dz",
        // Greek.
        'α' | 'ά' => "a",
        'β' => "v",
        'γ' => "g",
        'δ' => "d",
        'ε' | 'έ' => "e",
        'ζ' => "z",
        'η' | 'ή' => "i",
        'θ' => "th",
        'ι' | 'ί' | 'ϊ' => "i",
        'κ' => "k",
        'λ' => "l",
        'μ' => "m",
        'ν' => "n",
        'ξ' => "x",
        'ο' | 'ό' => "o",
        'π' => "p",
        'ρ' => "r",
        'σ' | 'ς' => "s",
        'τ' => "t",
        'υ' | 'ύ' => "y",
        'φ' => "f",
        'χ' => "ch",
        'ψ' => "ps",
        'ω' | 'ώ' => "o",
        _ => return None,
    })
}

/// Particles that are not names of their own.
pub const PARTICLES: [&str; 18] = [
    "von", "van", "der", "den", "de", "da", "di", "du", "la", "le", "al", "el", "bin", "ibn", "bint", "ben", "abu", "y",
];

/// The ASCII letters a look-alike letter stands for, lower case (None: not a Latin look-alike).
/// `at_word_start`: a vertical stroke there is a capital I, elsewhere a lower-case l.
pub fn look_alike(c: char, at_word_start: bool) -> Option<String> {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    let mut buf = [0u8; 4];
    let skeleton: String = unicode_security::confusable_detection::skeleton(c.encode_utf8(&mut buf)).collect();
    let base: String = skeleton.nfd().filter(|m| !is_combining_mark(*m)).collect();
    if base.is_empty() || !base.chars().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    // TR39 maps I, l and | to one prototype, `l`; a name's capital I is the likelier reading.
    if base == "l" && at_word_start && !c.is_lowercase() {
        return Some("i".into());
    }
    Some(base.to_ascii_lowercase())
}

/// The name read by looks where a letter's transliteration and its look-alike differ (`þ` is
/// `th` in Icelandic but looks like `p`): screened as an alias, so both readings are compared.
pub fn look_alike_variant(name: &str) -> Option<String> {
    let mut changed = false;
    let mut out = String::with_capacity(name.len());
    for c in name.chars().take(384) {
        let lc = c.to_lowercase().next().unwrap_or(c);
        match fold(lc).and_then(|f| look_alike(c, false).filter(|l| l != f)) {
            Some(l) => {
                changed = true;
                out.push_str(&l);
            }
            None => out.push(c),
        }
    }
    changed.then_some(out)
}

/// Lower-cased Latin text with single spaces.
pub fn latin(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars().take(384) {
        let at_word_start = out.is_empty() || out.ends_with(' ');
        // A look-alike is read as written (its case matters: `ǀ` for I), before lower-casing.
        if !c.is_ascii() && fold(c).is_none() && c.to_lowercase().all(|l| fold(l).is_none()) {
            if let Some(f) = look_alike(c, at_word_start) {
                out.push_str(&f);
                continue;
            }
        }
        for lc in c.to_lowercase() {
            if lc.is_ascii_alphanumeric() {
                out.push(lc);
            } else if let Some(f) = fold(lc) {
                out.push_str(f);
            } else if let Some(f) = look_alike(lc, at_word_start) {
                out.push_str(&f);
            } else if lc.is_alphabetic() {
                // A script we do not transliterate: keep it, so exact matches still work.
                out.push(lc);
            } else {
                out.push(' ');
            }
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Name tokens without particles; a name of only particles keeps them.
pub fn tokens(name: &str) -> Vec<String> {
    let all: Vec<String> = latin(name).split(' ').filter(|t| !t.is_empty()).map(str::to_owned).collect();
    let kept: Vec<String> = all.iter().filter(|t| !PARTICLES.contains(&t.as_str())).cloned().collect();
    if kept.is_empty() {
        all
    } else {
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_transliterates() {
        assert_eq!(latin("Søren Ærø-Åsheim"), "soren aero asheim");
        assert_eq!(latin("Владимир Путин"), "vladimir putin");
        assert_eq!(latin("Олександр Зінченко"), "oleksandr zinchenko");
        assert_eq!(latin("Αλέξης Τσίπρας"), "alexis tsipras");
        assert_eq!(latin("  O'Brien,  Seán "), "o brien sean");
        assert_eq!(latin("Müller"), "muller");
        assert_eq!(tokens("Ludwig van Beethoven"), ["ludwig", "beethoven"]);
        assert_eq!(tokens("Abu Bakr al-Baghdadi"), ["bakr", "baghdadi"]);
        assert_eq!(tokens("Van Der"), ["van", "der"]);
        assert!(tokens("").is_empty());
        assert!(tokens("!!! ???").is_empty());
    }

    #[test]
    fn look_alike_letters_fold_to_what_they_look_like() {
        assert_eq!(latin("Oƚena Kovalenko"), "olena kovalenko");
        assert_eq!(latin("ǀvan Petrov"), "ivan petrov");
        assert_eq!(latin("Ƚena ƶhou"), "lena zhou");
        assert_eq!(latin("Oǀena"), "olena");
        assert_eq!(latin("ɑli İnga"), "ali inga");
    }
}
