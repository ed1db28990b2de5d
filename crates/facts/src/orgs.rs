//! Named organisations: a name read backwards from a suffix (公司, 集团, 学校, 医院, 银行,
//! 厂, 超市 …), stopping at punctuation, function words and verbs.

use crate::charset::CharSet;
use crate::measures::is_han;
use crate::{fact, Fact};

/// The longest name (before the suffix) taken; a longer run is a clause, not a name.
const MAX_NAME: usize = 20;

/// The longest name taken when it is neither registered (…有限公司) nor starts at a place.
const MAX_PLAIN_NAME: usize = 6;

/// Verbs and adverbs that end the clause before a name, never part of it (监督物业公司,
/// 如果高速公司).
const VERB_START: [[char; 2]; 133] = [
    ['监', '督'],
    ['如', '果'],
    ['唯', '独'],
    ['依', '法'],
    ['继', '续'],
    ['建', '设'],
    ['根', '据'],
    ['节', '省'],
    ['违', '规'],
    ['新', '开'],
    ['强', '行'],
    ['既', '然'],
    ['防', '止'],
    ['无', '法'],
    ['重', '新'],
    ['招', '揽'],
    ['停', '止'],
    ['确', '保'],
    ['取', '得'],
    ['规', '定'],
    ['审', '视'],
    ['责', '令'],
    ['能', '够'],
    ['可', '以'],
    ['应', '该'],
    ['必', '须'],
    ['需', '要'],
    ['进', '行'],
    ['使', '用'],
    ['选', '择'],
    ['办', '理'],
    ['申', '请'],
    ['缴', '纳'],
    ['支', '付'],
    ['负', '责'],
    ['经', '营'],
    ['设', '立'],
    ['成', '为'],
    ['整', '治'],
    ['取', '缔'],
    ['解', '决'],
    ['支', '持'],
    ['结', '果'],
    ['感', '谢'],
    ['听', '闻'],
    ['附', '件'],
    ['组', '合'],
    ['充', '当'],
    ['提', '交'],
    ['反', '应'],
    ['设', '置'],
    ['预', '留'],
    ['考', '上'],
    ['上', '交'],
    ['执', '行'],
    ['督', '促'],
    ['联', '系'],
    ['交', '纳'],
    ['开', '张'],
    ['保', '证'],
    ['起', '诉'],
    ['投', '诉'],
    ['举', '报'],
    ['推', '荐'],
    ['咨', '询'],
    ['查', '处'],
    ['处', '理'],
    ['取', '消'],
    ['要', '求'],
    ['希', '望'],
    ['相', '信'],
    ['告', '知'],
    ['了', '解'],
    ['发', '现'],
    ['听', '说'],
    ['认', '为'],
    ['觉', '得'],
    ['知', '道'],
    ['看', '到'],
    ['来', '到'],
    ['回', '到'],
    ['进', '入'],
    ['前', '往'],
    ['参', '加'],
    ['加', '入'],
    ['离', '开'],
    ['通', '过'],
    ['经', '过'],
    ['按', '照'],
    ['依', '照'],
    ['对', '于'],
    ['关', '于'],
    ['由', '于'],
    ['因', '为'],
    ['所', '以'],
    ['但', '是'],
    ['而', '且'],
    ['并', '且'],
    ['同', '时'],
    ['然', '后'],
    ['其', '实'],
    ['只', '是'],
    ['就', '是'],
    ['还', '是'],
    ['已', '经'],
    ['正', '在'],
    ['一', '直'],
    ['马', '上'],
    ['立', '即'],
    ['尽', '快'],
    ['及', '时'],
    ['题', '系'],
    ['堪', '比'],
    ['上', '述'],
    ['点', '潇'],
    ['知', '人'],
    ['享', '受'],
    ['转', '出'],
    ['明', '白'],
    ['腐', '蚀'],
    ['盈', '利'],
    ['改', '变'],
    ['假', '期'],
    ['加', '强'],
    ['上', '报'],
    ['驱', '除'],
    ['涉', '黑'],
    ['遂', '送'],
    ['一', '座'],
    ['调', '取'],
    ['选', '聘'],
    ['协', '调'],
    ['伙', '同'],
];

/// What kind of body a suffix names; it decides which words are only generic.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Business,
    Bank,
    School,
    Hospital,
}

