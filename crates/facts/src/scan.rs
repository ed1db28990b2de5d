//! The one pass over the characters: each position is looked at once, and a number, a plate
//! or a date is consumed whole so that its parts are never read again (an ID's digits never
//! become a phone, 2019 in 20190 never becomes a year).

use crate::charset::CharSet;
use crate::number::{is_arabic_digit, may_start_chinese};
use crate::{dates, digits, fact, measures, orgs, plates, Facts};

/// Characters that may start or end something: organisation suffix ends, Chinese numerals
/// (and 几 / 上 / 数 / 半 before a unit) and plate provinces. Every other CJK character is
/// passed over with one bitmap test.
const INTERESTING: &CharSet = cjk!(
    "司团校学院园行店场市厂一二两兩三四五六七八九壹贰貳叁肆伍陆柒捌玖十拾几上数半\
     京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
);

/// Reads all facts of `chars`.
pub(crate) fn run(chars: &[char]) -> Facts {
    let mut facts = Facts::default();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = if is_arabic_digit(c) || c == '+' {
            arabic(chars, i, &mut facts)
        } else if INTERESTING.contains(c) {
            cjk_char(chars, i, &mut facts)
        } else {
            None
        };
        i = next.unwrap_or(i + 1).max(i + 1);
    }
    facts
}

/// An interesting CJK character: an organisation suffix may end here, a number or a plate
/// may start here.
fn cjk_char(chars: &[char], i: usize, facts: &mut Facts) -> Option<usize> {
    let c = chars[i];
    if orgs::may_end_suffix(c) {
        orgs::try_at(chars, i, &mut facts.organisations);
    }
    if may_start_chinese(chars, i) || c == '半' {
        return chinese(chars, i, facts);
    }
    if !chars.get(i + 1).is_some_and(char::is_ascii_alphabetic) || !plates::is_province(c) {
        return None;
    }
    let (end, normalised) = plates::try_at(chars, i)?;
    facts
        .plates
        .push(fact(chars, i, end, normalised, None, false));
    Some(end)
}

/// A run starting with an Arabic digit (or `+86`): structured numbers first, then dates,
/// then quantities.
fn arabic(chars: &[char], i: usize, facts: &mut Facts) -> Option<usize> {
    if let Some(end) = digits::try_at(chars, i, facts) {
        return Some(end);
    }
    if chars[i] == '+' {
        return None;
    }
    if i > 0 && is_arabic_digit(chars[i - 1]) {
        // Only reachable after a skipped code's short tail; never start inside a run.
        return None;
    }
    date_or_quantity(chars, i, facts)
}

/// A run starting with a Chinese numeral: dates, then quantities.
fn chinese(chars: &[char], i: usize, facts: &mut Facts) -> Option<usize> {
    date_or_quantity(chars, i, facts)
}

fn date_or_quantity(chars: &[char], i: usize, facts: &mut Facts) -> Option<usize> {
    if let Some((end, normalised)) = dates::try_at(chars, i) {
        facts
            .dates
            .push(fact(chars, i, end, normalised, None, false));
        return Some(end);
    }
    measures::try_at(chars, i, facts)
}
