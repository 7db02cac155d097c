//! Numbers in words ("terbilang"), as written on receipts and settlement statements.
//!
//! An Indonesian receipt states its total twice: in figures and in words ("seratus lima puluh
//! ribu rupiah"), so that a figure altered by hand no longer matches. The words follow the
//! standard spelling: the `se-` forms for one (sepuluh, sebelas, seratus, seribu, but "satu
//! juta", "satu miliar"), `belas` for 11–19, `puluh`, `ratus`, `ribu`, `juta`, `miliar`,
//! `triliun`. Above 999 triliun the count of triliun is itself written in words ("seribu
//! triliun", "delapan belas juta … triliun"), which covers every `u64` without inventing rarely
//! used scale words.

use crate::lang::Lang;
use crate::money::Rupiah;

const DIGITS_ID: [&str; 10] = [
    "nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
];

const TRILIUN: u64 = 1_000_000_000_000;

/// The Indonesian words for `n`, lower case, separated by single spaces: `0` → "nol",
/// `1_250_000` → "satu juta dua ratus lima puluh ribu", `2_001_000_000` → "dua miliar satu
/// juta". Total: every `u64` has its words.
pub fn terbilang(n: u64) -> String {
    if n == 0 {
        return DIGITS_ID[0].to_string();
    }
    let mut words = Vec::new();
    push_id(n, &mut words);
    words.join(" ")
}

/// Words for `n` > 0 (nothing for 0).
fn push_id(n: u64, out: &mut Vec<&'static str>) {
    let triliun = n / TRILIUN;
    if triliun > 0 {
        push_id(triliun, out);
        out.push("triliun");
    }
    let rest = n % TRILIUN;
    for (scale, word) in [
        (1_000_000_000, "miliar"),
        (1_000_000, "juta"),
        (1_000, "ribu"),
    ] {
        let group = rest / scale % 1000;
        if group == 1 && scale == 1_000 {
            out.push("seribu");
        } else if group > 0 {
            push_id_below_1000(group, out);
            out.push(word);
        }
    }
    push_id_below_1000(rest % 1000, out);
}

/// Words for 1–999 (nothing for 0).
fn push_id_below_1000(n: u64, out: &mut Vec<&'static str>) {
    let digit = |d: u64| DIGITS_ID[(d % 10) as usize];
    let hundreds = n / 100 % 10;
    match hundreds {
        0 => {}
        1 => out.push("seratus"),
        h => {
            out.push(digit(h));
            out.push("ratus");
        }
    }
    let rest = n % 100;
    match rest {
        0 => {}
        10 => out.push("sepuluh"),
        11 => out.push("sebelas"),
        12..=19 => {
            out.push(digit(rest - 10));
            out.push("belas");
        }
        1..=9 => out.push(digit(rest)),
        _ => {
            out.push(digit(rest / 10));
            out.push("puluh");
            if !rest.is_multiple_of(10) {
                out.push(digit(rest % 10));
            }
        }
    }
}

const ONES_EN: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];

const TENS_EN: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// Short-scale names of successive powers of 1000; enough for every `u64` (about 18.4
/// quintillion).
const SCALES_EN: [&str; 7] = [
    "",
    "thousand",
    "million",
    "billion",
    "trillion",
    "quadrillion",
    "quintillion",
];

/// The English words for `n` (short scale, no "and", hyphenated tens as on a cheque):
/// `150_000` → "one hundred fifty thousand", `21` → "twenty-one".
fn english(n: u64) -> String {
    if n == 0 {
        return ONES_EN[0].to_string();
    }
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push(rest % 1000);
        rest /= 1000;
    }
    let mut words: Vec<String> = Vec::new();
    for (i, group) in groups.iter().enumerate().rev() {
        if *group == 0 {
            continue;
        }
        english_below_1000(*group, &mut words);
        if let Some(scale) = SCALES_EN.get(i).filter(|s| !s.is_empty()) {
            words.push((*scale).to_string());
        }
    }
    words.join(" ")
}

/// Words for 1–999 (nothing for 0).
fn english_below_1000(n: u64, out: &mut Vec<String>) {
    let hundreds = (n / 100 % 10) as usize;
    if hundreds > 0 {
        out.push(format!("{} hundred", ONES_EN[hundreds]));
    }
    let rest = (n % 100) as usize;
    match rest {
        0 => {}
        1..=19 => out.push(ONES_EN[rest].to_string()),
        _ if rest.is_multiple_of(10) => out.push(TENS_EN[rest / 10].to_string()),
        _ => out.push(format!("{}-{}", TENS_EN[rest / 10], ONES_EN[rest % 10])),
    }
}

