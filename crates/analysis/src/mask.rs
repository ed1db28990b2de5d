//! PII masking: phones, ID numbers, bank cards, plates, personal names and any other long
//! number are replaced by typed placeholders, so that stores and exports keep no way to
//! reach the petitioner.

use crate::matcher::{Found, Role};
use pr_facts::Facts;

/// Common surnames: a character before 先生 / 女士 … or after 我叫 is taken as a name only
/// when it is one of these. Characters that are more often words (和, 文, 安 …) are left out.
const SURNAMES: &str =
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于\
蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺\
顾毛郝龚邵万钱严覃武戴莫孔汤温康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳祝包\
宁尚符舒阮柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝游辛靳柴蒙鲍喻祁蒲房滕屈饶牟艾尤穆农卓缪简项芦\
麦褚娄窦戚岑景宫费卜冷晏席卫米柏瞿桂佟臧闵苟邬卞姬仇栾隋刁荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝";

/// Runs of at least this many digits are masked even when no fact kind claims them: an ID
/// with a typo or a QQ number still reaches a person.
const MIN_MASKED_DIGITS: usize = 7;

fn is_surname(c: char) -> bool {
    SURNAMES.contains(c)
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// `text` (whose characters are `chars`) with PII replaced by placeholders.
pub(crate) fn masked(text: &str, chars: &[char], facts: &Facts, found: &Found) -> String {
    let mut spans: Vec<(usize, usize, &str)> = Vec::new();
    for p in &facts.phones {
        let label = if p.normalised.starts_with('0') {
            "【电话】"
        } else {
            "【手机号】"
        };
        spans.push((p.start, p.end, label));
    }
    let typed = [
        (&facts.id_numbers, "【身份证号】"),
        (&facts.bank_cards, "【银行卡号】"),
        (&facts.plates, "【车牌号】"),
    ];
    for (list, label) in typed {
        spans.extend(list.iter().map(|f| (f.start, f.end, label)));
    }
    spans.extend(
        names(chars, found)
            .into_iter()
            .map(|(a, b)| (a, b, "【姓名】")),
    );
    spans.extend(
        long_numbers(chars)
            .into_iter()
            .map(|(a, b)| (a, b, "【号码】")),
    );
    if spans.is_empty() {
        // Most petitions name nobody: no per-character copy.
        return text.to_string();
    }
    // Earlier first, and of two starting together the longer; overlaps are dropped.
    spans.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut out = String::with_capacity(chars.len() * 3);
    let mut at = 0;
    for (a, b, label) in spans {
        if a < at {
            continue;
        }
        out.extend(&chars[at..a]);
        out.push_str(label);
        at = b;
    }
    out.extend(&chars[at..]);
    out
}

/// Personal names: a surname before 先生 / 女士 …, or two or three characters starting with a
/// surname after 我叫 ….
fn names(chars: &[char], found: &Found) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (hit, role) in
        found.with_role(|r| matches!(r, Role::Honorific | Role::NameIntro).then_some(*r))
    {
        match role {
            Role::Honorific if hit.start > 0 && is_surname(chars[hit.start - 1]) => {
                out.push((hit.start - 1, hit.start));
            }
            Role::NameIntro => {
                let name_len = chars[hit.end..]
                    .iter()
                    .take(3)
                    .take_while(|&&c| is_han(c) && !"的是今在，".contains(c))
                    .count();
                if name_len >= 2 && is_surname(chars[hit.end]) {
                    out.push((hit.end, hit.end + name_len));
                }
            }
            _ => {}
        }
    }
    out
}

/// Runs of [`MIN_MASKED_DIGITS`] or more digits (an `x` may end an ID number).
fn long_numbers(chars: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i < chars.len() && i - start == 17 && matches!(chars[i], 'x' | 'X') {
            i += 1;
        }
        if i - start >= MIN_MASKED_DIGITS {
            out.push((start, i));
        }
    }
    out
}
