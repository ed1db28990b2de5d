//! Numbers with a unit: amounts of money, head counts and durations.

use crate::charset::CharSet;
use crate::number::{self, Num};
use crate::{fact, Facts};

/// Words directly before a number that make it money even without 元 (补偿20万).
const MONEY_CUES: [&[char]; 12] = [
    &['人', '民', '币'],
    &['工', '资'],
    &['欠', '款'],
    &['补', '偿'],
    &['赔', '偿'],
    &['欠', '薪'],
    &['罚', '款'],
    &['押', '金'],
    &['借', '款'],
    &['货', '款'],
    &['房', '款'],
    &['工', '程', '款'],
];

/// Characters before a lone 一 that make it part of a word (统一名称, 同一人, 每一天).
const WORD_BEFORE_ONE: &CharSet = cjk!("统同唯单每之逐专第任某这那哪万其有另进划");

/// A quantity starting at `i`. Returns the end of what was consumed (the number, or the
/// number and its unit when a fact was found).
pub(crate) fn try_at(chars: &[char], i: usize, facts: &mut Facts) -> Option<usize> {
    if chars[i] == '半' {
        return half(chars, i, facts);
    }
    let num = number::scan(chars, i)?;
    let before = i.checked_sub(1).map(|k| chars[k]);
    if num.too_long || before == Some('第') || num.value <= 0.0 {
        return Some(num.end);
    }
    if num.lone_one && before.is_some_and(|b| WORD_BEFORE_ONE.contains(b)) {
        return Some(num.end);
    }
    if !may_have_unit(chars, i, &num) {
        return Some(num.end);
    }
    let approx = num.approx || approx_before(chars, i);
    if let Some(end) = amount_end(chars, i, &num) {
        let end = with_about(chars, end);
        let fact = fact(
            chars,
            i,
            end.0,
            String::new(),
            Some(num.value),
            approx || end.1,
        );
        facts.amounts.push(fact);
        return Some(end.0);
    }
    if let Some((end, unit)) = head_unit(chars, num.end) {
        // 一名 / 一位 / 一户 are nearly always an article (我是一名职工), not a count.
        if num.value < 2.0 {
            return Some(num.end);
        }
        let end = with_about(chars, end);
        let f = fact(
            chars,
            i,
            end.0,
            unit.into(),
            Some(num.value),
            approx || end.1,
        );
        facts.head_counts.push(f);
        return Some(end.0);
    }
    if let Some((end, days, more)) = duration(chars, i, &num) {
        let end = with_about(chars, end);
        let f = fact(
            chars,
            i,
            end.0,
            String::new(),
            Some(days),
            approx || more || end.1,
        );
        facts.durations.push(f);
        return Some(end.0);
    }
    Some(num.end)
}

/// A cheap first test (most numerals in a text are words like 一些, 一直): a unit may
/// follow, or a money cue may precede.
fn may_have_unit(chars: &[char], i: usize, num: &Num) -> bool {
    let unit_start = chars.get(num.end).is_some_and(|c| {
        matches!(
            c,
            '元' | '块'
                | '人'
                | '名'
                | '位'
                | '户'
                | '个'
                | '口'
                | '年'
                | '天'
                | '周'
                | '星'
                | '礼'
                | '小'
                | '钟'
                | '分'
                | '工'
        )
    });
    unit_start || num.big || i.checked_sub(1).is_some_and(|k| chars[k] == '币')
}

/// 左右 after a unit: include it, and the fact is approximate.
fn with_about(chars: &[char], end: usize) -> (usize, bool) {
    if chars[end.min(chars.len())..].starts_with(&['左', '右']) {
        (end + 2, true)
    } else {
        (end, false)
    }
}

/// 约 / 近 / 大约 / 将近 / 接近 / 超过 before the number.
fn approx_before(chars: &[char], i: usize) -> bool {
    let Some(k) = i.checked_sub(1) else {
        return false;
    };
    let two = k.checked_sub(1).map(|p| [chars[p], chars[k]]);
    match chars[k] {
        '约' => true,
        // 最近三个月 is exact.
        '近' => !matches!(two, Some(['最' | '附' | '靠' | '临', _])),
        _ => matches!(
            two,
            Some(['超', '过'] | ['大', '概'] | ['不', '到'] | ['不', '足'])
        ),
    }
}