/// Two-character words that end a name when read backwards.
const STOP2: [[char; 2]; 130] = [
    ['投', '诉'],
    ['举', '报'],
    ['反', '映'],
    ['起', '诉'],
    ['拖', '欠'],
    ['咨', '询'],
    ['联', '系'],
    ['要', '求'],
    ['希', '望'],
    ['通', '过'],
    ['请', '求'],
    ['关', '于'],
    ['位', '于'],
    ['属', '于'],
    ['包', '括'],
    ['就', '读'],
    ['入', '职'],
    ['承', '包'],
    ['委', '托'],
    ['隶', '属'],
    ['附', '近'],
    ['旁', '边'],
    ['对', '面'],
    ['门', '口'],
    ['周', '边'],
    ['孩', '子'],
    ['小', '孩'],
    ['儿', '子'],
    ['女', '儿'],
    ['本', '人'],
    ['自', '己'],
    ['当', '地'],
    ['现', '在'],
    ['目', '前'],
    ['以', '前'],
    ['之', '前'],
    ['曾', '经'],
    ['工', '作'],
    ['上', '班'],
    ['就', '职'],
    ['任', '职'],
    ['应', '聘'],
    ['购', '买'],
    ['作', '为'],
    ['导', '致'],
    ['造', '成'],
    ['什', '么'],
    ['当', '时'],
    ['今', '年'],
    ['去', '年'],
    ['明', '年'],
    ['前', '年'],
    ['介', '绍'],
    ['情', '况'],
    ['配', '套'],
    ['规', '划'],
    ['审', '查'],
    ['相', '信'],
    ['误', '导'],
    ['提', '出'],
    ['家', '人'],
    ['代', '表'],
    ['承', '诺'],
    ['指', '定'],
    ['所', '辖'],
    ['成', '立'],
    ['创', '办'],
    ['开', '办'],
    ['办', '成'],
    ['建', '成'],
    ['组', '建'],
    ['发', '商'],
    ['给', '予'],
    ['认', '为'],
    ['知', '道'],
    ['发', '现'],
    ['告', '诉'],
    ['通', '知'],
    ['送', '到'],
    ['转', '到'],
    ['计', '划'],
    ['准', '备'],
    ['还', '有'],
    ['以', '及'],
    ['或', '者'],
    ['而', '且'],
    ['并', '且'],
    ['但', '是'],
    ['可', '是'],
    ['甚', '至'],
    ['尤', '其'],
    ['比', '如'],
    ['例', '如'],
    ['就', '是'],
    ['还', '是'],
    ['这', '是'],
    ['只', '有'],
    ['没', '有'],
    ['所', '在'],
    ['所', '属'],
    ['整', '个'],
    ['其', '中'],
    ['等', '等'],
    ['部', '分'],
    ['全', '部'],
    ['大', '量'],
    ['许', '多'],
    ['很', '多'],
    ['多', '个'],
    ['各', '类'],
    ['有', '关'],
    ['完', '成'],
    ['奢', '望'],
    ['遇', '上'],
    ['事', '人'],
    ['能', '上'],
    ['会', '建'],
    ['要', '建'],
    ['新', '建'],
    ['将', '建'],
    ['拟', '建'],
    ['修', '建'],
    ['兴', '建'],
    ['化', '公'],
    ['多', '少'],
    ['多', '名'],
    ['拒', '绝'],
    ['牺', '牲'],
    ['配', '合'],
    ['了', '解'],
];

/// Two-character words kept inside a name although they contain a stop character
/// (有限公司, 向阳区, 前进区, 和平区, 东方红).
const KEEP2: [[char; 2]; 11] = [
    ['有', '限'],
    ['向', '阳'],
    ['前', '进'],
    ['和', '平'],
    ['国', '家'],
    ['农', '家'],
    ['人', '家'],
    ['万', '家'],
    ['千', '家'],
    ['自', '来'],
    ['中', '外'],
];

