//! Name rules: short names (suffix and ethnic-autonomy stripping), pseudo-cities, and the
//! names too generic to match in free text on their own.

use crate::code::{Code, Level};

/// Names of the pseudo-cities that group counties under municipalities and provinces
/// (统计用区划代码 keeps them; they are not places).
pub(crate) const PSEUDO_CITY_NAMES: [&str; 4] = [
    "市辖区",
    "县",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
];

/// Shortest name (in characters) that may ever become a pattern or a short name.
pub(crate) const MIN_NAME_CHARS: usize = 2;

/// Suffixes stripped to form short names, longest first within each level.
const PROVINCE_SUFFIXES: &[&str] = &["特别行政区", "自治区", "省", "市"];
const CITY_SUFFIXES: &[&str] = &["自治州", "地区", "盟", "市"];
const COUNTY_SUFFIXES: &[&str] = &[
    "自治县",
    "自治旗",
    "特区",
    "林区",
    "新区",
    "矿区",
    "区",
    "县",
    "市",
    "旗",
];
const TOWN_SUFFIXES: &[&str] = &[
    "街道办事处",
    "民族苏木",
    "民族乡",
    "街道",
    "苏木",
    "镇",
    "乡",
];

/// Ethnic groups as they appear in autonomy names (朝鲜族, 土家族, 维吾尔), longest first.
const ETHNIC: &[&str] = &[
    "乌孜别克",
    "柯尔克孜",
    "维吾尔",
    "哈萨克",
    "塔吉克",
    "鄂伦春",
    "鄂温克",
    "达斡尔",
    "俄罗斯",
    "塔塔尔",
    "土家",
    "蒙古",
    "朝鲜",
    "布依",
    "哈尼",
    "傈僳",
    "拉祜",
    "东乡",
    "纳西",
    "景颇",
    "仫佬",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "德昂",
    "保安",
    "裕固",
    "独龙",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
    "高山",
    "各",
    "回",
    "藏",
    "苗",
    "彝",
    "壮",
    "侗",
    "瑶",
    "白",
    "傣",
    "黎",
    "佤",
    "畲",
    "水",
    "土",
    "羌",
    "怒",
    "京",
    "满",
    "汉",
];

/// Short names that are everyday words: never matched in free text (still found by
/// `lookup`).
pub(crate) const SHORT_STOPLIST: &[&str] = &[
    "市中", "城中", "城东", "城西", "城南", "城北", "新城", "江南", "市区", "城厢", "新区", "开发",
    "高新", "经济", "中心", "东区", "西区", "南区", "北区", "郊区", "矿区", "向阳", "前进", "友谊",
    "胜利", "建设", "红旗",
];

/// Words that carry no place of their own in town names (工业园区, 经济开发区, 县开发区).
const GENERIC_TOWN_WORDS: &[&str] = &[
    "经济技术",
    "高新技术",
    "开发区",
    "管理区",
    "示范区",
    "园区",
    "新区",
    "工业",
    "经济",
    "技术",
    "高新",
    "化工",
    "化学",
    "石化",
    "物流",
    "农业",
    "科技",
    "产业",
    "街道",
    "农场",
    "林场",
    "盐场",
    "城区",
    "北区",
    "南区",
    "东区",
    "西区",
    "县",
    "区",
    "市",
    "镇",
    "乡",
];

pub(crate) fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Whether a division with this name and level is a pseudo-city.
pub(crate) fn is_pseudo(level: Level, name: &str) -> bool {
    level == Level::City && PSEUDO_CITY_NAMES.contains(&name)
}

/// Functional zones (开发区, 新区 managed as counties) carry NBS county digits 70–79; their
/// names start with their city's name, so no short name is derived.
fn is_functional_zone(code: Code) -> bool {
    let county_digits = code.get() / 1_000_000 % 100;
    code.level() == Level::County && (70..80).contains(&county_digits)
}

fn strip_ethnic(mut stem: &str) -> &str {
    loop {
        let body = stem.strip_suffix('族').unwrap_or(stem);
        let Some(next) = ETHNIC
            .iter()
            .filter_map(|e| body.strip_suffix(e))
            .find(|rest| char_len(rest) >= MIN_NAME_CHARS)
        else {
            return stem;
        };
        stem = next;
    }
}

