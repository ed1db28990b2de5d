//! Finding place names in petition text: one Aho-Corasick automaton per scope.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, Input, MatchKind, StartKind};

use crate::code::{Code, Level};
use crate::gazetteer::{Gazetteer, GazetteerError, NameKind};
use crate::names;

/// Place names a catalogue declares (金普新区 / 大连开发区 / 开发区 → 金州区). An alias
/// replaces whatever the gazetteer means by the same surface.
#[derive(Debug, Clone, Default)]
pub struct Aliases {
    map: HashMap<String, Vec<Code>>,
}

impl Aliases {
    /// No aliases.
    pub fn none() -> Aliases {
        Aliases::default()
    }

    /// Checks and collects `(alias, target)` pairs: every target must be a place of
    /// `gazetteer` (not a pseudo-city), every alias at least two characters. One alias may
    /// name several targets (then it is ambiguous like any other name).
    pub fn new(
        gazetteer: &Gazetteer,
        aliases: &[(String, Code)],
    ) -> Result<Aliases, GazetteerError> {
        let mut map: HashMap<String, Vec<Code>> = HashMap::new();
        for (alias, target) in aliases {
            let alias_trimmed = alias.trim();
            if !Gazetteer::long_enough(alias_trimmed) {
                return Err(GazetteerError::BadAlias {
                    alias: alias.clone(),
                    reason: "an alias needs at least two characters".to_owned(),
                });
            }
            if gazetteer.get(*target).is_none_or(|d| d.is_pseudo()) {
                return Err(GazetteerError::UnknownCode {
                    code: *target,
                    context: format!("target of alias {alias:?}"),
                });
            }
            let targets = map.entry(alias_trimmed.to_owned()).or_default();
            if !targets.contains(target) {
                targets.push(*target);
            }
        }
        Ok(Aliases { map })
    }

    /// The targets of an alias.
    pub fn get(&self, alias: &str) -> Option<&[Code]> {
        self.map.get(alias).map(Vec::as_slice)
    }

    /// Number of distinct aliases.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn iter(&self) -> impl Iterator<Item = (&str, &[Code])> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }
}

/// A place name found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention<'t> {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// The text matched (`&text[start..end]`).
    pub surface: &'t str,
    /// Every division the surface may denote, by code.
    pub candidates: Vec<Code>,
    /// The strongest way the surface names one of them (`Full` if it is any candidate's
    /// full name, `Alias` for a declared alias, `Short` otherwise).
    pub kind: NameKind,
}

#[derive(Debug, Default)]
struct Entry {
    /// Candidates matched wherever the surface occurs.
    strong: Vec<Code>,
    /// Candidates with a generic name (南县, 城区, 工业园区), kept only right after a mention
    /// of an ancestor, or (counties) inside the matcher's scope.
    weak: Vec<Code>,
    kind: Option<NameKind>,
}

impl Entry {
    fn add(&mut self, code: Code, kind: NameKind, weak: bool) {
        let list = if weak {
            &mut self.weak
        } else {
            &mut self.strong
        };
        if !list.contains(&code) {
            list.push(code);
        }
        self.kind = Some(self.kind.map_or(kind, |k| k.min(kind)));
    }
}

/// Finds place names in text. Built once per scope with [`Gazetteer::matcher`], then shared
/// (it is `Send + Sync`).
///
/// Patterns: full and short names of every province, city and county nationwide, except
/// short names that are everyday words (市中, 城东, 新城, 前进…); full names of the towns
/// inside the scope (all towns when there is none) plus `X乡` for `X回族乡`; the aliases.
/// Short town names (红旗 for 红旗街道) are not patterns: alone they are mostly not places,
/// and `红旗街` is more often a road than the sub-district. Pseudo-city names are never
/// patterns. Matching is leftmost-longest, so 大连市甘井子区 gives 大连市 and 甘井子区.
#[derive(Debug)]
pub struct PlaceMatcher<'g> {
    gazetteer: &'g Gazetteer,
    scope: Option<Code>,
    automaton: AhoCorasick,
    entries: Vec<Entry>,
    /// The first two characters of every pattern, hashed into a bitmap: `find` runs the
    /// automaton (anchored) only where a text's two characters may begin a place name.
    starts: StartFilter,
}