/// The end of an amount's unit (元, 块, 块钱), or of the number after a money cue.
fn amount_end(chars: &[char], i: usize, num: &Num) -> Option<usize> {
    let j = num.end;
    let next = chars.get(j + 1).copied();
    match chars.get(j) {
        // 元旦, 元宵, 元素, 一元化, 二元结构: not money.
        Some('元') if !next.is_some_and(|n| cjk!("旦宵素化结首帅老气件器").contains(n)) => {
            Some(if next == Some('钱') { j + 2 } else { j + 1 })
        }
        Some('块') => match next {
            Some('钱') => Some(j + 2),
            // 三块地, 两块牌子: a measure word, not money.
            Some(n) if is_han(n) && !cjk!("的了左多余每一").contains(n) => None,
            _ => Some(j + 1),
        },
        _ => money_cue_before(chars, i, num).then_some(j),
    }
}

/// 补偿20万 / 人民币3000: a money word right before, and for words other than 人民币 a
/// number with 万 or 亿; the number must not run on into another unit (20万平方米).
fn money_cue_before(chars: &[char], i: usize, num: &Num) -> bool {
    if chars
        .get(num.end)
        .is_some_and(|&n| is_han(n) && !cjk!("的了左").contains(n))
    {
        return false;
    }
    // One filler character may sit between the word and the number (欠款共3万).
    let mut starts = [i, i];
    if i > 0 && cjk!("共约达为了近").contains(chars[i - 1]) {
        starts[1] = i - 1;
    }
    starts.iter().any(|&s| {
        MONEY_CUES.iter().any(|cue| {
            s >= cue.len()
                && chars[s - 1] == cue[cue.len() - 1]
                && chars[s - cue.len()..s] == **cue
                && (num.big || cue[0] == '人' && cue.len() == 3)
        })
    })
}

/// The unit of a head count at `j`: its end and the unit character.
fn head_unit(chars: &[char], j: usize) -> Option<(usize, char)> {
    let next = |k: usize| chars.get(k).copied();
    let not_in = |k: usize, words: &CharSet| !words.has(next(k));
    // 人民, 人次, 人均, 人大: the 人 does not count people.
    let person = |k: usize| not_in(k, cjk!("民次均大员士才格造工形气性数家力口物生为"));
    match next(j)? {
        '人' if person(j + 1) => Some((j + 1, '人')),
        '名' if not_in(j + 1, cjk!("字义单额称誉片牌次号校医师")) => {
            Some((j + 1, '名'))
        }
        '位' if not_in(j + 1, cjk!("数置于子列次居一体")) => Some((j + 1, '位')),
        '户' if not_in(j + 1, cjk!("口籍型主外头名一内均")) => Some((j + 1, '户')),
        '个' | '口' if next(j + 1) == Some('人') && person(j + 2) => Some((j + 2, '人')),
        _ => None,
    }
}

/// A duration unit after the number: end, days, approximate.
fn duration(chars: &[char], i: usize, num: &Num) -> Option<(usize, f64, bool)> {
    let j = num.end;
    let (mut end, unit_days, mut approx, mut half) = duration_unit(chars, j)?;
    if num.arabic && unit_days == 365.0 && !arabic_years_ok(chars, i, num, end) {
        return None;
    }
    if num.lone_one
        && unit_days == 1.0
        && chars
            .get(end)
            .is_some_and(|c| cjk!("晚早中下上夜里").contains(*c))
    {
        // 有一天晚上: a day, not a span.
        return None;
    }
    match chars.get(end) {
        Some('多' | '余') if !approx && !half => {
            approx = true;
            end += 1;
        }
        Some('半')
            if !approx && !half && unit_days >= 1.0 && !is_unit_after_half(chars, end + 1) =>
        {
            half = true;
            end += 1;
        }
        _ => {}
    }
    let value = num.value + if half { 0.5 } else { 0.0 };
    Some((end, value * unit_days, approx))
}

/// 一年半年 does not happen, but 一年半个月 does: a 半 that starts the next quantity.
fn is_unit_after_half(chars: &[char], k: usize) -> bool {
    matches!(chars.get(k), Some('个' | '年' | '月' | '天'))
}

/// Arabic years: 2 年, 3年多 are spans, but 18年 is often the year 2018; a number ≥ 10
/// needs a 多 / 余 or a cue before it (了, 近, 长达, 已 …) to be a span. A leading zero (09年)
/// or a number run on from a date (3.2017年) is always a year.
fn arabic_years_ok(chars: &[char], i: usize, num: &Num, end: usize) -> bool {
    let written = &chars[i..num.end.min(chars.len())];
    let leading_zero = written.len() >= 2 && written[0] == '0';
    let long_fraction = written
        .iter()
        .position(|&c| c == '.')
        .is_some_and(|dot| written.len() - dot > 3);
    if leading_zero
        || long_fraction
        || num.value >= 100.0
        || chars.get(end).is_some_and(|&c| number::is_arabic_digit(c))
    {
        return false;
    }
    if num.value < 10.0 || num.approx || matches!(chars.get(end), Some('多' | '余')) {
        return true;
    }
    i > 0 && cjk!("了近达有满约共已过足整长快将经历").contains(chars[i - 1])
}

