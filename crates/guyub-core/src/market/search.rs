//! Search keys for Indonesian product names (the catalogue search of the marketplace).
//!
//! The store keeps one row `(product id, token)` per key of a product, with an index on
//! `token`, and answers a query by looking its words up in that index: an exact lookup for
//! every finished word, a prefix range scan (`token >= key AND token < upper`) for the word
//! still being typed, every word required (AND). The member register searches the same way
//! (`guyub-store`'s `member_search_token`); this module is the product side's rules: how a
//! product's text becomes index keys ([`index_keys`]) and how a query becomes lookups
//! ([`parse_query`]), so that `keripik pisang` finds "Kripik Pisang Agung", `sambel` finds
//! "Sambal Bawang" and `djamoe` finds "Jamu Kunyit Asam". [`matches`] states the meaning the
//! store must reproduce.
//!
//! # One pipeline for both sides
//!
//! A text is cut into words ([`index_keys`] and [`parse_query`] share the tokenizer), each word
//! is spelled canonically ([`normalize_word`]) and then reduced to a conservative stem
//! ([`stem`]). Because the product's text and the query go through the same functions, a rule
//! only has to be *consistent*, not linguistically exact: `kerajinan` becomes `krajin`, a key
//! nobody would write, and that is fine because the query `kerajinan` becomes `krajin` too.
//! What a rule must not do is merge two words people mean differently (`durian` and `duri`,
//! `kemeja` and `meja`): that shows wrong products, which is worse than missing a variant, so
//! every doubtful rule below errs on the side of doing nothing.
//!
//! # Words
//!
//! - Letters are folded to ASCII lower case (`é` → `e`, `ß` → `ss`, decomposed accents too);
//!   apostrophes join (`Jum'at` → `jumat`); every other non-alphanumeric character, hyphens
//!   included, separates words. Scripts other than Latin are dropped.
//! - Letters and digits are separate words: `250gr` is `250` + `gr`, `3in1` is `3` + `in` + `1`.
//!   So `kopi 250 gram`, `kopi 250gr` and `Kopi 250 g` all meet on `250` and `gr`.
//! - A dot followed by exactly three digits inside a number is a thousands separator
//!   (`1.000` → `1000`, the Indonesian convention); any other dot or comma splits
//!   (`1,5` → `1` + `5`: both sides split alike).
//! - Reduplication: `oleh-oleh` is the word `oleh` twice, and keys are distinct, so it yields
//!   `oleh`; `buah-buahan` yields `buah` (and the full form `buahan`, whose stem is `buah`);
//!   the written-out form `oleh2` / `kue2` (three or more letters directly followed by a lone
//!   `2`) drops the `2`.
//! - Stopwords (`dan`, `yang`, `dengan`, `untuk`, `di`, `ke`, `dari`, `isi`, `per`, `ukuran`, …)
//!   are dropped on both sides. A query made only of stopwords is empty.
//!
//! # Spelling ([`normalize_word`])
//!
//! Applied to one word, repeated until nothing changes (so it is idempotent):
//!
//! 1. Units, whole word only: `gr`/`grm`/`gram`/`grams` → `gr`; `kg`/`kgs`/`kilo`/`kilogram` →
//!    `kg`; `ml`/`mililiter` → `ml`; `lt`/`ltr`/`liter`/`litre` → `liter`; `pc`/`pcs`/`piece(s)`
//!    → `pcs`. A bare `l` or `g` is a unit only right after a number (`1 l`, `250g`): alone,
//!    `L` is a clothing size.
//! 2. Old spellings (Van Ophuijsen / Soewandi, still alive in brand names: "Djamoe Tjap
//!    Djago", "Njonja Meneer"): `dj` → `j`, `tj` → `c`, `oe` → `u`, `ch` → `kh` everywhere
//!    (modern Indonesian hardly has these letter pairs, so the words they touch are old
//!    spellings and foreign words, which change the same way on both sides: `chips` → `khips`,
//!    `aloe` → `alu`).
//!    `nj` → `ny` and `sj` → `sy` only at the start of a word, or anywhere in a word that also
//!    has `dj`/`tj` or starts with `nj`/`sj` (then it is an old spelling for sure), because
//!    modern words have them medially: `panjang`, `masjid`. In such a surely-old word a lone
//!    `j` was the modern `y` (`Djaja` → `jaya`, `Njonja` → `nyonya`); in a word with `oe` only
//!    a non-initial lone `j` is (`Soerabaja` → `surabaya`, but `Jamoe` → `jamu`).
//! 3. Doubled letters collapse: `kopii` → `kopi`, `cappuccino` → `capucino`, `maaf` → `maf`
//!    (consistent on both sides; digits are never collapsed), except the native `ngg`
//!    (`mangga`, `tinggi`, `menggoreng`), which the stemmer needs to see `meng-` + `g`.
//! 4. A short table of common variant spellings that no safe rule derives: `sambel` →
//!    `sambal`, `cemilan` → `camilan`, `pedes` → `pedas`, `kueh` → `kue`, `mie` → `mi`,
//!    `baso` → `bakso`, `cokelat` → `coklat`, `telor` → `telur`, `mukenah` → `mukena`, ….
//! 5. Word endings (words of 5+ letters): `-ai` → `-e` (`cabai` = `cabe`, `petai` = `pete`,
//!    `kedelai` = `kedele`, `serai` = `sere`) and `-eh` → `-e` (`tempeh` = `tempe`,
//!    `sereh` = `sere`, `cengkeh` = `cengke`). Javanese and colloquial Indonesian use both.
//! 6. The unstressed `e` of a first syllable before `r`/`l` is dropped (words of 5+ letters
//!    starting with `b c g k p s t` + `e` + `r`/`l` + vowel): `keripik` = `kripik`,
//!    `kerupuk` = `krupuk`, `kerudung` = `krudung`, `terasi` = `trasi`, `kelepon` = `klepon`,
//!    `selendang` = `slendang`, `belimbing` = `blimbing`. Keys such as `bras` (`beras`) and
//!    `klapa` (`kelapa`) look odd but are never shown. This also takes the prefix look-alikes
//!    `ber-`, `ter-`, `per-`, `ke-`, `se-` out of reach of the stemmer in root words such as
//!    `beras`, `terasi`, `kerupuk`, `selai`. The price: prefixed words whose root begins with a
//!    vowel lose that prefix's stemming (`beraroma` stays `braroma`, not `aroma`), and a few
//!    unrelated words meet (`peria`, bitter gourd, = `pria`). Four-letter words are left alone
//!    (`teri` stays `teri`, not `tri`; `seri` is not `sri`).
//!
//! # Stemming ([`stem`])
//!
//! A dictionary-free cut of Nazief–Adriani (as in Sastrawi), tuned for product names where a
//! wrong cut is worse than no cut. A cut is kept only if what remains is a plausible
//! Indonesian root: at least 4 letters and 2 vowels, starting with a vowel, a consonant + vowel,
//! `ng`/`ny`/`kh`/`sy` + vowel or a consonant + `r`/`l` + vowel, and ending in a vowel or a
//! single consonant (or `ng`/`nk`) after a vowel. Words of 5 letters or fewer therefore never
//! change (`batik`, `madu`, `beras`, `kecap`, `hutan`). After every cut the root is spelled
//! again like a word of its own (`dikeringkan` → `kering` → `kring`, the key of `kering`), so
//! a stem is always a normalised word. Steps, repeated until nothing changes (so it is
//! idempotent):
//!
//! - particles `-lah -kah -tah -pun`, leaving 6+ letters (`sekolah`, `berkah`, `masalah`,
//!   `pengolah` and names such as `Fadhilah` stay; product names hardly ever carry particles);
//! - possessives `-nya` (leaving 4+), `-ku -mu` (leaving 5+: `tungku`, `jamu` stay);
//! - prefixes, only where the boundary is unambiguous without a dictionary: `di-`, `diper-`,
//!   `memper-`, `ber-`/`ter-` before a consonant other than `r`, `mem-`/`pem-` before `b f v`,
//!   `men-`/`pen-` before `c d j z sy`, `meng-`/`peng-` before `g h`, `meny-`/`peny-` +
//!   vowel → `s` (`penyedap` → `sedap`), `pe-` before `w y` (`pewarna` → `warna`); `ke-` and
//!   `per-` only together with `-an` (`kesehatan` → `sehat`, `pertanian` → `tani`). Not cut,
//!   because the root could begin with two letters (`memasak`: `masak` or `pasak`; `pengemas`:
//!   `kemas` or `emas`, gold): `mem-`/`pem-`/`men-`/`pen-`/`meng-`/`peng-` + vowel; not cut at
//!   all: `se-` (`sepatu`, `sepeda`, `semangka`), `me-` before `l r w y` (`melati`, `merica`),
//!   `ke-` alone (`kemeja` is not `meja`, `ketupat` not `tupat`);
//! - suffixes: `-an` alone or with `ke- pe- per- ber-`; `-kan` and `-i` only with `di- me- ter-`
//!   (`ber-` also takes `-kan`), never alone, because bare `-kan`/`-i` words in product names are
//!   nouns whose root ends in `k` or `i` (`masakan` is `masak`, `kopi`, `roti`, `kemiri`);
//! - a few words whose cut lands on a different word are never cut: `durian` (`duri`: "bandeng
//!   tanpa duri"), `rambutan` (`rambut`), `lebaran` (`lebar`), `kuningan` (`kuning`),
//!   `bermuda` (`muda`), `berlian`, `menjangan` (`jangan`), `mendoan`.
//!
//! Known trade-offs: `penggorengan` (frying pan), `gorengan` (fried snacks) and `goreng` share
//! the stem `goreng`; `kerajinan` becomes `krajin` (so it does not meet `rajin`, diligent,
//! which is the better outcome); `manisan` meets `manis`, `mainan` meets `main`, `kiloan`
//! meets the unit `kg`; `penyanyi` becomes `sanyi` (a `ny` root read as `s`, harmless: no
//! other word becomes `sanyi`). The index also keeps the full normalised word, so the store
//! can rank exact words first.
//!
//! # Queries
//!
//! Every query word is looked up by its stem. The last word is a *prefix* when the query does
//! not end with a space or punctuation (the user may still be typing it) and it has at least 2
//! characters; a one-character last word is exact (`kaos l`). A prefix word matches any key that
//! starts with its stem: the index holds both stems and full normalised words, so `kerip`
//! (normalised `krip`) finds `kripik`, `berkual` (stem `kual`) finds `kualitas`, and a finished
//! last word finds its own stem. A word typed halfway can miss for a keystroke or two where a
//! spelling rule needs the whole word (`kera` does not yet find `kerajinan`, `caba` not `cabai`).
//! Keys are `[a-z0-9]` only, so in byte order (SQLite `BINARY`, PostgreSQL `"C"`) the prefix
//! scan `token >= key AND token < key || '{'` is exact (`{` sorts right after `z`).
//!
//! # Limits
//!
//! No synonyms or translations (`kunyit`/`kunir`, `peci`/`kopiah`/`songkok`, `tahu`/`tofu`),
//! no typo tolerance (`kripk`), no phonetic folding beyond the rules above (`foto`/`poto`,
//! `zaman`/`jaman`), no decimals (`1,5 kg` is `1` + `5` + `kg`), old `sj`/`nj` spellings inside
//! a word without another old marker stay (`masjarakat`), and Javanese or regional words are
//! treated as Indonesian.
//!
//! Invariants (tested, partly by property tests): keys are non-empty, ASCII `[a-z0-9]`, at most
//! [`MAX_KEY_LEN`] bytes, distinct, at most [`MAX_KEYS`] per product; nothing panics on any
//! input; `matches(&index_keys(t), &parse_query(t))` holds for any text `t` of at most
//! [`MAX_QUERY_CHARS`] characters made of words; [`normalize_word`] and [`stem`] are
//! idempotent.