/// A 2^17-bit (16 KiB, cache-resident) set of hashed character pairs. Most positions of a
/// petition begin no place name; testing a bit there costs a few instructions where walking
/// the automaton over every byte cost ~35 per byte.
#[derive(Debug)]
struct StartFilter {
    bits: Vec<u64>,
}

impl StartFilter {
    const BITS: u32 = 17;

    fn slot(a: char, b: char) -> usize {
        let key = (u64::from(a) << 32 | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (key >> (64 - Self::BITS)) as usize
    }

    fn new<'p>(patterns: impl Iterator<Item = &'p str>) -> StartFilter {
        let mut bits = vec![0u64; 1 << (Self::BITS - 6)];
        for p in patterns {
            let mut chars = p.chars();
            if let (Some(a), Some(b)) = (chars.next(), chars.next()) {
                let slot = Self::slot(a, b);
                bits[slot / 64] |= 1 << (slot % 64);
            }
        }
        StartFilter { bits }
    }

    fn may_start(&self, a: char, b: char) -> bool {
        let slot = Self::slot(a, b);
        self.bits[slot / 64] & (1 << (slot % 64)) != 0
    }
}

impl Gazetteer {
    /// Builds the matcher for a catalogue's jurisdiction (`scope`, e.g. 大连市
    /// 210200000000; `None` for nationwide) and its aliases. Building the nationwide matcher
    /// (~40k patterns) takes ~150 ms and ~17 MiB RSS; a city's (~6k patterns), ~20 ms: build
    /// once, reuse. `find` on a 550-byte petition then costs 2–3 µs.
    pub fn matcher(
        &self,
        scope: Option<Code>,
        aliases: &Aliases,
    ) -> Result<PlaceMatcher<'_>, GazetteerError> {
        self.build_matcher(scope, aliases, true)
    }

    /// The matcher for routing: as [`Gazetteer::matcher`], but without a scope it leaves the
    /// ~41k towns out (provinces, cities and counties only, ~6k patterns like a city's
    /// matcher): a catalogue without a jurisdiction has no town units to route to, and the
    /// smaller automaton keeps `find` cheap on every petition.
    pub fn routing_matcher(
        &self,
        scope: Option<Code>,
        aliases: &Aliases,
    ) -> Result<PlaceMatcher<'_>, GazetteerError> {
        self.build_matcher(scope, aliases, scope.is_some())
    }

    fn build_matcher(
        &self,
        scope: Option<Code>,
        aliases: &Aliases,
        towns: bool,
    ) -> Result<PlaceMatcher<'_>, GazetteerError> {
        if let Some(s) = scope {
            if self.get(s).is_none() {
                return Err(GazetteerError::UnknownCode {
                    code: s,
                    context: "matcher scope".to_owned(),
                });
            }
        }
        let (mut by_surface, variants) = self.gazetteer_entries(scope, towns);
        let owned = added_entries(&mut by_surface, variants, aliases);
        let (patterns, entries) = patterns_and_entries(by_surface, owned);
        debug_assert!(patterns.iter().all(|p| Gazetteer::long_enough(p)));
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .start_kind(StartKind::Anchored)
            .build(&patterns)
            .map_err(|e| GazetteerError::Build(e.to_string()))?;
        let starts = StartFilter::new(patterns.iter().map(String::as_str));
        Ok(PlaceMatcher {
            gazetteer: self,
            scope,
            automaton,
            entries,
            starts,
        })
    }

    /// The gazetteer's own names that become patterns (see [`PlaceMatcher`]), each surface
    /// with its entry, and the `X乡` variants of the town full names kept, with their towns.
    fn gazetteer_entries(
        &self,
        scope: Option<Code>,
        towns: bool,
    ) -> (HashMap<&str, Entry>, Vec<(String, Code)>) {
        let mut by_surface: HashMap<&str, Entry> = HashMap::new();
        let mut variants: Vec<(String, Code)> = Vec::new();
        for (surface, refs) in self.name_refs() {
            for r in refs {
                let d = self.at(r.index);
                if d.is_pseudo() {
                    continue;
                }
                let in_scope = scope.is_none_or(|s| d.code.is_within(s));
                let weak = match (d.level, r.kind) {
                    (Level::Town, NameKind::Short) => continue,
                    (Level::Town, _) if !in_scope || !towns => continue,
                    (_, NameKind::Short) => {
                        if names::SHORT_STOPLIST.contains(&surface) {
                            continue;
                        }
                        false
                    }
                    (level, _) => names::is_weak_full_name(level, surface),
                };
                by_surface
                    .entry(surface)
                    .or_default()
                    .add(d.code, r.kind, weak);
                if d.level == Level::Town && r.kind == NameKind::Full {
                    if let Some(v) = names::town_variants(surface) {
                        variants.push((v, d.code));
                    }
                }
            }
        }
        (by_surface, variants)
    }
}

