//! Names to comparable tokens: lower case, Latin letters only (diacritics folded, Cyrillic and
//! Greek transliterated), punctuation to spaces, particles (`von`, `van`, `de`, `al`, `bin`, …)
//! dropped.

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

/// Lower-cased Latin text with single spaces.
pub fn latin(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars().take(384) {
        for lc in c.to_lowercase() {
            if lc.is_ascii_alphanumeric() {
                out.push(lc);
            } else if let Some(f) = fold(lc) {
                out.push_str(f);
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
}