/// The short name of a division (大连市 → 大连, 延边朝鲜族自治州 → 延边, 红旗街道 → 红旗), or
/// `None` when stripping leaves fewer than two characters or nothing changes.
pub(crate) fn short_name(code: Code, level: Level, name: &str) -> Option<String> {
    if is_pseudo(level, name) || is_functional_zone(code) {
        return None;
    }
    let suffixes = match level {
        Level::Province => PROVINCE_SUFFIXES,
        Level::City => CITY_SUFFIXES,
        Level::County => COUNTY_SUFFIXES,
        Level::Town => TOWN_SUFFIXES,
    };
    let stem = suffixes.iter().find_map(|s| name.strip_suffix(s))?;
    let stem = strip_ethnic(stem);
    (char_len(stem) >= MIN_NAME_CHARS && stem != name).then(|| stem.to_owned())
}

/// Full names too generic to match in free text on their own: two-character names (南县,
/// 城区, 街道) and town names made only of generic words (工业园区, 经济开发区). The matcher
/// takes them only right after a mention of an ancestor (阳泉市城区), or, for counties,
/// inside its scope.
pub(crate) fn is_weak_full_name(level: Level, name: &str) -> bool {
    if char_len(name) <= 2 {
        return true;
    }
    if level != Level::Town {
        return false;
    }
    let mut rest = name;
    while !rest.is_empty() {
        match GENERIC_TOWN_WORDS.iter().find_map(|w| rest.strip_prefix(w)) {
            Some(next) => rest = next,
            None => return false,
        }
    }
    true
}

/// Variants of a town name people write besides the official one: `X回族乡` is also `X乡`.
pub(crate) fn town_variants(name: &str) -> Option<String> {
    let stem = name
        .strip_suffix("民族乡")
        .or_else(|| name.strip_suffix('乡'))?;
    if !stem.ends_with('族') {
        return None;
    }
    let stem = strip_ethnic(stem);
    (char_len(stem) >= MIN_NAME_CHARS && !stem.ends_with('族')).then(|| format!("{stem}乡"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(level: Level, name: &str) -> Option<String> {
        let code = match level {
            Level::Province => Code::new(210_000_000_000),
            Level::City => Code::new(210_200_000_000),
            Level::County => Code::new(210_211_000_000),
            Level::Town => Code::new(210_211_015_000),
        };
        short_name(code.unwrap(), level, name)
    }

    #[test]
    fn short_names() {
        assert_eq!(short(Level::Province, "辽宁省").as_deref(), Some("辽宁"));
        assert_eq!(
            short(Level::Province, "内蒙古自治区").as_deref(),
            Some("内蒙古")
        );
        assert_eq!(
            short(Level::Province, "广西壮族自治区").as_deref(),
            Some("广西")
        );
        assert_eq!(
            short(Level::Province, "新疆维吾尔自治区").as_deref(),
            Some("新疆")
        );
        assert_eq!(
            short(Level::City, "延边朝鲜族自治州").as_deref(),
            Some("延边")
        );
        assert_eq!(
            short(Level::City, "湘西土家族苗族自治州").as_deref(),
            Some("湘西")
        );
        assert_eq!(
            short(Level::City, "锡林郭勒盟").as_deref(),
            Some("锡林郭勒")
        );
        assert_eq!(short(Level::City, "市辖区"), None);
        assert_eq!(short(Level::County, "甘井子区").as_deref(), Some("甘井子"));
        assert_eq!(short(Level::County, "瓦房店市").as_deref(), Some("瓦房店"));
        assert_eq!(short(Level::County, "浦东新区").as_deref(), Some("浦东"));
        assert_eq!(
            short(Level::County, "鄂伦春自治旗").as_deref(),
            Some("鄂伦春")
        );
        assert_eq!(
            short(Level::County, "大厂回族自治县").as_deref(),
            Some("大厂")
        );
        assert_eq!(short(Level::County, "城区"), None);
        assert_eq!(short(Level::County, "南县"), None);
        assert_eq!(short(Level::Town, "红旗街道").as_deref(), Some("红旗"));
        assert_eq!(short(Level::Town, "城关镇").as_deref(), Some("城关"));
        let zone = Code::new(130_171_000_000).unwrap();
        assert_eq!(
            short_name(zone, Level::County, "石家庄高新技术产业开发区"),
            None
        );
    }

    #[test]
    fn weak_names_and_variants() {
        assert!(is_weak_full_name(Level::County, "城区"));
        assert!(is_weak_full_name(Level::Town, "经济开发区"));
        assert!(is_weak_full_name(Level::Town, "县开发区"));
        assert!(!is_weak_full_name(Level::Town, "江宁开发区"));
        assert!(!is_weak_full_name(Level::County, "甘井子区"));
        assert_eq!(town_variants("长阳满族乡").as_deref(), Some("长阳乡"));
        assert_eq!(town_variants("红旗镇"), None);
    }
}