/// Words that only describe a body, never name it (物业公司, 私立学校, 附近医院).
const GENERIC_ANY: [&str; 71] = [
    "附近",
    "周边",
    "周围",
    "当地",
    "本地",
    "外地",
    "各大",
    "各个",
    "私立",
    "私营",
    "民办",
    "公办",
    "公立",
    "大型",
    "小型",
    "中型",
    "正规",
    "有关",
    "相关",
    "其他",
    "其它",
    "所有",
    "黑心",
    "无良",
    "上级",
    "下属",
    "所属",
    "涉事",
    "外资",
    "合资",
    "国有",
    "国营",
    "民营",
    "上市",
    "原来",
    "以前",
    "现在",
    "重点",
    "普通",
    "知名",
    "定点",
    "指定",
    "附属",
    "网上",
    "手机",
    "网络",
    "城区",
    "城里",
    "农村",
    "乡村",
    "乡镇",
    "社区",
    "街道",
    "市区",
    "县城",
    "全市",
    "全省",
    "全国",
    "区办",
    "市办",
    "县办",
    "校办",
    "配套",
    "普惠性",
    "营利性",
    "非营利性",
    "公益性",
    "垃圾",
    "中小",
    "特大",
    "连锁",
];

/// Words that only describe a business (物业管理公司, 房地产开发公司, 化工厂).
const GENERIC_BUSINESS: [&str; 127] = [
    "物业",
    "管理",
    "服务",
    "开发",
    "房地产",
    "地产",
    "房产",
    "置业",
    "装修",
    "装饰",
    "建筑",
    "建设",
    "施工",
    "工程",
    "劳务",
    "派遣",
    "中介",
    "担保",
    "贷款",
    "小额",
    "投资",
    "理财",
    "金融",
    "保险",
    "快递",
    "物流",
    "运输",
    "科技",
    "信息",
    "技术",
    "电子",
    "商务",
    "贸易",
    "销售",
    "广告",
    "传媒",
    "文化",
    "旅游",
    "旅行",
    "培训",
    "教育",
    "咨询",
    "保安",
    "保洁",
    "家政",
    "搬家",
    "清洁",
    "环卫",
    "绿化",
    "园林",
    "拆迁",
    "出租车",
    "出租",
    "租车",
    "租赁",
    "汽车",
    "公交",
    "客运",
    "供热",
    "热力",
    "供暖",
    "燃气",
    "煤气",
    "天然气",
    "自来水",
    "供水",
    "水务",
    "电力",
    "供电",
    "通信",
    "有线",
    "广电",
    "外卖",
    "餐饮",
    "食品",
    "医药",
    "制药",
    "化工",
    "钢铁",
    "水泥",
    "机械",
    "加工",
    "制造",
    "生产",
    "服装",
    "印刷",
    "包装",
    "养殖",
    "实业",
    "发展",
    "有限",
    "责任",
    "股份",
    "控股",
    "空壳",
    "皮包",
    "航运",
    "代办",
    "群租",
    "屠宰",
    "修理",
    "汽修",
    "维修",
    "药",
    "黑",
    "私人",
    "个人",
    "小",
    "大",
    "电",
    "糖",
    "酒",
    "砖",
    "纸",
    "化肥",
    "农药",
    "塑料",
    "家具",
    "木材",
    "石材",
    "搅拌",
    "混凝土",
    "沥青",
    "垃圾",
    "污水",
    "焚烧",
    "发电",
];

/// Generic words for schools and hospitals (培训学校, 中医医院).
const GENERIC_SERVICE: [&str; 31] = [
    "国际",
    "精神病",
    "培训",
    "驾驶",
    "职业",
    "技工",
    "寄宿",
    "艺术",
    "补习",
    "辅导",
    "专科",
    "综合",
    "中医",
    "妇幼",
    "儿童",
    "口腔",
    "眼科",
    "精神",
    "整形",
    "美容",
    "生殖",
    "医学",
    "男科",
    "妇科",
    "肛肠",
    "骨科",
    "牙科",
    "宠物",
    "动物",
    "私人",
    "附属",
];

/// Generic words for banks (商业银行, 开户银行).
const GENERIC_BANK: [&str; 7] = ["商业", "开户", "发卡", "收款", "储蓄", "城市", "地方"];

/// Single characters that alone describe rather than name (大学校, 新医院, 市医院).
const GENERIC_CHAR: &CharSet = cjk!("大小新老原母子分总该此本市区县镇乡村省各某一二三");

