//! Numbers written in Arabic digits, Chinese numerals or a mix of both.

/// The value of an Arabic digit, half- or full-width.
pub(crate) fn arabic_digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

/// Whether `c` is an Arabic digit, half- or full-width.
pub(crate) fn is_arabic_digit(c: char) -> bool {
    arabic_digit(c).is_some()
}

/// The value of a Chinese digit (including 两 and the financial forms).
pub(crate) fn chinese_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '兩' | '贰' | '貳' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

/// 十, 百, 千 (and their financial forms).
pub(crate) fn small_unit(c: char) -> Option<f64> {
    match c {
        '十' | '拾' => Some(10.0),
        '百' | '佰' => Some(100.0),
        '千' | '仟' => Some(1000.0),
        _ => None,
    }
}

/// 万 and 亿.
pub(crate) fn big_unit(c: char) -> Option<f64> {
    match c {
        '万' | '萬' => Some(1e4),
        '亿' => Some(1e8),
        _ => None,
    }
}

/// A number read from the text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Num {
    /// Character offset just past the number (and its 多 / 余 and multipliers).
    pub end: usize,
    pub value: f64,
    pub approx: bool,
    /// Written with Arabic digits (possibly followed by 万 / 千 …).
    pub arabic: bool,
    /// Contains 万 or 亿.
    pub big: bool,
    /// A digit run too long to be a quantity (an account number, a code).
    pub too_long: bool,
    /// Just the single character 一, which is part of many words (统一, 同一, 唯一).
    pub lone_one: bool,
}

/// Whether a Chinese number may start at `i`: a digit (not 零), 十, or 几 / 上 / 数 before a unit.
pub(crate) fn may_start_chinese(chars: &[char], i: usize) -> bool {
    let c = chars[i];
    if matches!(c, '零' | '〇') {
        return false;
    }
    if chinese_digit(c).is_some() || matches!(c, '十' | '拾') {
        return true;
    }
    let next_is_unit = chars
        .get(i + 1)
        .is_some_and(|&n| small_unit(n).is_some() || big_unit(n).is_some());
    match c {
        '几' => next_is_unit,
        '上' | '数' => chars
            .get(i + 1)
            .is_some_and(|&n| matches!(n, '百' | '千' | '万')),
        _ => false,
    }
}

/// Reads a number starting at `i`, with the 多 / 余 and multipliers that follow it
/// (100多万, 1.2万, 3千, 四十多万).
pub(crate) fn scan(chars: &[char], i: usize) -> Option<Num> {
    let c = *chars.get(i)?;
    let mut num = if is_arabic_digit(c) {
        scan_arabic(chars, i)
    } else {
        scan_chinese(chars, i)?
    };
    if !num.too_long {
        apply_tail(chars, &mut num);
    }
    Some(num)
}

/// Digits with `,` thousands groups and a `.` decimal part.
fn scan_arabic(chars: &[char], i: usize) -> Num {
    let mut j = i;
    let mut mantissa: u64 = 0;
    let mut int_digits = 0usize;
    while let Some(d) = chars.get(j).copied().and_then(arabic_digit) {
        if int_digits < 15 {
            mantissa = mantissa * 10 + u64::from(d);
        }
        int_digits += 1;
        j += 1;
        if chars.get(j) == Some(&',') && is_thousands_group(chars, j + 1) {
            j += 1;
        }
    }
    let mut frac_digits = 0i32;
    if matches!(chars.get(j), Some('.' | '．'))
        && chars.get(j + 1).is_some_and(|&c| is_arabic_digit(c))
    {
        j += 1;
        while let Some(d) = chars.get(j).copied().and_then(arabic_digit) {
            // Scaling an integer mantissa keeps 1.2万 exactly 12000.
            if frac_digits < 4 && int_digits < 12 {
                mantissa = mantissa * 10 + u64::from(d);
                frac_digits += 1;
            }
            j += 1;
        }
    }
    Num {
        end: j,
        value: mantissa as f64 / 10f64.powi(frac_digits),
        approx: false,
        arabic: true,
        big: false,
        too_long: int_digits > 12,
        lone_one: false,
    }
}

/// Exactly three digits at `j`, not followed by another digit.
fn is_thousands_group(chars: &[char], j: usize) -> bool {
    (j..j + 3).all(|k| chars.get(k).is_some_and(|&c| is_arabic_digit(c)))
        && !chars.get(j + 3).is_some_and(|&c| is_arabic_digit(c))
}

/// State of a Chinese numeral being read.
#[derive(Default)]
struct Chinese {
    total: f64,
    section: f64,
    pending: Option<f64>,
    /// The scale of the last unit read, for 一万五 = 15000 and 三百五 = 350.
    last_unit: f64,
    prev_was_digit: bool,
    ranged: bool,
    zero: bool,
    approx: bool,
    big: bool,
}

impl Chinese {
    /// Takes one character; false when it does not continue the number.
    fn take(&mut self, c: char, next: Option<char>) -> bool {
        if let Some(d) = chinese_digit(c) {
            return self.digit(f64::from(d));
        }
        if c == '几' {
            return self.several(next);
        }
        if let Some(u) = small_unit(c) {
            let d = match self.pending.take() {
                Some(d) => d,
                None if u == 10.0 && self.section == 0.0 => 1.0,
                None => return false,
            };
            self.section += d * u;
            self.last_unit = u;
            self.prev_was_digit = false;
            return true;
        }
        if let Some(u) = big_unit(c) {
            if self.pending.is_none() && self.section == 0.0 && self.total == 0.0 {
                return false;
            }
            self.section += self.pending.take().unwrap_or(0.0);
            if u > 1e4 {
                self.total = (self.total + self.section) * u;
            } else {
                self.total += self.section * u;
            }
            self.section = 0.0;
            self.last_unit = u;
            self.prev_was_digit = false;
            self.big = true;
            return true;
        }
        false
    }

