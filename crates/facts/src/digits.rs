//! Digit runs with a structure: phone numbers, ID numbers and bank card numbers.

use crate::number::{arabic_digit, is_arabic_digit};
use crate::{fact, Facts};

/// The most digit groups read as one number (+86 138 1234 5678 has four; a card five).
const MAX_GROUPS: usize = 5;

/// The most digits a phone, ID or card has (+86 and 11 digits: 13; a card: 19).
const MAX_DIGITS: usize = 19;

/// Province-level region codes: the first two digits of a 居民身份证号.
const PROVINCES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

/// Words that say a number nearby is a card or an account.
const CARD_CUES: [&[char]; 5] = [
    &['卡'],
    &['账', '号'],
    &['帐', '号'],
    &['账', '户'],
    &['银', '行'],
];

/// Whether `s` is a valid 18-character 居民身份证号: 17 digits and a digit or X, a real
/// province code, a real birth date between 1900 and 2026 and the ISO 7064 MOD 11-2 check
/// character.
pub fn is_valid_id_number(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    chars.len() == 18 && id_ok(&chars)
}

/// Whether the digits of `digits` (ASCII or full-width; anything else fails) pass the Luhn
/// check used by bank cards. An empty string fails.
pub fn luhn_ok(digits: &str) -> bool {
    let mut sum = 0u32;
    let mut count = 0usize;
    for (k, c) in digits.chars().rev().enumerate() {
        let Some(mut d) = arabic_digit(c) else {
            return false;
        };
        if k % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
        count += 1;
    }
    count > 0 && sum.is_multiple_of(10)
}

/// ID check over 18 characters.
fn id_ok(chars: &[char]) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let mut d = [0u32; 17];
    for (k, slot) in d.iter_mut().enumerate() {
        match arabic_digit(chars[k]) {
            Some(v) => *slot = v,
            None => return false,
        }
    }
    let sum: u32 = d.iter().zip(WEIGHTS).map(|(a, w)| a * w).sum();
    let last = chars[17].to_ascii_uppercase();
    let last = arabic_digit(last).map_or(last, |v| char::from(b'0' + v as u8));
    if CHECK[(sum % 11) as usize] != last {
        return false;
    }
    let province = (d[0] * 10 + d[1]) as u8;
    let year = d[6] * 1000 + d[7] * 100 + d[8] * 10 + d[9];
    let month = d[10] * 10 + d[11];
    let day = d[12] * 10 + d[13];
    PROVINCES.contains(&province)
        && (1900..=2026).contains(&year)
        && crate::dates::valid_day(Some(year), month, day)
}

/// The digit groups of a run: `(start, end)` of each group, all joined by the same separator.
struct Groups {
    spans: [(usize, usize); MAX_GROUPS],
    len: usize,
}

impl Groups {
    fn read(chars: &[char], i: usize) -> Groups {
        let mut spans = [(0, 0); MAX_GROUPS];
        let mut len = 0;
        let mut j = i;
        let mut sep = None;
        loop {
            let start = j;
            while chars.get(j).is_some_and(|&c| is_arabic_digit(c)) {
                j += 1;
            }
            spans[len] = (start, j);
            len += 1;
            let Some(&c) = chars.get(j) else { break };
            let joins = matches!(c, ' ' | '-' | '－')
                && sep.is_none_or(|s| s == c)
                && chars.get(j + 1).is_some_and(|&n| is_arabic_digit(n));
            if len == MAX_GROUPS || !joins {
                break;
            }
            sep = Some(c);
            j += 1;
        }
        Groups { spans, len }
    }

    fn lens(&self, k: usize) -> ([usize; MAX_GROUPS], usize) {
        let mut lens = [0; MAX_GROUPS];
        for (slot, (s, e)) in lens.iter_mut().zip(&self.spans[..k]) {
            *slot = e - s;
        }
        (lens, k)
    }

    /// The digits of the first `k` groups; `None` beyond [`MAX_DIGITS`].
    fn digits(&self, chars: &[char], k: usize) -> Option<([u8; MAX_DIGITS], usize)> {
        let mut out = [0u8; MAX_DIGITS];
        let mut n = 0;
        for &(s, e) in &self.spans[..k] {
            if n + (e - s) > MAX_DIGITS {
                return None;
            }
            for &c in &chars[s..e] {
                out[n] = arabic_digit(c).unwrap_or(0) as u8;
                n += 1;
            }
        }
        Some((out, n))
    }
}

/// Phones, IDs and cards starting at `i` (a digit, or `+` before 86). Returns the end of what
/// was consumed: a fact, or a run too long to be a quantity; `None` leaves the run to the
/// date and quantity readers.
pub(crate) fn try_at(chars: &[char], i: usize, facts: &mut Facts) -> Option<usize> {
    if i > 0 && chars[i - 1].is_ascii_alphanumeric() {
        return skip_code(chars, i);
    }
    let first = if chars[i] == '+' { i + 1 } else { i };
    if !chars.get(first).is_some_and(|&c| is_arabic_digit(c)) {
        return None;
    }
    let groups = Groups::read(chars, first);
    let total: usize = groups.lens(groups.len).0.iter().sum();
    let first_len = groups.spans[0].1 - groups.spans[0].0;
    // Fewer than 11 digits is a quantity, a date or a short code: leave it.
    if total >= 11 {
        for k in (1..=groups.len).rev() {
            if let Some(end) = classify(chars, i, &groups, k, facts) {
                return Some(end);
            }
        }
    }
    (first_len > 9).then_some(groups.spans[0].1)
}