/// The patterns that are not gazetteer names: the town variants that are no name already,
/// and the aliases, each replacing whatever the gazetteer means by its surface.
fn added_entries(
    by_surface: &mut HashMap<&str, Entry>,
    variants: Vec<(String, Code)>,
    aliases: &Aliases,
) -> HashMap<String, Entry> {
    let mut owned: HashMap<String, Entry> = HashMap::new();
    for (v, code) in variants {
        if !by_surface.contains_key(v.as_str()) {
            owned
                .entry(v)
                .or_default()
                .add(code, NameKind::Short, false);
        }
    }
    for (alias, targets) in aliases.iter() {
        let mut entry = Entry::default();
        for &t in targets {
            entry.add(t, NameKind::Alias, false);
        }
        by_surface.remove(alias);
        owned.insert(alias.to_owned(), entry);
    }
    owned
}

/// All patterns with their entries in parallel, the automaton's pattern ids indexing both.
fn patterns_and_entries(
    by_surface: HashMap<&str, Entry>,
    owned: HashMap<String, Entry>,
) -> (Vec<String>, Vec<Entry>) {
    let mut patterns: Vec<String> = Vec::with_capacity(by_surface.len() + owned.len());
    let mut entries: Vec<Entry> = Vec::with_capacity(patterns.capacity());
    for (surface, entry) in by_surface {
        patterns.push(surface.to_owned());
        entries.push(entry);
    }
    for (surface, entry) in owned {
        patterns.push(surface);
        entries.push(entry);
    }
    (patterns, entries)
}

impl<'g> PlaceMatcher<'g> {
    /// The gazetteer it was built from.
    pub fn gazetteer(&self) -> &'g Gazetteer {
        self.gazetteer
    }

    /// The scope it was built for.
    pub fn scope(&self) -> Option<Code> {
        self.scope
    }

    /// Number of patterns in the automaton.
    pub fn pattern_count(&self) -> usize {
        self.automaton.patterns_len()
    }

    /// Heap bytes held by the automaton.
    pub fn memory_usage(&self) -> usize {
        self.automaton.memory_usage()
    }

    /// The place names in `text`, left to right, not overlapping (leftmost-longest).
    /// Generic names (南县, 城区, 工业园区) count only right after a mention of one of their
    /// ancestors (阳泉市城区), or, for counties, inside the scope.
    pub fn find<'t>(&self, text: &'t str) -> Vec<Mention<'t>> {
        let mut out: Vec<Mention<'t>> = Vec::new();
        for m in leftmost_longest(&self.automaton, &self.starts, text) {
            let entry = &self.entries[m.pattern().as_usize()];
            let mut candidates = entry.strong.clone();
            if !entry.weak.is_empty() {
                let previous = out.last().filter(|p| p.end == m.start());
                for &c in &entry.weak {
                    let chained = previous
                        .is_some_and(|p| p.candidates.iter().any(|&a| a != c && c.is_within(a)));
                    let scoped =
                        c.level() != Level::Town && self.scope.is_some_and(|s| c.is_within(s));
                    if chained || scoped {
                        candidates.push(c);
                    }
                }
            }
            if candidates.is_empty() {
                continue;
            }
            out.push(Mention {
                start: m.start(),
                end: m.end(),
                surface: &text[m.start()..m.end()],
                candidates,
                kind: entry.kind.unwrap_or(NameKind::Full),
            });
        }
        out
    }
}