/// The suffix ending at `i`: its length and kind.
fn suffix_at(chars: &[char], i: usize) -> Option<(usize, Kind)> {
    let prev = |k: usize| i.checked_sub(k).map(|p| chars[p]);
    let next = chars.get(i + 1).copied();
    match (prev(1), chars[i]) {
        (Some('公'), '司') => Some((2, Kind::Business)),
        (Some('集'), '团') => Some((2, Kind::Business)),
        (Some('学'), '校') => Some((2, Kind::School)),
        // 大学生, 中学生: people, not a school.
        (Some('大' | '小' | '中'), '学')
            if !next.is_some_and(|n| cjk!("生城士部院里期前后年习校历制科").contains(n)) =>
        {
            Some((2, Kind::School))
        }
        (Some('学'), '院') => Some((2, Kind::School)),
        (Some('儿'), '园') if prev(2) == Some('幼') => Some((3, Kind::School)),
        (Some('医'), '院') => Some((2, Kind::Hospital)),
        (Some('生'), '院') if prev(2) == Some('卫') => Some((3, Kind::Hospital)),
        // 银行卡: a card, not a bank.
        (Some('银'), '行') if next != Some('卡') => Some((2, Kind::Bank)),
        (Some('酒' | '饭'), '店') => Some((2, Kind::Business)),
        (Some('商'), '场') => Some((2, Kind::Business)),
        // 超市场价: 超 and 市场, not a supermarket.
        (Some('超'), '市') if next != Some('场') => Some((2, Kind::Business)),
        // 厂房, 厂家, 厂区: the place, not a named factory.
        (_, '厂') if !next.is_some_and(|n| cjk!("房家区长里方商址内外部子门领").contains(n)) => {
            Some((1, Kind::Business))
        }
        _ => None,
    }
}

/// Whether `c` may be part of a name.
fn is_name_char(c: char) -> bool {
    is_han(c) || c.is_ascii_alphanumeric() || ('０'..='９').contains(&c)
}

/// Whether a suffix may end at `c` (a cheap test before [`try_at`]).
pub(crate) fn may_end_suffix(c: char) -> bool {
    cjk!("司团校学院园行店场市厂").contains(c)
}

/// An organisation ending at `i`; a longer name containing earlier ones replaces them
/// (XX集团 then XX集团有限公司).
pub(crate) fn try_at(chars: &[char], i: usize, found: &mut Vec<Fact>) {
    let Some((suffix_len, kind)) = suffix_at(chars, i) else {
        return;
    };
    let suffix_start = i + 1 - suffix_len;
    let Some(run_start) = name_start(chars, suffix_start) else {
        return;
    };
    // A verb inside the run ends the clause before the name: 出面协调华美超市 names 华美超市.
    let run_start =
        after_last_verb(&chars[run_start..suffix_start]).map_or(run_start, |k| run_start + k);
    let registered = is_registered(chars, suffix_start, i);
    let Some(start) = trim_name(chars, run_start, suffix_start, registered) else {
        return;
    };
    let name = &chars[start..suffix_start];
    if name.len() < 2 || is_generic(name, kind) {
        return;
    }
    while found.last().is_some_and(|f| f.start >= start) {
        found.pop();
    }
    found.push(fact(chars, start, i + 1, String::new(), None, false));
}

/// Where the name starts after the last verb of `run` ([`VERB_START`]), if it has one.
fn after_last_verb(run: &[char]) -> Option<usize> {
    (0..run.len().saturating_sub(1))
        .rev()
        .find(|&k| VERB_FIRSTS.contains(run[k]) && in_words(&run[k..k + 2], &VERB_START))
        .map(|k| k + 2)
}

/// Whether the name is in a registered form: …有限公司, …股份公司, …集团.
fn is_registered(chars: &[char], suffix_start: usize, i: usize) -> bool {
    if chars[i] == '团' {
        return true;
    }
    let before = &chars[suffix_start.saturating_sub(2)..suffix_start];
    chars[i] == '司' && matches!(before, ['有', '限'] | ['股', '份'] | ['责', '任'])
}