/// The words for `n` in `lang` (Indonesian: [`terbilang`]).
pub fn number_in_words(n: u64, lang: Lang) -> String {
    match lang {
        Lang::Id => terbilang(n),
        Lang::En => english(n),
    }
}

/// An amount in words, as written under the figure on a receipt: "seratus lima puluh ribu
/// rupiah" / "one hundred fifty thousand rupiah". A negative amount (a correction) starts with
/// "minus". Lower case; a template that wants "Seratus …" capitalises the first letter.
pub fn rupiah_in_words(r: Rupiah, lang: Lang) -> String {
    let words = number_in_words(r.0.unsigned_abs(), lang);
    if r.0 < 0 {
        format!("minus {words} rupiah")
    } else {
        format!("{words} rupiah")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn indonesian_vectors() {
        let cases: &[(u64, &str)] = &[
            (0, "nol"),
            (1, "satu"),
            (2, "dua"),
            (9, "sembilan"),
            (10, "sepuluh"),
            (11, "sebelas"),
            (12, "dua belas"),
            (17, "tujuh belas"),
            (19, "sembilan belas"),
            (20, "dua puluh"),
            (21, "dua puluh satu"),
            (45, "empat puluh lima"),
            (99, "sembilan puluh sembilan"),
            (100, "seratus"),
            (101, "seratus satu"),
            (110, "seratus sepuluh"),
            (111, "seratus sebelas"),
            (115, "seratus lima belas"),
            (120, "seratus dua puluh"),
            (200, "dua ratus"),
            (999, "sembilan ratus sembilan puluh sembilan"),
            (1_000, "seribu"),
            (1_001, "seribu satu"),
            (1_010, "seribu sepuluh"),
            (1_100, "seribu seratus"),
            (1_111, "seribu seratus sebelas"),
            (1_999, "seribu sembilan ratus sembilan puluh sembilan"),
            (2_000, "dua ribu"),
            (2_500, "dua ribu lima ratus"),
            (10_000, "sepuluh ribu"),
            (11_000, "sebelas ribu"),
            (15_000, "lima belas ribu"),
            (20_000, "dua puluh ribu"),
            (21_000, "dua puluh satu ribu"),
            (100_000, "seratus ribu"),
            (101_000, "seratus satu ribu"),
            (111_111, "seratus sebelas ribu seratus sebelas"),
            (150_000, "seratus lima puluh ribu"),
            (
                999_999,
                "sembilan ratus sembilan puluh sembilan ribu sembilan ratus sembilan puluh sembilan",
            ),
            (1_000_000, "satu juta"),
            (1_001_000, "satu juta seribu"),
            (1_000_001, "satu juta satu"),
            (1_250_000, "satu juta dua ratus lima puluh ribu"),
            (10_000_000, "sepuluh juta"),
            (100_000_000, "seratus juta"),
            (1_000_000_000, "satu miliar"),
            (2_001_000_000, "dua miliar satu juta"),
            (11_000_001_000, "sebelas miliar seribu"),
            (1_000_000_000_000, "satu triliun"),
            (1_000_000_001_000, "satu triliun seribu"),
            (
                999_999_999_999_999,
                "sembilan ratus sembilan puluh sembilan triliun \
                 sembilan ratus sembilan puluh sembilan miliar \
                 sembilan ratus sembilan puluh sembilan juta \
                 sembilan ratus sembilan puluh sembilan ribu \
                 sembilan ratus sembilan puluh sembilan",
            ),
            (1_000_000_000_000_000, "seribu triliun"),
            (2_000_000_000_000_000, "dua ribu triliun"),
            (1_000_000_000_000_000_000, "satu juta triliun"),
            (
                u64::MAX,
                "delapan belas juta empat ratus empat puluh enam ribu tujuh ratus empat puluh empat triliun \
                 tujuh puluh tiga miliar tujuh ratus sembilan juta lima ratus lima puluh satu ribu \
                 enam ratus lima belas",
            ),
        ];
        for (n, words) in cases {
            assert_eq!(terbilang(*n), *words, "{n}");
        }
    }

    #[test]
    fn english_vectors() {
        let cases: &[(u64, &str)] = &[
            (0, "zero"),
            (1, "one"),
            (13, "thirteen"),
            (20, "twenty"),
            (21, "twenty-one"),
            (100, "one hundred"),
            (105, "one hundred five"),
            (1_000, "one thousand"),
            (150_000, "one hundred fifty thousand"),
            (1_250_000, "one million two hundred fifty thousand"),
            (2_001_000_000, "two billion one million"),
            (1_000_000_000_000, "one trillion"),
            (
                u64::MAX,
                "eighteen quintillion four hundred forty-six quadrillion seven hundred forty-four trillion \
                 seventy-three billion seven hundred nine million five hundred fifty-one thousand \
                 six hundred fifteen",
            ),
        ];
        for (n, words) in cases {
            assert_eq!(number_in_words(*n, Lang::En), *words, "{n}");
        }
        assert_eq!(
            number_in_words(150_000, Lang::Id),
            "seratus lima puluh ribu"
        );
    }

    #[test]
    fn rupiah_vectors() {
        assert_eq!(
            rupiah_in_words(Rupiah(150_000), Lang::Id),
            "seratus lima puluh ribu rupiah"
        );
        assert_eq!(
            rupiah_in_words(Rupiah(150_000), Lang::En),
            "one hundred fifty thousand rupiah"
        );
        assert_eq!(rupiah_in_words(Rupiah(0), Lang::Id), "nol rupiah");
        assert_eq!(rupiah_in_words(Rupiah(0), Lang::En), "zero rupiah");
        assert_eq!(
            rupiah_in_words(Rupiah(-5_000), Lang::Id),
            "minus lima ribu rupiah"
        );
        assert_eq!(
            rupiah_in_words(Rupiah(-5_000), Lang::En),
            "minus five thousand rupiah"
        );
        assert_eq!(
            rupiah_in_words(Rupiah(1_250_000), Lang::Id),
            "satu juta dua ratus lima puluh ribu rupiah"
        );
        // The extremes of i64 do not panic.
        assert!(rupiah_in_words(Rupiah(i64::MIN), Lang::Id).starts_with("minus sembilan juta"));
        assert!(rupiah_in_words(Rupiah(i64::MAX), Lang::En).starts_with("nine quintillion"));
    }

    /// Reads Indonesian number words back, to check that every number's words mean that
    /// number. Accepts exactly the vocabulary `terbilang` writes.
    fn parse_id(s: &str) -> Option<u128> {
        if s == "nol" {
            return Some(0);
        }
        // Split at the last "triliun": what comes before counts triliun.
        let tokens: Vec<&str> = s.split(' ').collect();
        if let Some(pos) = tokens.iter().rposition(|t| *t == "triliun") {
            let hi = parse_id(&tokens[..pos].join(" "))?;
            let lo = if pos + 1 < tokens.len() {
                parse_below_triliun(&tokens[pos + 1..])?
            } else {
                0
            };
            return Some(hi * u128::from(TRILIUN) + lo);
        }
        parse_below_triliun(&tokens)
    }

    fn parse_below_triliun(tokens: &[&str]) -> Option<u128> {
        let mut total = 0u128;
        let mut group = 0u128;
        let mut pending = 0u128;
        for t in tokens {
            match *t {
                "seratus" => group += 100,
                "sepuluh" => group += 10,
                "sebelas" => group += 11,
                "seribu" => total += 1000,
                "ratus" => {
                    group += pending * 100;
                    pending = 0;
                }
                "puluh" => {
                    group += pending * 10;
                    pending = 0;
                }
                "belas" => {
                    group += pending + 10;
                    pending = 0;
                }
                "ribu" | "juta" | "miliar" => {
                    let scale = match *t {
                        "ribu" => 1_000,
                        "juta" => 1_000_000,
                        _ => 1_000_000_000,
                    };
                    total += (group + pending) * scale;
                    group = 0;
                    pending = 0;
                }
                word => {
                    let d = DIGITS_ID.iter().position(|x| *x == word)?;
                    if d == 0 {
                        return None;
                    }
                    pending = d as u128;
                }
            }
        }
        Some(total + group + pending)
    }

    proptest! {
        #[test]
        fn indonesian_words_read_back(n in any::<u64>()) {
            let w = terbilang(n);
            prop_assert_eq!(parse_id(&w), Some(u128::from(n)), "{}", w);
            prop_assert!(!w.contains("  ") && !w.starts_with(' ') && !w.ends_with(' '));
            // The se- forms, never "satu ratus", "satu puluh", "satu belas".
            prop_assert!(!w.contains("satu ratus"));
            prop_assert!(!w.contains("satu puluh"));
            prop_assert!(!w.contains("satu belas"));
            // "satu ribu" only as the tail of a larger group ("dua puluh satu ribu").
            prop_assert!(!w.starts_with("satu ribu"));
        }

        #[test]
        fn small_numbers_read_back(n in 0u64..2_000_000) {
            prop_assert_eq!(parse_id(&terbilang(n)), Some(u128::from(n)));
        }

        #[test]
        fn english_words_are_well_formed(n in any::<u64>()) {
            let w = number_in_words(n, Lang::En);
            prop_assert!(!w.contains("  ") && !w.starts_with(' ') && !w.ends_with(' '));
            prop_assert_eq!(w == "zero", n == 0);
            prop_assert!(!w.contains("zero") || n == 0);
        }
    }
}