/// Most keys stored for one product (the store writes one token row per key). The stems of a
/// text come first, then the full words, so the first [`MAX_QUERY_WORDS`] distinct query words
/// of the same text always find their keys.
pub const MAX_KEYS: usize = 24;

/// Longest key, in bytes (keys are ASCII). Longer stems and words are cut to this length on
/// both sides, so they still meet.
pub const MAX_KEY_LEN: usize = 32;

/// Most words a query looks up; later words are ignored (each word is one index probe).
pub const MAX_QUERY_WORDS: usize = 8;

/// Longest query read, in characters; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 200;

/// Letters or digits of one word beyond this are ignored before normalising (a cost bound for
/// pathological input; every key is cut to [`MAX_KEY_LEN`] anyway).
const MAX_TOKEN_LEN: usize = 64;

/// Bound on the repeat-until-unchanged spelling loop; real words settle in two or three passes.
const MAX_PASSES: usize = 8;

/// Bound on the cuts of one word; a word carries at most four affixes.
const MAX_STEM_STEPS: usize = 16;

/// A parsed search query: every word must match one of a product's keys.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    /// Distinct by key, in the order typed, at most [`MAX_QUERY_WORDS`]. Empty when the query
    /// has no searchable word (blank, punctuation, stopwords): callers then browse instead of
    /// searching.
    pub words: Vec<QueryWord>,
}

/// One looked-up word of a [`Query`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    /// The stem to look up: non-empty ASCII `[a-z0-9]`, at most [`MAX_KEY_LEN`] bytes.
    pub key: String,
    /// Match every key starting with `key` (the word being typed) instead of `key` alone.
    pub prefix: bool,
}

/// The canonical spelling of one word: ASCII lower case, old spellings modernised, doubled
/// letters collapsed, common variants and units unified (see the module documentation).
///
/// The input is one word: any character that is not a letter or digit is dropped (not a word
/// boundary). Letter runs and digit runs are normalised separately and kept in order, so
/// `250gram` gives `250gr`. Idempotent: `normalize_word(&normalize_word(w)) ==
/// normalize_word(w)`. Context rules (a bare `l` after a number is `liter`) live in the
/// tokenizer, not here.
pub fn normalize_word(w: &str) -> String {
    let mut units = Vec::with_capacity(w.len());
    for c in w.chars() {
        push_folded(c, &mut units);
    }
    let bytes: Vec<u8> = units
        .into_iter()
        .filter_map(|u| match u {
            Unit::Ch(b) => Some(b),
            _ => None,
        })
        .collect();
    let mut out = String::with_capacity(bytes.len());
    for run in bytes.chunk_by(|a, b| a.is_ascii_digit() == b.is_ascii_digit()) {
        if run.first().is_some_and(u8::is_ascii_digit) {
            out.push_str(&ascii(run.to_vec()));
        } else {
            out.push_str(&normalize_letters(run));
        }
    }
    out
}

