//! Chinese licence plates: 辽B12345, 辽B·12345, 辽BD12345 (new energy), 辽B1234学.

use crate::charset::CharSet;

/// Whether `c` may start a plate: a province abbreviation.
pub(crate) fn is_province(c: char) -> bool {
    PROVINCES.contains(c)
}

/// The province abbreviations.
const PROVINCES: &CharSet = cjk!("云京冀吉宁川新晋桂沪津浙渝湘琼甘皖粤苏蒙藏豫贵赣辽鄂闽陕青鲁黑");

/// A plate starting at `i` (a province character): its end and normalised form.
pub(crate) fn try_at(chars: &[char], i: usize) -> Option<(usize, String)> {
    if i > 0 && chars[i - 1].is_ascii_alphanumeric() {
        return None;
    }
    let letter = chars.get(i + 1)?.to_ascii_uppercase();
    if !letter.is_ascii_uppercase() {
        return None;
    }
    let mut j = i + 2;
    if chars
        .get(j)
        .is_some_and(|c| matches!(c, '·' | '•' | '・' | ' ' | '-' | '.' | '．'))
    {
        j += 1;
    }
    let mut tail = [' '; 6];
    let mut len = 0;
    while let Some(c) = chars.get(j).filter(|c| c.is_ascii_alphanumeric()) {
        if len == 6 {
            return None;
        }
        tail[len] = c.to_ascii_uppercase();
        len += 1;
        j += 1;
    }
    let tail = &tail[..len];
    let special = len == 4
        && chars
            .get(j)
            .is_some_and(|c| cjk!("学警挂领港澳试超").contains(*c));
    let ok = match len {
        5 => ordinary(tail),
        6 => new_energy(tail),
        _ => special && ordinary(tail),
    };
    if !ok {
        return None;
    }
    let end = if special { j + 1 } else { j };
    let mut normalised = String::with_capacity(24);
    normalised.push(chars[i]);
    normalised.push(letter);
    normalised.extend(tail);
    if special {
        normalised.push(chars[j]);
    }
    Some((end, normalised))
}

/// Letters and digits without I / O, mostly digits (plates carry at most three letters).
fn ordinary(tail: &[char]) -> bool {
    let digits = tail.iter().filter(|c| c.is_ascii_digit()).count();
    tail.iter().all(|c| !matches!(c, 'I' | 'O')) && digits >= 2
}

/// New energy: D / F then a letter or digit and four digits, or five digits then D / F.
fn new_energy(tail: &[char]) -> bool {
    let all_digits = |s: &[char]| s.iter().all(|c| c.is_ascii_digit());
    let small = matches!(tail[0], 'D' | 'F')
        && tail[1].is_ascii_alphanumeric()
        && !matches!(tail[1], 'I' | 'O')
        && all_digits(&tail[2..]);
    let large = all_digits(&tail[..5]) && matches!(tail[5], 'D' | 'F');
    small || large
}