/// Where the name starts within the run read backwards: at a place written with a letter
/// (A市, A6区: how the data masks places) when there is one; else the whole run, when it is
/// short or the name is registered. Long plain runs are clauses more often than names.
fn trim_name(chars: &[char], run_start: usize, end: usize, registered: bool) -> Option<usize> {
    let coded_place = (run_start..end).find(|&k| {
        let starts = k == run_start || !chars[k - 1].is_ascii_alphanumeric();
        starts && chars[k].is_ascii_uppercase() && {
            let mut m = k + 1;
            while m < end && chars[m].is_ascii_alphanumeric() {
                m += 1;
            }
            m < end && matches!(chars[m], '省' | '市' | '区' | '县')
        }
    });
    if coded_place.is_some() {
        return coded_place;
    }
    (end - run_start <= MAX_PLAIN_NAME || registered).then_some(run_start)
}

/// Reads the name backwards from `end`; `None` when it runs longer than a name.
fn name_start(chars: &[char], end: usize) -> Option<usize> {
    let mut s = end;
    while s > 0 && is_name_char(chars[s - 1]) {
        let pair = s >= 2 && PAIR_ENDS.contains(chars[s - 1]);
        if pair && in_words(&chars[s - 2..s], &KEEP2) {
            s -= 2;
        } else if pair && in_words(&chars[s - 2..s], &STOP2) || stops(chars, s - 1) {
            break;
        } else {
            s -= 1;
        }
        if end - s > MAX_NAME {
            return None;
        }
    }
    Some(s)
}

/// Whether the character at `k` ends a name read backwards.
fn stops(chars: &[char], k: usize) -> bool {
    let c = chars[k];
    if c == '家' {
        // 这家公司, 三家超市: a measure word; 家乐福, 国家电网: part of a name.
        let before = k.checked_sub(1).map(|p| chars[p]);
        return before.is_none_or(|b| {
            cjk!("一二三四五六七八九十这那几两哪每某该本多此整各").contains(b) || b.is_ascii_digit()
        });
    }
    is_stop_char(c)
}

/// Single characters that end a name when read backwards: function words, pronouns,
/// measure words and common verbs .
fn is_stop_char(c: char) -> bool {
    STOP_CHARS.contains(c)
}

/// The characters of [`is_stop_char`].
const STOP_CHARS: &CharSet = cjk!("不与且个为也了于些从他以们但位你便候做入共其则初到前即却去又及叫号各后向吗吧呀告呢和咱哪啊啥回因在均处她它室对将就层已帮年并底归往您我或户所找把日是替月有未某栋楼欠此每没由的着知离称等约给而自至若被要让诉该说请读谁跟辖过近还这进那问间非");

fn in_words(pair: &[char], words: &[[char; 2]]) -> bool {
    words.iter().any(|w| w[0] == pair[0] && w[1] == pair[1])
}

/// Second characters of [`STOP2`] and [`KEEP2`]: most name characters are in neither, and
/// skip the word lists.
const PAIR_ENDS: &CharSet = &{
    let mut set = CharSet::of_pairs(&STOP2, 1);
    set.union(&CharSet::of_pairs(&KEEP2, 1));
    set
};

/// First characters of [`VERB_START`].
const VERB_FIRSTS: &CharSet = &CharSet::of_pairs(&VERB_START, 0);

/// First characters of the generic words and [`GENERIC_CHAR`]: a name whose first character
/// is in none of them is not generic.
const GENERIC_FIRSTS: &CharSet = &{
    let mut set = CharSet::of_firsts(&GENERIC_ANY);
    set.union(&CharSet::of_firsts(&GENERIC_BUSINESS));
    set.union(&CharSet::of_firsts(&GENERIC_SERVICE));
    set.union(&CharSet::of_firsts(&GENERIC_BANK));
    set.union(GENERIC_CHAR);
    set
};

/// Whether the name is made only of words that describe rather than name.
fn is_generic(name: &[char], kind: Kind) -> bool {
    let extra: &[&str] = match kind {
        Kind::Business => &GENERIC_BUSINESS,
        Kind::Bank => &GENERIC_BANK,
        Kind::School | Kind::Hospital => &GENERIC_SERVICE,
    };
    if !GENERIC_FIRSTS.contains(name[0]) {
        return false;
    }
    let name: String = name.iter().collect();
    let mut rest = name.as_str();
    'outer: while let Some(c) = rest.chars().next() {
        for word in GENERIC_ANY.iter().chain(extra) {
            if let Some(after) = rest.strip_prefix(word) {
                rest = after;
                continue 'outer;
            }
        }
        if !GENERIC_CHAR.contains(c) {
            return false;
        }
        rest = &rest[c.len_utf8()..];
    }
    true
}