/// The conservative stem of a normalised word (see the module documentation for the rules).
///
/// Only words of ASCII lower-case letters are stemmed; anything else (digits, capitals, an
/// empty string) is returned unchanged. After every cut the root is normalised again (the
/// spelling rules that look at a word's start or end now see the root's), so the stem of a
/// normalised word is itself normalised. Never returns an empty string for a non-empty input,
/// and is idempotent: `stem(&stem(w)) == stem(w)`, because it repeats its cuts until none
/// applies (each cut removes an affix; the loop is bounded).
pub fn stem(w: &str) -> String {
    if w.is_empty() || !w.bytes().all(|b| b.is_ascii_lowercase()) {
        return w.to_string();
    }
    let mut cur = w.as_bytes().to_vec();
    for _ in 0..MAX_STEM_STEPS {
        if is_protected(&cur) {
            break;
        }
        match stem_step(&cur) {
            // A root is spelled like a word of its own: the rules that look at the start or the
            // end of a word apply to it now (`dikeringkan` → `kering` → `kring`, as `kering`).
            Some(root) => cur = normalize_letters(&root).into_bytes(),
            None => break,
        }
    }
    ascii(cur)
}

/// The index keys of a product's text (its name, optionally followed by other text such as the
/// category): for every word, its stem and, when different, its full normalised form.
///
/// Distinct, stopwords dropped, at most [`MAX_KEYS`]: all stems in order of first appearance,
/// then the full forms that differ from them, so a long text loses full forms (used for prefix
/// matches and ranking) before it loses any stem of its first words. Every key is non-empty
/// ASCII `[a-z0-9]` of at most [`MAX_KEY_LEN`] bytes. Never panics.
pub fn index_keys(text: &str) -> Vec<String> {
    let mut stems: Vec<String> = Vec::new();
    let mut fulls: Vec<String> = Vec::new();
    for tok in tokenize(text) {
        if stems.len() >= MAX_KEYS {
            break;
        }
        if let Some((s, n)) = token_keys(&tok) {
            if n != s && !fulls.contains(&n) {
                fulls.push(n);
            }
            if !stems.contains(&s) {
                stems.push(s);
            }
        }
    }
    for n in fulls {
        if stems.len() >= MAX_KEYS {
            break;
        }
        if !stems.contains(&n) {
            stems.push(n);
        }
    }
    stems
}

/// Parses what a user typed into the words to look up (see the module documentation).
///
/// Reads at most [`MAX_QUERY_CHARS`] characters and keeps at most [`MAX_QUERY_WORDS`] distinct
/// words. Every word's key is the stem the index holds for the same word; only the last word
/// can be a prefix, and only when nothing follows it in the query (no space, no punctuation)
/// and it has at least 2 characters. A word whose key repeats an earlier one is dropped (an
/// exact word wins over a prefix word with the same key). Never panics.
pub fn parse_query(q: &str) -> Query {
    let text: String = q.chars().take(MAX_QUERY_CHARS).collect();
    let mut words: Vec<QueryWord> = Vec::new();
    for tok in tokenize(&text) {
        let Some((key, _)) = token_keys(&tok) else {
            continue;
        };
        let prefix = tok.at_end && tok.text.len() >= 2;
        if let Some(w) = words.iter_mut().find(|w| w.key == key) {
            w.prefix &= prefix;
            continue;
        }
        if words.len() == MAX_QUERY_WORDS {
            break;
        }
        words.push(QueryWord { key, prefix });
    }
    Query { words }
}