/// Whether the first `k` groups make a phone, an ID or a card; pushes it and returns its end.
fn classify(
    chars: &[char],
    i: usize,
    groups: &Groups,
    k: usize,
    facts: &mut Facts,
) -> Option<usize> {
    let plus = chars[i] == '+';
    let first = groups.spans[0].0;
    let end = groups.spans[k - 1].1;
    if chars.get(end).is_some_and(|c| c.is_ascii_alphanumeric()) && !id_tail(chars, end) {
        return None;
    }
    if !plus && k == 1 {
        if let Some(id_end) = id_at(chars, first, end) {
            let normalised = chars[first..id_end].iter().map(|c| c.to_ascii_uppercase());
            let normalised = normalised.map(half_width).collect();
            facts
                .id_numbers
                .push(fact(chars, first, id_end, normalised, None, false));
            return Some(id_end);
        }
    }
    let (digits, n) = groups.digits(chars, k)?;
    let digits = &digits[..n];
    let (lens, k) = groups.lens(k);
    let lens = &lens[..k];
    if let Some(normalised) = phone(digits, lens, plus) {
        facts
            .phones
            .push(fact(chars, i, end, normalised, None, false));
        return Some(end);
    }
    if plus || !card(chars, first, digits, lens) {
        return None;
    }
    let normalised = digits.iter().map(|d| char::from(b'0' + d)).collect();
    facts
        .bank_cards
        .push(fact(chars, first, end, normalised, None, false));
    Some(end)
}

/// A digit glued to letters (a product or order code): consume it, report nothing.
fn skip_code(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    while chars.get(j).is_some_and(|&c| is_arabic_digit(c)) {
        j += 1;
    }
    (j - i > 4).then_some(j)
}

fn half_width(c: char) -> char {
    arabic_digit(c).map_or(c, |d| char::from(b'0' + d as u8))
}

/// The X that ends an ID is the one letter allowed right after a run.
fn id_tail(chars: &[char], end: usize) -> bool {
    matches!(chars.get(end), Some('X' | 'x'))
        && !chars
            .get(end + 1)
            .is_some_and(|c| c.is_ascii_alphanumeric())
}

/// An ID number in the run `first..end`: 18 digits, or 17 and an X.
fn id_at(chars: &[char], first: usize, end: usize) -> Option<usize> {
    let id_end = match end - first {
        18 => end,
        17 if id_tail(chars, end) => end + 1,
        _ => return None,
    };
    id_ok(&chars[first..id_end]).then_some(id_end)
}

/// A mobile or landline number in these digit groups; returns its digits.
fn phone(digits: &[u8], lens: &[usize], plus: bool) -> Option<String> {
    let to_string = |d: &[u8]| d.iter().map(|&v| char::from(b'0' + v)).collect::<String>();
    let with_86 = digits.len() == 13 && digits[..2] == [8, 6] && matches!(lens, [13] | [2, ..]);
    let national = if with_86 { &digits[2..] } else { digits };
    let national_lens = if with_86 && lens.len() > 1 {
        &lens[1..]
    } else {
        lens
    };
    if plus && !with_86 {
        return None;
    }
    let mobile = national.len() == 11
        && national[0] == 1
        && (3..=9).contains(&national[1])
        && (matches!(national_lens, [11] | [3, 4, 4]) || with_86 && lens == [13]);
    if mobile {
        return Some(to_string(national));
    }
    (!with_86 && landline(digits, lens)).then(|| to_string(digits))
}

/// 0 + area code (010, 02x: three digits with an 8-digit local number; 0xxx: four digits
/// with 7 or 8), written together or with one separator. The local number never starts
/// with 0.
fn landline(digits: &[u8], lens: &[usize]) -> bool {
    if digits.first() != Some(&0) || digits.len() < 11 {
        return false;
    }
    let area = if matches!(digits[1], 1 | 2) { 3 } else { 4 };
    let local = digits.len() - area;
    let local_ok = if area == 3 {
        local == 8
    } else {
        local == 7 || local == 8
    };
    // Written together, a local number starting with 1 is more likely some other code.
    let together = lens.len() == 1;
    let local_start = if together { 2 } else { 1 };
    local_ok && digits[area] >= local_start && (together || lens == [area, local])
}

/// A bank card: 16–19 digits (whole, in fours, or 6 + rest), Luhn-valid, with a cue nearby
/// or a card-scheme prefix (62 UnionPay; 4 / 5 for 16 digits).
fn card(chars: &[char], first: usize, digits: &[u8], lens: &[usize]) -> bool {
    let n = digits.len();
    if !(16..=19).contains(&n) {
        return false;
    }
    let grouped = match lens {
        [_] => true,
        [6, _] => true,
        [.., last] => lens[..lens.len() - 1].iter().all(|&l| l == 4) && (1..=4).contains(last),
        [] => false,
    };
    if !grouped {
        return false;
    }
    let text: String = digits.iter().map(|&d| char::from(b'0' + d)).collect();
    if !luhn_ok(&text) {
        return false;
    }
    // 18 digits starting 62 may be a mistyped ID from 甘肃: ask for a cue then.
    let scheme = (digits[..2] == [6, 2] && n != 18) || (n == 16 && matches!(digits[0], 4 | 5));
    scheme || card_cue_before(chars, first)
}

/// A card cue in the 16 characters before the number.
fn card_cue_before(chars: &[char], first: usize) -> bool {
    let window = &chars[first.saturating_sub(16)..first];
    (0..window.len()).any(|k| CARD_CUES.iter().any(|cue| window[k..].starts_with(cue)))
}