    fn digit(&mut self, d: f64) -> bool {
        if self.prev_was_digit {
            // 三四十人, 两三个月: a range; keep its lower bound.
            let lower = self.pending.unwrap_or(0.0);
            if self.ranged || d <= lower || lower == 0.0 {
                return false;
            }
            self.ranged = true;
            self.approx = true;
            return true;
        }
        if d == 0.0 {
            self.zero = true;
            return true;
        }
        self.pending = Some(d);
        self.prev_was_digit = true;
        true
    }

    /// 几 as in 几十 (lower bound 10) or 十几 (10 and some).
    fn several(&mut self, next: Option<char>) -> bool {
        if self.prev_was_digit {
            return false;
        }
        let unit_follows = next.is_some_and(|n| small_unit(n).is_some() || big_unit(n).is_some());
        if self.pending.is_none() && unit_follows {
            self.pending = Some(1.0);
        } else if self.last_unit == 10.0 && self.pending.is_none() {
            self.pending = Some(0.0);
        } else {
            return false;
        }
        self.prev_was_digit = true;
        self.approx = true;
        true
    }

    fn value(&self) -> f64 {
        let tail = match self.pending {
            Some(d) if !self.zero && self.last_unit >= 100.0 => d * self.last_unit / 10.0,
            Some(d) => d,
            None => 0.0,
        };
        self.total + self.section + tail
    }
}

/// A Chinese numeral; 上百 / 数千 / 几十 count as 1 × the unit, approximate.
fn scan_chinese(chars: &[char], i: usize) -> Option<Num> {
    let mut state = Chinese::default();
    let mut j = i;
    if matches!(chars[i], '上' | '数') {
        state.pending = Some(1.0);
        state.prev_was_digit = true;
        state.approx = true;
        j += 1;
    }
    while let Some(&c) = chars.get(j) {
        if !state.take(c, chars.get(j + 1).copied()) {
            break;
        }
        j += 1;
    }
    if j == i || (j == i + 1 && matches!(chars[i], '上' | '数')) {
        return None;
    }
    Some(Num {
        end: j,
        value: state.value(),
        approx: state.approx,
        arabic: false,
        big: state.big,
        too_long: false,
        lone_one: j == i + 1 && chars[i] == '一',
    })
}

/// 多 / 余 and multipliers after the core: 100多万, 1.2万, 3千, 四十多万, 8万余, 2万5千.
fn apply_tail(chars: &[char], num: &mut Num) {
    let mut j = num.end;
    let mut marker = false;
    if matches!(chars.get(j), Some('多' | '余')) {
        marker = true;
        j += 1;
    }
    let may_multiply = num.arabic || marker;
    let mut multiplied = false;
    if may_multiply {
        if let Some(u) = chars.get(j).copied().and_then(small_unit) {
            num.value *= u;
            j += 1;
            multiplied = true;
        }
        if let Some(u) = chars.get(j).copied().and_then(big_unit) {
            num.value *= u;
            num.big = true;
            j += 1;
            multiplied = true;
            // 2万5千: the thousands written after the ten-thousands.
            if let (Some(d), Some('千')) = (
                chars.get(j).copied().and_then(arabic_digit),
                chars.get(j + 1),
            ) {
                if !chars.get(j + 2).is_some_and(|&c| is_arabic_digit(c)) && !marker {
                    num.value += f64::from(d) * 1000.0;
                    j += 2;
                }
            }
        }
    }
    if marker && !multiplied {
        // 50多人: the marker belongs to the number.
    } else if !marker && matches!(chars.get(j), Some('多' | '余')) && (multiplied || !num.arabic)
    {
        marker = true;
        j += 1;
    }
    if marker {
        num.approx = true;
    }
    num.end = j;
}

/// Parses a number written in Arabic digits (half- or full-width, with `,` and `.`), Chinese
/// numerals (一二三…十百千万亿, 两, 〇/零, 壹贰叁肆伍陆柒捌玖拾佰仟) or a mix (1.2万, 3千,
/// 四十多万). Returns `(value, approximate)`, or `None` unless the whole string is one number.
///
/// Leading 约 / 近 / 大约 / 将近 / 上 and trailing 多 / 余 / 左右 / 几 make it approximate.
pub fn parse_number(s: &str) -> Option<(f64, bool)> {
    let chars: Vec<char> = s.trim().chars().collect();
    let mut start = 0;
    let mut approx = false;
    for prefix in [&['大', '约'][..], &['将', '近'], &['约'], &['近']] {
        if chars.starts_with(prefix) {
            start = prefix.len();
            approx = true;
            break;
        }
    }
    let first = *chars.get(start)?;
    if !is_arabic_digit(first) && !may_start_chinese(&chars, start) && !matches!(first, '零' | '〇')
    {
        return None;
    }
    let num = scan(&chars, start)?;
    let mut end = num.end;
    if chars[end..].starts_with(&['左', '右']) {
        end += 2;
        approx = true;
    }
    (end == chars.len() && !num.too_long).then_some((num.value, num.approx || approx))
}