/// Whether a product with these index keys answers the query: every word matches one key,
/// exactly, or as a prefix for a prefix word. The reference the store's SQL must agree with.
/// An empty query matches every product (an empty AND): callers treat it as "no text filter".
pub fn matches(index: &[String], q: &Query) -> bool {
    q.words.iter().all(|w| {
        if w.prefix {
            index.iter().any(|k| k.starts_with(w.key.as_str()))
        } else {
            index.contains(&w.key)
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Folding and tokenizing

/// One folded input character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// An ASCII lower-case letter or a digit.
    Ch(u8),
    /// White space: separates words but keeps "a unit right after a number" (`250 gr`).
    Space,
    /// A dot: a thousands separator inside a number, else a separator.
    Dot,
    /// Any other separator.
    Sep,
}

/// Characters that vanish inside a word: apostrophes, combining accents, zero-width marks.
fn is_joiner(c: char) -> bool {
    matches!(
        c,
        '\'' | '`'
            | '\u{00AD}'
            | '\u{00B4}'
            | '\u{02BB}'
            | '\u{02BC}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{0300}'..='\u{036F}'
            | '\u{200B}'..='\u{200D}'
            | '\u{FEFF}'
    )
}

/// ASCII for the accented Latin letters of Latin-1 and Latin Extended-A (lower case).
fn fold_latin(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ª' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' | 'ĸ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' | 'ŋ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'º' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ſ' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// Appends the folded form of one character.
fn push_folded(c: char, out: &mut Vec<Unit>) {
    if is_joiner(c) {
        return;
    }
    if let Ok(b) = u8::try_from(c)
        && b.is_ascii()
    {
        out.push(match b {
            b'a'..=b'z' | b'0'..=b'9' => Unit::Ch(b),
            b'A'..=b'Z' => Unit::Ch(b.to_ascii_lowercase()),
            b'.' => Unit::Dot,
            _ if b.is_ascii_whitespace() => Unit::Space,
            _ => Unit::Sep,
        });
        return;
    }
    if c.is_whitespace() {
        out.push(Unit::Space);
        return;
    }
    for l in c.to_lowercase() {
        if is_joiner(l) {
            continue;
        }
        if let Ok(b) = u8::try_from(l)
            && b.is_ascii_alphanumeric()
        {
            out.push(Unit::Ch(b.to_ascii_lowercase()));
        } else if let Some(s) = fold_latin(l) {
            out.extend(s.bytes().map(Unit::Ch));
        } else {
            out.push(Unit::Sep);
        }
    }
}

/// One word of a text: a run of ASCII letters or a run of digits.
#[derive(Debug)]
struct Token {
    /// Folded: only `[a-z]` or only `[0-9]`, non-empty, at most [`MAX_TOKEN_LEN`] bytes.
    text: String,
    numeric: bool,
    /// Right after a number, with nothing or only spaces between (`250gr`, `1 l`).
    after_number: bool,
    /// Nothing follows it in the text: a query's word still being typed.
    at_end: bool,
}

/// Whether the dot at `i` sits before exactly three digits (`1.000`, `25.000.000`).
fn is_thousands_dot(units: &[Unit], i: usize) -> bool {
    let digit = |j: usize| matches!(units.get(j), Some(Unit::Ch(b)) if b.is_ascii_digit());
    digit(i + 1) && digit(i + 2) && digit(i + 3) && !digit(i + 4)
}

/// Cuts a text into words (see the module documentation: letter/digit runs, thousands dots,
/// `oleh2`).
fn tokenize(text: &str) -> Vec<Token> {
    let mut units = Vec::with_capacity(text.len());
    for c in text.chars() {
        push_folded(c, &mut units);
    }
    let mut toks = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut cur_numeric = false;
    // The previous word was a number and only spaces (or nothing) came since.
    let mut prev_numeric = false;
    let mut flush = |cur: &mut Vec<u8>, numeric: bool, prev: &mut bool, at_end: bool| {
        if cur.is_empty() {
            return;
        }
        toks.push(Token {
            text: ascii(std::mem::take(cur)),
            numeric,
            after_number: *prev,
            at_end,
        });
        *prev = numeric;
    };
    for (i, &u) in units.iter().enumerate() {
        match u {
            Unit::Ch(b) => {
                let numeric = b.is_ascii_digit();
                if !cur.is_empty() && numeric != cur_numeric {
                    let lone_two = b == b'2'
                        && !cur_numeric
                        && cur.len() >= 3
                        && !matches!(units.get(i + 1), Some(Unit::Ch(_)));
                    flush(&mut cur, cur_numeric, &mut prev_numeric, false);
                    if lone_two {
                        // "oleh2", "kue2": a written-out reduplication, not a number.
                        continue;
                    }
                }
                cur_numeric = numeric;
                if cur.len() < MAX_TOKEN_LEN {
                    cur.push(b);
                }
            }
            Unit::Dot if cur_numeric && !cur.is_empty() && is_thousands_dot(&units, i) => {}
            Unit::Space => flush(&mut cur, cur_numeric, &mut prev_numeric, false),
            Unit::Dot | Unit::Sep => {
                flush(&mut cur, cur_numeric, &mut prev_numeric, false);
                prev_numeric = false;
            }
        }
    }
    let at_end = matches!(units.last(), Some(Unit::Ch(_)));
    flush(&mut cur, cur_numeric, &mut prev_numeric, at_end);
    toks
}

/// Words dropped from both products and queries (already in normalised form).
fn is_stopword(w: &str) -> bool {
    matches!(
        w,
        "dan"
            | "yang"
            | "yg"
            | "dengan"
            | "dgn"
            | "untuk"
            | "utk"
            | "di"
            | "ke"
            | "dari"
            | "dr"
            | "isi"
            | "per"
            | "ukuran"
            | "atau"
            | "pada"
            | "serta"
            | "ini"
            | "itu"
            | "juga"
            | "bagi"
            | "dl"
            | "dsb"
    )
}

/// The (stem, full normalised form) of a word, both cut to [`MAX_KEY_LEN`]; `None` for a
/// stopword.
fn token_keys(t: &Token) -> Option<(String, String)> {
    let norm = if t.numeric {
        t.text.clone()
    } else if t.after_number && t.text == "l" {
        "liter".to_string()
    } else if t.after_number && t.text == "g" {
        "gr".to_string()
    } else {
        normalize_letters(t.text.as_bytes())
    };
    if norm.is_empty() || is_stopword(&norm) {
        return None;
    }
    let s = stem(&norm);
    Some((clip(s), clip(norm)))
}

/// Cuts a key to [`MAX_KEY_LEN`] bytes (on a character boundary, though keys are ASCII).
fn clip(mut s: String) -> String {
    let mut n = MAX_KEY_LEN.min(s.len());
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    s.truncate(n);
    s
}

/// Bytes that are known to be ASCII, as a `String` (no fallible conversion needed).
fn ascii(v: Vec<u8>) -> String {
    v.into_iter().map(char::from).collect()
}

// ---------------------------------------------------------------------------------------------
// Spelling

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// Normalises a run of ASCII lower-case letters, repeating one pass until it is stable.
fn normalize_letters(w: &[u8]) -> String {
    let mut cur = w.to_vec();
    for _ in 0..MAX_PASSES {
        let next = spelling_pass(&cur);
        if next == cur {
            break;
        }
        cur = next;
    }
    ascii(cur)
}

/// One pass of the spelling rules (the numbered steps of the module documentation).
fn spelling_pass(w: &[u8]) -> Vec<u8> {
    if let Some(u) = unit_of(w) {
        return u.as_bytes().to_vec();
    }
    let s = collapse(&old_spelling(w));
    if let Some(v) = variant_of(&s) {
        return v.as_bytes().to_vec();
    }
    let s = word_ending(s);
    let s = drop_pepet(s);
    collapse(&s)
}

/// The canonical unit for a unit spelling (whole word).
fn unit_of(w: &[u8]) -> Option<&'static str> {
    Some(match w {
        b"gr" | b"grm" | b"grs" | b"gram" | b"grams" | b"gramm" => "gr",
        b"kg" | b"kgs" | b"kilo" | b"kilogram" | b"kilograms" => "kg",
        b"ml" | b"mls" | b"mililiter" | b"milliliter" | b"millilitre" | b"mililitre" => "ml",
        b"lt" | b"ltr" | b"ltrs" | b"liter" | b"liters" | b"litre" | b"litres" => "liter",
        b"pc" | b"pcs" | b"piece" | b"pieces" => "pcs",
        b"cc" => "cc",
        _ => return None,
    })
}

/// Common variant spellings no general rule derives safely (keys already in old-spelling-free,
/// collapsed form; values are stable under the other rules).
fn variant_of(w: &[u8]) -> Option<&'static str> {
    Some(match w {
        b"sambel" => "sambal",
        b"cemilan" => "camilan",
        b"cemil" => "camil",
        b"pedes" => "pedas",
        b"kueh" => "kue",
        b"mie" => "mi",
        b"baso" => "bakso",
        b"cokelat" => "coklat",
        b"telor" => "tlur",
        b"kedelei" => "kedele",
        b"satay" => "sate",
        b"sarong" => "sarung",
        b"sirop" | b"syrup" => "sirup",
        b"lunpia" => "lumpia",
        b"jely" => "jeli",
        b"bakpiya" => "bakpia",
        b"cengkih" => "cengke",
        b"tasbeh" => "tasbih",
        b"kopiyah" => "kopiah",
        b"mukenah" => "mukena",
        b"yoghurt" => "yogurt",
        b"cabay" => "cabe",
        b"pecal" => "pecel",
        _ => return None,
    })
}

/// Modernises old spellings (rule 2 of the module documentation).
fn old_spelling(w: &[u8]) -> Vec<u8> {
    let has = |pat: &[u8]| w.windows(2).any(|p| p == pat);
    let sure = has(b"dj") || has(b"tj") || w.starts_with(b"nj") || w.starts_with(b"sj");
    let likely = has(b"oe");
    let mut out = Vec::with_capacity(w.len());
    let mut i = 0;
    while let Some(&c) = w.get(i) {
        let next = w.get(i + 1).copied();
        let (rep, used): (&[u8], usize) = match (c, next) {
            (b'd', Some(b'j')) => (b"j", 2),
            (b't', Some(b'j')) => (b"c", 2),
            (b'c', Some(b'h')) => (b"kh", 2),
            (b'o', Some(b'e')) => (b"u", 2),
            (b's', Some(b'j')) if i == 0 || sure => (b"sy", 2),
            (b'n', Some(b'j')) if i == 0 || sure => (b"ny", 2),
            (b'j', _) if sure || (likely && i > 0) => (b"y", 1),
            _ => (std::slice::from_ref(&c), 1),
        };
        out.extend_from_slice(rep);
        i += used;
    }
    out
}

/// Collapses runs of one repeated letter (`kopii` → `kopi`), except the `ngg` of native words
/// (`mangga`, `tinggi`, `menggoreng`), which would otherwise hide the `meng-`/`peng-` + `g`
/// boundary from the stemmer.
fn collapse(w: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(w.len());
    for &c in w {
        let keep_ngg = c == b'g' && out.ends_with(b"ng");
        if out.last() != Some(&c) || keep_ngg {
            out.push(c);
        }
    }
    out
}

/// `-ai` → `-e` and `-eh` → `-e` in words of 5+ letters (rule 5).
fn word_ending(mut w: Vec<u8>) -> Vec<u8> {
    if w.len() >= 5 && (w.ends_with(b"ai") || w.ends_with(b"eh")) {
        w.truncate(w.len() - 2);
        w.push(b'e');
    }
    w
}

/// Drops the unstressed first-syllable `e` before `r`/`l` + vowel (rule 6): `keripik` →
/// `kripik`.
fn drop_pepet(mut w: Vec<u8>) -> Vec<u8> {
    if w.len() >= 5
        && let [c, b'e', b'r' | b'l', v, ..] = w[..]
        && matches!(c, b'b' | b'c' | b'g' | b'k' | b'p' | b's' | b't')
        && is_vowel(v)
    {
        w.remove(1);
    }
    w
}

// ---------------------------------------------------------------------------------------------
// Stemming

/// Words whose cut would land on a different, common word.
fn is_protected(w: &[u8]) -> bool {
    matches!(
        w,
        b"durian"
            | b"rambutan"
            | b"lebaran"
            | b"kuningan"
            | b"bermuda"
            | b"berlian"
            | b"menjangan"
            | b"mendoan"
    )
}

/// Whether `r` can be an Indonesian root (see the module documentation).
fn plausible_root(r: &[u8]) -> bool {
    let (&[a, b, c, ..], &[.., x, y, z]) = (r, r) else {
        return false;
    };
    if r.len() < 4 || r.iter().filter(|&&v| is_vowel(v)).count() < 2 {
        return false;
    }
    let onset = is_vowel(a)
        || is_vowel(b)
        || (is_vowel(c)
            && (matches!(
                [a, b],
                [b'n', b'g'] | [b'n', b'y'] | [b'k', b'h'] | [b's', b'y']
            ) || (matches!(
                a,
                b'b' | b'c' | b'd' | b'f' | b'g' | b'k' | b'p' | b's' | b't'
            ) && matches!(b, b'r' | b'l'))));
    let coda = is_vowel(z)
        || is_vowel(y)
        || (matches!([y, z], [b'n', b'g'] | [b'n', b'k']) && is_vowel(x));
    onset && coda
}

/// A derivational prefix, by the suffixes it combines with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    /// `di-`, `diper-`: with `-kan`, `-i` or alone.
    Di,
    /// `me(N)-`, `memper-`: with `-kan`, `-i` or alone.
    Me,
    /// `ter-`: with `-kan`, `-i` or alone.
    Ter,
    /// `ber-`: with `-an`, `-kan` or alone.
    Ber,
    /// `pe(N)-`, `pe-`: with `-an` or alone.
    Pe,
    /// `ke-`, `per-`: only with `-an`.
    KeAn,
}

impl Prefix {
    fn with_kan(self) -> bool {
        matches!(self, Prefix::Di | Prefix::Me | Prefix::Ter | Prefix::Ber)
    }
    fn with_i(self) -> bool {
        matches!(self, Prefix::Di | Prefix::Me | Prefix::Ter)
    }
    fn with_an(self) -> bool {
        matches!(self, Prefix::Ber | Prefix::Pe | Prefix::KeAn)
    }
    fn alone(self) -> bool {
        self != Prefix::KeAn
    }
}

fn is_consonant_not_r(c: Option<&u8>) -> bool {
    c.is_some_and(|&c| c.is_ascii_lowercase() && !is_vowel(c) && c != b'r')
}

/// The unambiguous prefix of `s`, if any, and the body after it (recoded: `meny-` + vowel puts
/// back the `s`).
fn split_prefix(s: &[u8]) -> Option<(Prefix, Vec<u8>)> {
    let at = |i: usize| s.get(i).copied();
    let body = |n: usize| s.get(n..).map(<[u8]>::to_vec);
    let after = |n: usize, set: &[u8]| at(n).is_some_and(|c| set.contains(&c));
    for (p, kind) in [(&b"diper"[..], Prefix::Di), (b"memper", Prefix::Me)] {
        if s.starts_with(p) && is_consonant_not_r(s.get(p.len())) {
            return Some((kind, body(p.len())?));
        }
    }
    if s.starts_with(b"di") {
        return Some((Prefix::Di, body(2)?));
    }
    for (p, kind) in [(&b"ber"[..], Prefix::Ber), (b"ter", Prefix::Ter)] {
        if s.starts_with(p) && is_consonant_not_r(s.get(3)) {
            return Some((kind, body(3)?));
        }
    }
    for (m, kind) in [(b'm', Prefix::Me), (b'p', Prefix::Pe)] {
        if at(0) != Some(m) || at(1) != Some(b'e') {
            continue;
        }
        if at(2) == Some(b'm') && after(3, b"bfv") {
            return Some((kind, body(3)?));
        }
        if at(2) == Some(b'n') && at(3) == Some(b'g') && after(4, b"gh") {
            return Some((kind, body(4)?));
        }
        if at(2) == Some(b'n') && at(3) == Some(b'y') && at(4).is_some_and(is_vowel) {
            let mut b = vec![b's'];
            b.extend_from_slice(s.get(4..)?);
            return Some((kind, b));
        }
        if at(2) == Some(b'n') && (after(3, b"cdjz") || s.get(3..5) == Some(&b"sy"[..])) {
            return Some((kind, body(3)?));
        }
    }
    if s.starts_with(b"pe") && after(2, b"wy") {
        return Some((Prefix::Pe, body(2)?));
    }
    if s.starts_with(b"per") && is_consonant_not_r(s.get(3)) {
        return Some((Prefix::KeAn, body(3)?));
    }
    if s.starts_with(b"ke") {
        return Some((Prefix::KeAn, body(2)?));
    }
    None
}

/// One stemming step: the first cut that leaves a plausible root, or `None`.
fn stem_step(s: &[u8]) -> Option<Vec<u8>> {
    for p in [&b"lah"[..], b"kah", b"tah", b"pun"] {
        if let Some(rest) = s.strip_suffix(p)
            && rest.len() >= 6
            && plausible_root(rest)
        {
            return Some(rest.to_vec());
        }
    }
    if let Some(rest) = s.strip_suffix(b"nya")
        && plausible_root(rest)
    {
        return Some(rest.to_vec());
    }
    for p in [&b"ku"[..], b"mu"] {
        if let Some(rest) = s.strip_suffix(p)
            && rest.len() >= 5
            && plausible_root(rest)
        {
            return Some(rest.to_vec());
        }
    }
    if let Some((kind, body)) = split_prefix(s) {
        let cuts: [(bool, &[u8]); 3] = [
            (kind.with_kan(), b"kan"),
            (kind.with_an(), b"an"),
            (kind.with_i(), b"i"),
        ];
        for (allowed, suffix) in cuts {
            if allowed
                && let Some(root) = body.strip_suffix(suffix)
                && plausible_root(root)
            {
                return Some(root.to_vec());
            }
        }
        if kind.alone() && plausible_root(&body) {
            return Some(body);
        }
    }
    if let Some(root) = s.strip_suffix(b"an")
        && plausible_root(root)
    {
        return Some(root.to_vec());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The key a single word is looked up by.
    fn key(w: &str) -> String {
        stem(&normalize_word(w))
    }

    fn found(product: &str, query: &str) -> bool {
        matches(&index_keys(product), &parse_query(query))
    }

    /// Common UMKM product words and the key each one gets.
    const WORD_KEYS: &[(&str, &str)] = &[
        // food and drink
        ("makanan", "makan"),
        ("minuman", "minum"),
        ("keripik", "kripik"),
        ("kripik", "kripik"),
        ("kerupuk", "krupuk"),
        ("krupuk", "krupuk"),
        ("sambal", "sambal"),
        ("sambel", "sambal"),
        ("bawang", "bawang"),
        ("pedas", "pedas"),
        ("pedes", "pedas"),
        ("pedasnya", "pedas"),
        ("manis", "manis"),
        ("manisan", "manis"),
        ("asin", "asin"),
        ("gurih", "gurih"),
        ("camilan", "camil"),
        ("cemilan", "camil"),
        ("kue", "kue"),
        ("kueh", "kue"),
        ("oleh", "oleh"),
        ("buahan", "buah"),
        ("sayuran", "sayur"),
        ("pisang", "pisang"),
        ("singkong", "singkong"),
        ("ketela", "ketela"),
        ("tahu", "tahu"),
        ("tempe", "tempe"),
        ("tempeh", "tempe"),
        ("bandeng", "bandeng"),
        ("ikan", "ikan"),
        ("asap", "asap"),
        ("presto", "presto"),
        ("durian", "durian"),
        ("rambutan", "rambutan"),
        ("terasi", "trasi"),
        ("trasi", "trasi"),
        ("cabai", "cabe"),
        ("cabe", "cabe"),
        ("kedelai", "kedele"),
        ("serai", "sere"),
        ("sereh", "sere"),
        ("kecap", "kecap"),
        ("gorengan", "goreng"),
        ("olahan", "olah"),
        ("kopi", "kopi"),
        ("kopii", "kopi"),
        ("robusta", "robusta"),
        ("arabika", "arabika"),
        ("bubuk", "bubuk"),
        ("beras", "bras"),
        ("organik", "organik"),
        ("gula", "gula"),
        ("aren", "aren"),
        ("madu", "madu"),
        ("hutan", "hutan"),
        ("minyak", "minyak"),
        ("kelapa", "klapa"),
        ("santan", "santan"),
        // jamu and herbal
        ("jahe", "jahe"),
        ("kunyit", "kunyit"),
        ("temulawak", "temulawak"),
        ("jamu", "jamu"),
        ("djamoe", "jamu"),
        ("jamoe", "jamu"),
        ("herbal", "herbal"),
        ("sabun", "sabun"),
        ("kemiri", "kemiri"),
        // crafts and textiles
        ("batik", "batik"),
        ("tulis", "tulis"),
        ("cap", "cap"),
        ("tjap", "cap"),
        ("sarung", "sarung"),
        ("tenun", "tenun"),
        ("tenunan", "tenun"),
        ("kerajinan", "krajin"),
        ("anyaman", "anyam"),
        ("bambu", "bambu"),
        ("rotan", "rotan"),
        ("kemeja", "kemeja"),
        ("sepatu", "sepatu"),
        ("sandal", "sandal"),
        ("tas", "tas"),
        ("dompet", "dompet"),
        ("kulit", "kulit"),
        // Muslim wear and goods
        ("mukena", "mukena"),
        ("mukenah", "mukena"),
        ("kerudung", "krudung"),
        ("krudung", "krudung"),
        ("kopiah", "kopiah"),
        ("peci", "peci"),
        ("tasbih", "tasbih"),
        ("kitab", "kitab"),
        // affixed marketing words
        ("terbaik", "baik"),
        ("dikemas", "kemas"),
        ("kemasan", "kemas"),
        ("berkualitas", "kualitas"),
        ("kesehatan", "sehat"),
        ("kecantikan", "cantik"),
        ("pewarna", "warna"),
        ("penyedap", "sedap"),
        ("pendingin", "dingin"),
        ("pembersih", "bersih"),
        ("penggorengan", "goreng"),
        ("dilengkapi", "lengkap"),
        ("pertanian", "tani"),
        ("beryodium", "yodium"),
        // roots that only look affixed
        ("sekolah", "sekolah"),
        ("pengolahan", "pengolah"),
        ("dikeringkan", "kring"),
        ("pakaian", "pake"),
        ("berkah", "berkah"),
        ("pendek", "pendek"),
        ("lengan", "lengan"),
        ("mainan", "main"),
        ("lebaran", "lebaran"),
        ("bermuda", "bermuda"),
        ("permata", "permata"),
        ("melati", "melati"),
        ("kemangi", "kemangi"),
        // old spellings, accents, units
        ("njonja", "nyonya"),
        ("djaja", "jaya"),
        ("soerabaja", "surabaya"),
        ("tjiandjoer", "cianjur"),
        ("chas", "khas"),
        ("Tempé", "tempe"),
        ("gram", "gr"),
        ("ltr", "liter"),
    ];

    #[test]
    fn word_keys_table() {
        assert!(WORD_KEYS.len() >= 60);
        let wrong: Vec<String> = WORD_KEYS
            .iter()
            .filter(|(w, k)| key(w) != *k)
            .map(|(w, k)| format!("{w}: expected {k}, got {}", key(w)))
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn no_over_stemming_of_short_roots() {
        for w in [
            "batik", "madu", "beras", "sarung", "kopi", "roti", "jati", "ikan", "tahu", "kecap",
            "keju", "kemeja", "ketupat", "kebaya", "sepatu", "sepeda", "semangka", "merica",
            "melinjo", "kenari", "kertas", "kerja", "bersih", "terong", "ternak", "termos",
            "terpal", "dinding", "dingin", "diskon", "pakan", "wajan", "bulan", "jalan", "teman",
            "tangan", "sekolah", "masalah", "langkah", "buku", "tungku", "bumbu", "jambu", "wangi",
            "kursi", "mandi", "murni", "asli", "perkakas", "pernik", "penyet", "pengki",
        ] {
            let n = normalize_word(w);
            assert_eq!(stem(&n), n, "{w} must not be stemmed");
        }
    }

    #[test]
    fn spelling_rules() {
        assert_eq!(normalize_word("KOPII"), "kopi");
        assert_eq!(normalize_word("Cappuccino"), "capucino");
        assert_eq!(normalize_word("Djarum"), "jarum");
        assert_eq!(normalize_word("Soekarno"), "sukarno");
        assert_eq!(normalize_word("sjarat"), "syarat");
        assert_eq!(normalize_word("panjang"), "panjang");
        assert_eq!(normalize_word("masjid"), "masjid");
        assert_eq!(normalize_word("Jum'at"), "jumat");
        assert_eq!(normalize_word("crème"), "creme");
        assert_eq!(normalize_word("straße"), "strase");
        // decomposed accent (e + combining acute)
        assert_eq!(normalize_word("tempe\u{301}"), "tempe");
        assert_eq!(normalize_word("teri"), "teri");
        assert_eq!(normalize_word("seri"), "seri");
        assert_eq!(normalize_word("selai"), "sele");
        assert_eq!(normalize_word("sele"), "sele");
        assert_eq!(normalize_word("250gram"), "250gr");
        assert_eq!(normalize_word("Kilogram"), "kg");
        assert_eq!(normalize_word("mililiter"), "ml");
        assert_eq!(normalize_word("l"), "l");
        assert_eq!(normalize_word("1000"), "1000");
        assert_eq!(normalize_word(""), "");
        assert_eq!(normalize_word("!!"), "");
    }

    #[test]
    fn stem_leaves_non_letters_alone() {
        assert_eq!(stem(""), "");
        assert_eq!(stem("250"), "250");
        assert_eq!(stem("Makanan"), "Makanan");
        assert_eq!(stem("makanan2"), "makanan2");
    }

    #[test]
    fn index_keys_of_a_product() {
        assert_eq!(
            index_keys("Kripik Pisang Agung"),
            ["kripik", "pisang", "agung"]
        );
        // stems first, then the full words that differ
        assert_eq!(
            index_keys("Keripik Tempe Pedasnya Mantap"),
            ["kripik", "tempe", "pedas", "mantap", "pedasnya"]
        );
        assert_eq!(
            index_keys("Kopi Bubuk Robusta 250gr"),
            ["kopi", "bubuk", "robusta", "250", "gr"]
        );
        assert_eq!(
            index_keys("Minyak Kelapa 1L"),
            ["minyak", "klapa", "1", "liter"]
        );
        assert_eq!(index_keys("Kaos Polos Ukuran L"), ["kaos", "polos", "l"]);
        assert_eq!(index_keys("Harga Rp 25.000"), ["harga", "rp", "25000"]);
        assert_eq!(
            index_keys("Takaran 1,5 kg"),
            ["takar", "1", "5", "kg", "takaran"]
        );
    }

    #[test]
    fn stopwords_and_reduplication() {
        assert_eq!(
            index_keys("Oleh-oleh Khas Malang dan Batu"),
            ["oleh", "khas", "malang", "batu"]
        );
        assert_eq!(index_keys("oleh2 khas malang"), ["oleh", "khas", "malang"]);
        assert_eq!(index_keys("Kue-kue Kering"), ["kue", "kring"]);
        assert_eq!(index_keys("Buah-buahan Segar"), ["buah", "segar", "buahan"]);
        assert_eq!(index_keys("Sayur-sayuran"), ["sayur", "sayuran"]);
        assert_eq!(
            index_keys("yang dan dengan untuk di ke dari isi per"),
            Vec::<String>::new()
        );
        // a number ending in 2 is still a number
        assert_eq!(index_keys("Tipe A2"), ["tipe", "a", "2"]);
    }

    #[test]
    fn index_keys_are_capped() {
        let words: Vec<String> = (1..=40).map(|i| i.to_string()).collect();
        let keys = index_keys(&words.join(" "));
        assert_eq!(keys, words[..MAX_KEYS]);
        let huge = "a".repeat(100_000);
        assert_eq!(index_keys(&huge), ["a"]);
        let word = "sangatpanjangsekalinamaprodukinitanpaspasi";
        let keys = index_keys(word);
        assert!(keys.iter().all(|k| k.len() <= MAX_KEY_LEN));
        assert!(matches(&keys, &parse_query(word)));
    }

    #[test]
    fn query_prefix_rules() {
        let q = parse_query("keripik pis");
        assert_eq!(
            q.words,
            [
                QueryWord {
                    key: "kripik".into(),
                    prefix: false
                },
                QueryWord {
                    key: "pis".into(),
                    prefix: true
                },
            ]
        );
        // finished (trailing space or punctuation): exact
        assert!(!parse_query("kopi ").words[0].prefix);
        assert!(!parse_query("kopi,").words[0].prefix);
        // one character: exact
        assert!(!parse_query("kaos l").words[1].prefix);
        // the last word's key is its stem, so a finished last word still finds its stem
        assert_eq!(parse_query("makanan").words[0].key, "makan");
        // duplicates collapse, exact wins
        assert_eq!(
            parse_query("kopi kopi").words,
            [QueryWord {
                key: "kopi".into(),
                prefix: false
            }]
        );
        assert!(parse_query("").words.is_empty());
        assert!(parse_query("  dan yang ").words.is_empty());
        assert!(parse_query("!!! ???").words.is_empty());
    }

    #[test]
    fn query_limits() {
        let q = parse_query("satu dua tiga empat lima enam tujuh delapan sembilan sepuluh");
        assert_eq!(q.words.len(), MAX_QUERY_WORDS);
        assert_eq!(q.words[7].key, key("delapan"));
        assert!(q.words.iter().all(|w| !w.prefix));
        // only the first 200 characters are read; the cut word becomes a prefix
        let q = parse_query(&format!("{} kopi", "a ".repeat(98)));
        assert_eq!(
            q.words,
            [
                QueryWord {
                    key: "a".into(),
                    prefix: false
                },
                QueryWord {
                    key: "kop".into(),
                    prefix: true
                },
            ]
        );
    }

    #[test]
    fn typical_searches_find_the_expected_products() {
        let hits = [
            ("Kripik Pisang Agung", "keripik pisang"),
            ("Keripik Pisang Agung", "kripik pisang"),
            ("Keripik Singkong Balado", "kripik"),
            ("Krupuk Udang Sidoarjo", "kerupuk udang"),
            ("Kerupuk Ikan Tenggiri", "krupuk"),
            ("Sambal Bawang Bu Rudy", "sambel bawang"),
            ("Sambel Pecel Madiun", "sambal pecel"),
            ("Tempeh Chips", "tempe"),
            ("Keripik Tempe Malang", "tempeh"),
            ("Kopi Bubuk Robusta Dampit 250gr", "kopi 250 gram"),
            ("Kopi Bubuk Robusta Dampit 250 gram", "kopi 250gr"),
            ("Kopi Arabika Ijen 1 kg", "kopi arabika 1kg"),
            ("Kopii Luwak Asli", "kopi luwak"),
            ("Djamoe Tjap Djago Kunyit Asam", "jamu cap jago"),
            ("Jamu Beras Kencur", "djamoe beras kencur"),
            ("Nyonya Meneer Jamu Sehat", "njonja meneer"),
            ("Oleh-oleh Khas Malang", "oleh2 malang"),
            ("Oleh2 Khas Malang", "oleh-oleh malang"),
            ("Aneka Buah-buahan Kering", "buah kering"),
            ("Buah Naga Segar", "buah-buahan"),
            ("Kerajinan Anyaman Bambu", "kerajinan bambu"),
            ("Tas Anyaman Rotan", "anyaman rotan"),
            ("Batik Tulis Madura", "batik tulis"),
            ("Sarung Tenun Gresik", "sarung tenunan"),
            ("Madu Hutan Asli", "madu hutan"),
            ("Gula Aren Cair 1 Liter", "gula aren 1l"),
            ("Minyak Kelapa Murni VCO 1L", "minyak kelapa 1 liter"),
            ("Camilan Sehat", "cemilan"),
            ("Cemilan Pedas", "camilan pedes"),
            ("Cabe Rawit Kering", "cabai rawit"),
            ("Mukenah Katun Jepang", "mukena"),
            ("Krudung Segi Empat", "kerudung"),
            ("Bandeng Presto Tanpa Duri", "bandeng presto"),
            ("Sambal Terasi Pedasnya Nendang", "sambal pedas"),
            ("Produk Terbaik Kualitas Ekspor", "terbaik"),
            ("Kopi Bubuk Berkualitas", "kopi berkualitas"),
            ("Kopi Bubuk Berkualitas", "kopi berkual"),
            ("Kripik Pisang Agung", "kerip"),
            ("Kripik Pisang Agung", "pis"),
            ("Tempé Mendoan", "tempe mendoan"),
            ("Crème Brûlée Cup", "creme brulee"),
            ("Kue Lebaran Nastar 500 gr", "nastar 500g"),
            ("Kaos Polos Ukuran L", "kaos l"),
        ];
        let bad: Vec<_> = hits.iter().filter(|(p, q)| !found(p, q)).collect();
        assert!(bad.is_empty(), "not found: {bad:#?}");
    }

    #[test]
    fn searches_do_not_find_unrelated_products() {
        let misses = [
            ("Bandeng Presto Tanpa Duri", "durian "),
            ("Pancake Durian Medan", "duri "),
            ("Minyak Rambut Urang Aring", "rambutan"),
            ("Kemeja Batik Pria", "meja"),
            ("Meja Lipat Kayu Jati", "kemeja"),
            ("Kain Lebar Polos", "lebaran"),
            ("Kucing Ras Persia", "beras"),
            ("Ikan Teri Medan", "tri "),
            ("Kopi Bubuk", "kopi susu"),
            ("Sepatu Kulit", "sepatu kulit anak"),
            ("Kaos Ukuran L", "kaos xl"),
            ("Kue Kering", "kue basah"),
        ];
        let bad: Vec<_> = misses.iter().filter(|(p, q)| found(p, q)).collect();
        assert!(bad.is_empty(), "wrongly found: {bad:#?}");
    }

    #[test]
    fn matches_semantics() {
        let idx: Vec<String> = vec!["kopi".into(), "bubuk".into()];
        assert!(matches(&idx, &Query::default()));
        let q = |key: &str, prefix| Query {
            words: vec![QueryWord {
                key: key.into(),
                prefix,
            }],
        };
        assert!(matches(&idx, &q("kopi", false)));
        assert!(!matches(&idx, &q("kop", false)));
        assert!(matches(&idx, &q("kop", true)));
        assert!(!matches(&idx, &q("kopiah", true)));
    }

    #[test]
    fn stopwords_are_normalisation_fixpoints() {
        for w in [
            "dan", "yang", "yg", "dengan", "dgn", "untuk", "utk", "di", "ke", "dari", "dr", "isi",
            "per", "ukuran", "atau", "pada", "serta", "ini", "itu", "juga", "bagi", "dl", "dsb",
        ] {
            assert_eq!(normalize_word(w), w);
            assert!(is_stopword(w));
        }
    }

    #[test]
    fn table_outputs_are_stable() {
        for v in [
            "sambal", "camilan", "camil", "pedas", "kue", "mi", "bakso", "coklat", "tlur",
            "kedele", "sate", "sarung", "sirup", "lumpia", "jeli", "bakpia", "cengke", "tasbih",
            "kopiah", "yogurt", "cabe", "pecel", "mukena", "gr", "kg", "ml", "liter", "pcs", "cc",
        ] {
            assert_eq!(normalize_word(v), v);
        }
    }

    /// Words for generated product names: real vocabulary plus arbitrary letter/digit words.
    fn word() -> impl Strategy<Value = String> {
        let vocab: Vec<String> = WORD_KEYS.iter().map(|(w, _)| (*w).to_string()).collect();
        prop_oneof![
            proptest::sample::select(vocab),
            "[a-zA-Z]{1,12}",
            "[0-9]{1,6}",
            "[a-z]{1,6}[0-9]{1,3}[a-z]{0,4}",
            "[a-z]{2,6}-[a-z]{2,8}",
        ]
    }

    proptest! {
        #[test]
        fn index_keys_never_panic_and_are_well_formed(s in any::<String>()) {
            let keys = index_keys(&s);
            prop_assert!(keys.len() <= MAX_KEYS);
            for (i, k) in keys.iter().enumerate() {
                prop_assert!(!k.is_empty());
                prop_assert!(k.len() <= MAX_KEY_LEN);
                prop_assert!(k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{k:?}");
                prop_assert!(!keys[..i].contains(k));
            }
            let q = parse_query(&s);
            prop_assert!(q.words.len() <= MAX_QUERY_WORDS);
            for w in &q.words {
                prop_assert!(!w.key.is_empty() && w.key.len() <= MAX_KEY_LEN);
                prop_assert!(w.key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
            }
        }

        #[test]
        fn a_name_finds_itself(words in proptest::collection::vec(word(), 1..13), sep in prop_oneof![Just(" "), Just(", "), Just(" - ")], trailing in any::<bool>()) {
            let mut name = words.join(sep);
            if trailing {
                name.push(' ');
            }
            prop_assert!(name.chars().count() <= MAX_QUERY_CHARS);
            let keys = index_keys(&name);
            let q = parse_query(&name);
            prop_assert!(matches(&keys, &q), "{name:?} keys {keys:?} query {q:?}");
        }

        #[test]
        fn normalize_is_idempotent(s in any::<String>()) {
            let n = normalize_word(&s);
            prop_assert_eq!(normalize_word(&n), n.clone());
            prop_assert!(n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        }

        #[test]
        fn normalize_is_idempotent_on_letters(s in "[a-z]{1,14}") {
            let n = normalize_word(&s);
            prop_assert!(!n.is_empty());
            prop_assert_eq!(normalize_word(&n), n);
        }

        #[test]
        fn stem_is_idempotent(s in prop_oneof!["[a-z]{1,16}", "(di|ber|ter|pe|pen|peny|meng|ke|per)[a-z]{2,10}(an|kan|i|nya|lah)?", any::<String>()]) {
            let once = stem(&s);
            prop_assert_eq!(stem(&once), once.clone());
            prop_assert!(s.is_empty() || !once.is_empty());
            let n = normalize_word(&s);
            let k = stem(&n);
            prop_assert_eq!(stem(&k), k.clone());
            // the stem of a normalised word is itself normalised
            prop_assert_eq!(normalize_word(&k), k);
        }
    }
}