/// The automaton's non-overlapping leftmost-longest matches, as an unanchored `find_iter`
/// would give them, found by anchored searches at the positions whose first two characters
/// may begin a pattern: the longest match at the leftmost such position wins, and the scan
/// resumes at its end.
fn leftmost_longest<'a>(
    automaton: &'a AhoCorasick,
    starts: &'a StartFilter,
    text: &'a str,
) -> impl Iterator<Item = aho_corasick::Match> + 'a {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        while let Some((at, c)) = chars.next() {
            let &(_, next) = chars.peek()?;
            if !starts.may_start(c, next) {
                continue;
            }
            let input = Input::new(text).range(at..).anchored(Anchored::Yes);
            if let Some(m) = automaton.find(input) {
                while chars.peek().is_some_and(|&(i, _)| i < m.end()) {
                    chars.next();
                }
                return Some(m);
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::{code, nationwide};

    fn dalian() -> &'static PlaceMatcher<'static> {
        static M: std::sync::OnceLock<PlaceMatcher<'static>> = std::sync::OnceLock::new();
        M.get_or_init(|| {
            let g = Gazetteer::shipped();
            let aliases = Aliases::new(
                g,
                &[
                    ("金普新区".to_owned(), code("210213")),
                    ("大连开发区".to_owned(), code("210213")),
                    ("开发区".to_owned(), code("210213")),
                ],
            )
            .unwrap();
            g.matcher(Some(code("2102")), &aliases).unwrap()
        })
    }

    #[test]
    fn spans_are_byte_offsets() {
        let text = "我是大连市甘井子区红旗街道居民，反映问题";
        let found = nationwide().find(text);
        let surfaces: Vec<&str> = found.iter().map(|m| m.surface).collect();
        assert_eq!(surfaces, ["大连市", "甘井子区", "红旗街道"]);
        for m in &found {
            assert_eq!(&text[m.start..m.end], m.surface);
        }
        assert_eq!((found[0].start, found[0].end), (6, 15));
        assert_eq!(found[1].candidates, vec![code("210211")]);
        assert_eq!(found[1].kind, NameKind::Full);
        assert!(found[2].candidates.contains(&code("210211015")));
        assert!(
            found[2].candidates.len() > 10,
            "红旗街道 is common nationwide"
        );
    }

    #[test]
    fn short_names_and_aliases() {
        let found = dalian().find("甘井子那边和开发区的事，金普新区管委会不管");
        let surfaces: Vec<&str> = found.iter().map(|m| m.surface).collect();
        assert_eq!(surfaces, ["甘井子", "开发区", "金普新区"]);
        assert_eq!(found[0].kind, NameKind::Short);
        assert_eq!(found[1].candidates, vec![code("210213")]);
        assert_eq!(found[1].kind, NameKind::Alias);
        assert_eq!(found[2].candidates, vec![code("210213")]);
    }

    #[test]
    fn scoped_towns_only_and_no_town_short_names() {
        // 红旗街道 of 大连 is a pattern in 大连's matcher, others are not.
        let found = dalian().find("红旗街道");
        assert_eq!(found[0].candidates, vec![code("210211015")]);
        // 城关镇 is not a town of 大连: no town pattern; its short name 城关 matches the
        // county-level 城关区 (拉萨, 兰州) as a short name, which resolve() drops out of scope.
        let found = dalian().find("城关镇");
        assert!(found.iter().all(|m| m.kind == NameKind::Short));
        // Town short names are never patterns.
        assert!(nationwide().find("红旗飘飘").is_empty());
    }

    #[test]
    fn generic_names_need_a_parent_or_the_scope() {
        let m = nationwide();
        assert!(m.find("城区道路坑洼").is_empty());
        assert!(m.find("湖南县城").iter().all(|x| x.surface != "南县"));
        let found = m.find("阳泉市城区");
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].surface, "城区");
        assert_eq!(found[1].candidates.len(), 1);
        assert!(found[1].candidates[0].is_within(code("1403")));
        assert!(m.find("工业园区").is_empty());
    }

    #[test]
    fn no_pattern_is_shorter_than_two_characters() {
        let g = Gazetteer::shipped();
        let m = nationwide();
        assert!(m.pattern_count() > 35_000, "{}", m.pattern_count());
        // Rebuild the pattern list the same way and check every surface.
        for (surface, _) in g.name_refs() {
            assert!(surface.chars().count() >= 2, "{surface}");
        }
        for d in g.divisions() {
            if let Some(v) = names::town_variants(&d.name) {
                assert!(v.chars().count() >= 2, "{v}");
            }
        }
        // And through the automaton: no one-character text ever matches.
        let singles: String = g
            .divisions()
            .iter()
            .flat_map(|d| d.name.chars())
            .collect::<std::collections::BTreeSet<char>>()
            .into_iter()
            .flat_map(|c| [c, '。'])
            .collect();
        assert!(m.find(&singles).is_empty());
        let too_short = Aliases::new(g, &[("金".to_owned(), code("210213"))]);
        assert!(matches!(too_short, Err(GazetteerError::BadAlias { .. })));
    }

    #[test]
    fn aliases_must_name_known_places() {
        let g = Gazetteer::shipped();
        let unknown = Aliases::new(g, &[("新区".to_owned(), code("210299"))]).unwrap_err();
        assert!(unknown.to_string().contains("210299000000"), "{unknown}");
        let pseudo = Aliases::new(g, &[("北京城区".to_owned(), code("1101"))]);
        assert!(pseudo.is_err());
        assert!(g.matcher(Some(code("2199")), &Aliases::none()).is_err());
    }

    #[test]
    fn filtered_anchored_search_finds_what_a_plain_scan_finds() {
        let patterns = [
            "大连",
            "大连市",
            "甘井子区",
            "井子",
            "西岗区",
            "岗区",
            "中山区",
            "山区人",
        ];
        let build = |start| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .start_kind(start)
                .build(patterns)
                .unwrap()
        };
        let (anchored, plain) = (build(StartKind::Anchored), build(StartKind::Unanchored));
        let starts = StartFilter::new(patterns.iter().copied());
        let pieces = [
            "大", "连", "市", "甘", "井", "子", "区", "西", "岗", "中", "山", "人", "a",
        ];
        // Every text of up to 5 pieces drawn by a fixed pseudo-random walk.
        let mut state = 7u64;
        for _ in 0..5_000 {
            let mut text = String::new();
            for _ in 0..(state % 9) {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(pieces[(state >> 33) as usize % pieces.len()]);
            }
            let spans = |ms: Vec<aho_corasick::Match>| -> Vec<(usize, usize)> {
                ms.iter().map(|m| (m.start(), m.end())).collect()
            };
            assert_eq!(
                spans(leftmost_longest(&anchored, &starts, &text).collect()),
                spans(plain.find_iter(&text).collect()),
                "{text}"
            );
        }
    }
}
