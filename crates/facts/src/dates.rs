//! Dates: 2018年7月25日, 2018年7月, 2019年, 7月25日, 2018-07-25, 2018.7.25, 2018/7/25 and
//! the same in Chinese numerals (二〇一八年七月二十五日).

use crate::number::{arabic_digit, chinese_digit, is_arabic_digit};

/// Whether `day` exists in `month` (of `year` when known; 29 February without a year).
pub(crate) fn valid_day(year: Option<u32>, month: u32, day: u32) -> bool {
    let last = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => match year {
            Some(y)
                if !(y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400))) =>
            {
                28
            }
            _ => 29,
        },
        _ => return false,
    };
    (1..=last).contains(&day)
}

/// A date starting at `i`: its end and normalised form.
pub(crate) fn try_at(chars: &[char], i: usize) -> Option<(usize, String)> {
    if let Some((year, j, arabic)) = year_at(chars, i) {
        if chars.get(j) == Some(&'年') {
            return after_year(chars, i, year, j + 1);
        }
        return if arabic {
            numeric(chars, year, j)
        } else {
            None
        };
    }
    month_day(chars, i)
}

/// Four digits (Arabic, or Chinese digit by digit) making a year in 1900..=2100.
fn year_at(chars: &[char], i: usize) -> Option<(u32, usize, bool)> {
    let arabic = is_arabic_digit(chars[i]);
    let digit = |c: char| {
        if arabic {
            arabic_digit(c)
        } else {
            // 两 is never a year digit.
            chinese_digit(c).filter(|_| !matches!(c, '两' | '兩'))
        }
    };
    let mut year = 0;
    for k in 0..4 {
        year = year * 10 + digit(*chars.get(i + k)?)?;
    }
    let longer = chars.get(i + 4).is_some_and(|&c| digit(c).is_some());
    (!longer && (1900..=2100).contains(&year)).then_some((year, i + 4, arabic))
}

/// Month and day after `年`, or the year alone.
fn after_year(chars: &[char], start: usize, year: u32, j: usize) -> Option<(usize, String)> {
    if let Some((month, k)) = small_at(chars, j) {
        if chars.get(k) == Some(&'月') && (1..=12).contains(&month) {
            if let Some(end) = day_after_month(chars, Some(year), month, k + 1) {
                let day = small_at(chars, k + 1).map_or(0, |(d, _)| d);
                return Some((end, format!("{year:04}-{month:02}-{day:02}")));
            }
            return Some((k + 1, format!("{year:04}-{month:02}")));
        }
    }
    year_alone_ok(chars, start, j).then(|| (j, format!("{year:04}")))
}

/// A year alone is a date unless it counts years (2000年的历史, 近2000年, 1000多年).
fn year_alone_ok(chars: &[char], start: usize, j: usize) -> bool {
    let rest = &chars[j.min(chars.len())..];
    let counts_after = rest.starts_with(&['历', '史']) || rest.starts_with(&['之', '久']);
    let counts_before = start > 0 && matches!(chars[start - 1], '近' | '约' | '达' | '了');
    !counts_after && !counts_before
}

/// The day after `月` (at `k`): a number and 日 / 号; returns the end.
fn day_after_month(chars: &[char], year: Option<u32>, month: u32, k: usize) -> Option<usize> {
    let (day, l) = small_at(chars, k)?;
    let unit = chars.get(l)?;
    (matches!(unit, '日' | '号') && valid_day(year, month, day)).then_some(l + 1)
}

/// 7月25日 → `--07-25`.
fn month_day(chars: &[char], i: usize) -> Option<(usize, String)> {
    let (month, k) = small_at(chars, i)?;
    if chars.get(k) != Some(&'月') || !(1..=12).contains(&month) {
        return None;
    }
    let end = day_after_month(chars, None, month, k + 1)?;
    let day = small_at(chars, k + 1)?.0;
    Some((end, format!("--{month:02}-{day:02}")))
}

/// 2018-07-25, 2018.7.25, 2018/7/25: one separator, month and day of one or two digits.
fn numeric(chars: &[char], year: u32, j: usize) -> Option<(usize, String)> {
    let sep = *chars.get(j)?;
    if !matches!(sep, '-' | '/' | '.' | '－' | '／' | '．') {
        return None;
    }
    let (month, k) = arabic_small(chars, j + 1)?;
    if chars.get(k) != Some(&sep) {
        return None;
    }
    let (day, l) = arabic_small(chars, k + 1)?;
    // 2018.7.25.3 or 2018-07-25-1 is a code, not a date.
    let more = chars.get(l) == Some(&sep) && chars.get(l + 1).is_some_and(|&c| is_arabic_digit(c));
    let ok = (1..=12).contains(&month) && valid_day(Some(year), month, day) && !more;
    ok.then(|| (l, format!("{year:04}-{month:02}-{day:02}")))
}

/// One or two Arabic digits, not followed by a third.
fn arabic_small(chars: &[char], i: usize) -> Option<(u32, usize)> {
    let mut value = 0;
    let mut j = i;
    while let Some(d) = chars.get(j).copied().and_then(arabic_digit) {
        if j - i == 2 {
            return None;
        }
        value = value * 10 + d;
        j += 1;
    }
    (j > i).then_some((value, j))
}

/// A month or day number: one or two Arabic digits, or 一 … 三十一 in Chinese.
fn small_at(chars: &[char], i: usize) -> Option<(u32, usize)> {
    let c = *chars.get(i)?;
    if is_arabic_digit(c) {
        return arabic_small(chars, i);
    }
    let digit = |k: usize| {
        chars
            .get(k)
            .copied()
            .and_then(chinese_digit)
            .filter(|&d| d > 0)
    };
    let is_ten = |k: usize| chars.get(k) == Some(&'十');
    if is_ten(i) {
        return Some(match digit(i + 1) {
            Some(d) => (10 + d, i + 2),
            None => (10, i + 1),
        });
    }
    let tens = digit(i)?;
    if !is_ten(i + 1) {
        return Some((tens, i + 1));
    }
    Some(match digit(i + 2) {
        Some(d) => (tens * 10 + d, i + 3),
        None => (tens * 10, i + 2),
    })
}
