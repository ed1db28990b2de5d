//! Key facts in a petition's text: phone numbers, 居民身份证 numbers, bank card numbers,
//! licence plates, amounts of money, head counts, dates, durations and named organisations.
//!
//! [`extract`] makes one pass over the characters of the text: digit and Chinese-numeral runs
//! are read once and decided by the characters around them (a unit, a cue word, a separator
//! pattern), and organisation names are read backwards from their suffix (公司, 医院, …).
//! Precision comes first: a fact that is not there costs more than one that is missed, so
//! every kind asks for a unit, a checksum or a context before it reports anything.
//!
//! Offsets are character offsets (Unicode scalar values) into the text given to [`extract`].

#![warn(missing_docs)]

/// A constant [`charset::CharSet`] of the characters of a string literal, built at compile
/// time and kept in static memory.
macro_rules! cjk {
    ($s:literal) => {
        const { &$crate::charset::CharSet::of($s) }
    };
}

mod charset;
mod dates;
mod digits;
mod measures;
mod number;
mod orgs;
mod plates;
mod scan;
#[cfg(test)]
mod tests;

pub use digits::{is_valid_id_number, luhn_ok};
pub use number::parse_number;

use serde::Serialize;

/// A fact found in the text. Offsets are CHARACTER offsets (Unicode scalar values, not bytes)
/// into the text given to [`extract`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    /// The words as they appear in the text.
    pub text: String,
    /// Character offset of the first character.
    pub start: usize,
    /// Character offset just past the last character (exclusive).
    pub end: usize,
    /// Canonical form: digits only for phones and cards, upper case for IDs and plates,
    /// ISO-like dates (`2018-07-25`, `2018-07`, `2018`, `--07-25`), the unit character for
    /// head counts (人 / 名 / 位 / 户); empty when the kind has none.
    pub normalised: String,
    /// Numeric value: yuan for amounts, people or households for head counts, days for
    /// durations; `None` for the other kinds.
    pub value: Option<f64>,
    /// Whether the text gives the number as an estimate (多, 余, 左右, 约, 近, 上百, 几十 …).
    pub approximate: bool,
}

/// All the facts of one text, each list in text order.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Facts {
    /// Mobile numbers (11 digits, optional +86) and landlines with an area code.
    pub phones: Vec<Fact>,
    /// 18-character 居民身份证号 with a valid checksum, region and birth date.
    pub id_numbers: Vec<Fact>,
    /// 16–19 digit card numbers passing the Luhn check, with a cue or a card prefix.
    pub bank_cards: Vec<Fact>,
    /// Chinese licence plates (ordinary and new energy).
    pub plates: Vec<Fact>,
    /// Sums of money; value in yuan.
    pub amounts: Vec<Fact>,
    /// Numbers of people or households; value is the count.
    pub head_counts: Vec<Fact>,
    /// Calendar dates, year-months, years and month-days.
    pub dates: Vec<Fact>,
    /// Spans of time; value in days (year 365, month 30, week 7).
    pub durations: Vec<Fact>,
    /// Named organisations (companies, schools, hospitals, banks, factories, shops).
    pub organisations: Vec<Fact>,
}

impl Facts {
    /// Whether no fact of any kind was found.
    pub fn is_empty(&self) -> bool {
        self.phones.is_empty()
            && self.id_numbers.is_empty()
            && self.bank_cards.is_empty()
            && self.plates.is_empty()
            && self.amounts.is_empty()
            && self.head_counts.is_empty()
            && self.dates.is_empty()
            && self.durations.is_empty()
            && self.organisations.is_empty()
    }
}

/// Extracts the facts of `text` in one pass over its characters.
pub fn extract(text: &str) -> Facts {
    // Sized by bytes (an upper bound on chars) so that collecting never reallocates.
    let mut chars = Vec::with_capacity(text.len());
    chars.extend(text.chars());
    extract_chars(&chars)
}

/// [`extract`] over text already split into characters (callers that need the characters
/// themselves decode the text once).
pub fn extract_chars(chars: &[char]) -> Facts {
    scan::run(chars)
}

/// Builds a fact over `chars[start..end]`.
pub(crate) fn fact(
    chars: &[char],
    start: usize,
    end: usize,
    normalised: String,
    value: Option<f64>,
    approximate: bool,
) -> Fact {
    Fact {
        text: chars[start..end].iter().collect(),
        start,
        end,
        normalised,
        value,
        approximate,
    }
}