/// The unit at `j`: end, days per unit, approximate (个多月), half (个半月).
fn duration_unit(chars: &[char], j: usize) -> Option<(usize, f64, bool, bool)> {
    let at = |k: usize| chars.get(k).copied();
    let not_in = |k: usize, words: &CharSet| !words.has(at(k));
    let rest = &chars[j.min(chars.len())..];
    let unit = match at(j)? {
        // 年级, 年代, 年龄, 年底, 年度 …: not a span of years.
        '年' if not_in(j + 1, cjk!("级代龄纪底初终末度货华会薪利息轻青")) && !year_idiom(rest) => {
            (j + 1, 365.0)
        }
        // 三天两头 is an idiom ("every few days").
        '天' if not_in(j + 1, cjk!("然气空津河桥堂使安下地主台"))
            && !rest.starts_with(&['天', '两', '头']) =>
        {
            (j + 1, 1.0)
        }
        '周' if not_in(j + 1, cjk!("边围年末岁转到全期报刊日一二三四五六七")) => {
            (j + 1, 7.0)
        }
        '个' => return after_ge(chars, j + 1),
        _ => return word_unit(rest).map(|(len, days)| (j + len, days, false, false)),
    };
    Some((unit.0, unit.1, false, false))
}

/// 一年一度, 一年四季: the 年 of an idiom.
fn year_idiom(rest: &[char]) -> bool {
    rest.starts_with(&['年', '一', '度']) || rest.starts_with(&['年', '四', '季'])
}

/// Units after 个 (个月, 个多月, 个半月, 个星期, 个小时, 个工作日).
fn after_ge(chars: &[char], k: usize) -> Option<(usize, f64, bool, bool)> {
    let (k, approx, half) = match chars.get(k) {
        Some('多') => (k + 1, true, false),
        Some('半') => (k + 1, false, true),
        _ => (k, false, false),
    };
    if chars.get(k) == Some(&'月') {
        return Some((k + 1, 30.0, approx, half));
    }
    let (len, days) = word_unit(&chars[k.min(chars.len())..])?;
    Some((k + len, days, approx, half))
}

/// Multi-character units: 星期, 礼拜, 小时, 钟头, 分钟, 工作日.
fn word_unit(rest: &[char]) -> Option<(usize, f64)> {
    const WORDS: [(&[char], f64); 6] = [
        (&['星', '期'], 7.0),
        (&['礼', '拜'], 7.0),
        (&['小', '时'], 1.0 / 24.0),
        (&['钟', '头'], 1.0 / 24.0),
        (&['分', '钟'], 1.0 / 1440.0),
        (&['工', '作', '日'], 1.0),
    ];
    let (word, days) = WORDS.iter().find(|(w, _)| rest.starts_with(w))?;
    // 星期一 is Monday.
    if days == &7.0
        && rest
            .get(2)
            .is_some_and(|c| cjk!("一二三四五六日天").contains(*c))
    {
        return None;
    }
    Some((word.len(), *days))
}

/// 半年 (182.5 days), 半个月 (15), 大半年 (approximate); not 上半年 / 下半年, and not 半天
/// (which usually means "a long while").
fn half(chars: &[char], i: usize, facts: &mut Facts) -> Option<usize> {
    let before = i.checked_sub(1).map(|k| chars[k]);
    if before.is_some_and(|b| cjk!("上下前后多过一两三四五六七八九十").contains(b))
    {
        return None;
    }
    let rest = &chars[i + 1..];
    let (len, days) = if rest.starts_with(&['年']) && !rest.starts_with(&['年', '度']) {
        (1, 182.5)
    } else if rest.starts_with(&['个', '月']) {
        (2, 15.0)
    } else if rest.starts_with(&['个', '小', '时']) {
        (3, 1.0 / 48.0)
    } else {
        return None;
    };
    let start = if before == Some('大') { i - 1 } else { i };
    let mut end = i + 1 + len;
    let mut approx = start < i;
    if matches!(chars.get(end), Some('多')) {
        end += 1;
        approx = true;
    }
    let (end, about) = with_about(chars, end);
    let f = fact(
        chars,
        start,
        end,
        String::new(),
        Some(days),
        approx || about,
    );
    facts.durations.push(f);
    Some(end)
}

/// A CJK ideograph (the basic block is enough for the checks here).
pub(crate) fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}
