//! Splitting a department / unit name into its place prefix and the rest
//! (甘井子区城建局 → 甘井子区 + 城建局).

use crate::code::{Code, Level};
use crate::gazetteer::{Gazetteer, NameKind};
use crate::matcher::Aliases;
use crate::names::{self, char_len};

/// Longest place name considered, in characters.
const MAX_NAME_CHARS: usize = 32;

/// Characters that continue a place name: a short name followed by one of them would cut
/// a word (西岗 + 区…, 金州 + 新区).
const PLACE_SUFFIX_CHARS: &[char] = &[
    '省', '市', '区', '县', '旗', '盟', '州', '镇', '乡', '街', '村',
];

/// A unit name split into its leading place and the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitName<'n> {
    /// The deepest place of the leading chain of place names (红旗街道 for
    /// 大连市甘井子区红旗街道办事处), `None` when the name starts with no place.
    pub place: Option<Code>,
    /// Byte offset where the place names end (`rest` starts).
    pub place_end: usize,
    /// What follows the place names (办事处, 城建局, 人民政府; empty for a bare place).
    pub rest: &'n str,
    /// When the last place name of the chain cannot be decided (朝阳区人民政府 with no
    /// scope): its candidates; `place` stays at the chain before it. Empty otherwise.
    pub ambiguous: Vec<Code>,
}

impl Gazetteer {
    /// Splits the chain of place names at the start of a department / unit name.
    ///
    /// Greedy, longest name first at each position; each further name must lie inside the
    /// previous one (大连市 → 甘井子区 → 红旗街道). The first name is taken inside `scope` when
    /// it has candidates there. Town names count only inside the chain or the scope. Short
    /// names (甘井子城建局) count for county level and above only, and not when the next
    /// character continues a place name (区, 县, 市…) or would be the only one left.
    /// Generic full names (城区, 南县) need the chain or the scope. Aliases count like full
    /// names (金普新区管理委员会 → 金州区 + 管理委员会).
    pub fn split_unit_name<'n>(
        &self,
        name: &'n str,
        scope: Option<Code>,
        aliases: &Aliases,
    ) -> UnitName<'n> {
        let mut pos = 0;
        let mut chain: Option<Code> = None;
        let mut ambiguous = Vec::new();
        while ambiguous.is_empty() {
            let rest = &name[pos..];
            let ends: Vec<usize> = rest
                .char_indices()
                .map(|(i, c)| i + c.len_utf8())
                .take(MAX_NAME_CHARS)
                .collect();
            let mut found = None;
            for (n, &end) in ends.iter().enumerate().rev() {
                if n + 1 < names::MIN_NAME_CHARS {
                    break;
                }
                let surface = &rest[..end];
                let after = &rest[end..];
                let candidates = self.unit_candidates(surface, after, chain, scope, aliases);
                if !candidates.is_empty() {
                    found = Some((end, candidates));
                    break;
                }
            }
            let Some((end, candidates)) = found else {
                break;
            };
            pos += end;
            if candidates.len() == 1 {
                chain = Some(candidates[0]);
            } else {
                ambiguous = candidates;
            }
        }
        UnitName {
            place: chain,
            place_end: pos,
            rest: &name[pos..],
            ambiguous,
        }
    }

    fn unit_candidates(
        &self,
        surface: &str,
        after: &str,
        chain: Option<Code>,
        scope: Option<Code>,
        aliases: &Aliases,
    ) -> Vec<Code> {
        let level = |c: Code| self.get(c).map_or(c.level(), |d| d.level);
        let mut out: Vec<(Code, NameKind)> = Vec::new();
        let from_alias = aliases.get(surface);
        if let Some(targets) = from_alias {
            out.extend(targets.iter().map(|&t| (t, NameKind::Alias)));
        } else {
            let cuts_word = after.starts_with(PLACE_SUFFIX_CHARS) || char_len(after) == 1;
            let in_scope = |c: Code| scope.is_some_and(|s| c.is_within(s));
            for r in self.refs_for(surface) {
                let d = self.at(r.index);
                if d.is_pseudo() {
                    continue;
                }
                let usable = match r.kind {
                    NameKind::Short => {
                        d.level != Level::Town
                            && !cuts_word
                            && !names::SHORT_STOPLIST.contains(&surface)
                    }
                    _ => {
                        !names::is_weak_full_name(d.level, surface)
                            || chain.is_some()
                            || (d.level != Level::Town && in_scope(d.code))
                    }
                };
                if usable && !out.iter().any(|(c, _)| *c == d.code) {
                    out.push((d.code, r.kind));
                }
            }
        }
        match chain {
            Some(c) => out.retain(|&(x, _)| x.is_within(c) && level(x) > level(c)),
            None => {
                if from_alias.is_none() {
                    out.retain(|&(x, _)| {
                        level(x) != Level::Town || scope.is_some_and(|s| x.is_within(s))
                    });
                }
                if let Some(s) = scope {
                    if out.iter().any(|(x, _)| x.is_within(s)) {
                        out.retain(|(x, _)| x.is_within(s));
                    } else {
                        // Outside the scope only full names count (公安分局 is not 公安县).
                        out.retain(|&(_, kind)| kind != NameKind::Short);
                    }
                }
            }
        }
        let mut codes: Vec<Code> = out.into_iter().map(|(c, _)| c).collect();
        codes.sort_unstable();
        codes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> Code {
        s.parse().unwrap()
    }

    fn split(name: &str) -> (Option<Code>, &str) {
        let g = Gazetteer::shipped();
        let aliases = Aliases::new(g, &[("金普新区".to_owned(), code("210213"))]).unwrap();
        let u = g.split_unit_name(name, Some(code("2102")), &aliases);
        assert_eq!(&name[u.place_end..], u.rest);
        (u.place, u.rest)
    }

    #[test]
    fn unit_names_in_dalian() {
        assert_eq!(
            split("大连市甘井子区红旗街道办事处"),
            (Some(code("210211015")), "办事处")
        );
        assert_eq!(split("甘井子区城建局"), (Some(code("210211")), "城建局"));
        assert_eq!(split("甘井子城建局"), (Some(code("210211")), "城建局"));
        assert_eq!(
            split("瓦房店市人民政府"),
            (Some(code("210281")), "人民政府")
        );
        assert_eq!(split("瓦房店市"), (Some(code("210281")), ""));
        assert_eq!(
            split("金普新区管理委员会"),
            (Some(code("210213")), "管理委员会")
        );
        assert_eq!(split("规划局"), (None, "规划局"));
        assert_eq!(split("西岗区八一路街道"), (Some(code("210203010")), ""));
        assert_eq!(
            split("沙河口区李家街道办事处"),
            (Some(code("210204011")), "办事处")
        );
        assert_eq!(split("大连市公安局"), (Some(code("2102")), "公安局"));
        assert_eq!(split("公安分局"), (None, "公安分局"));
        // Within the scope, a town name alone is enough.
        assert_eq!(split("红旗街道办事处"), (Some(code("210211015")), "办事处"));
        // A short name is not cut before a place suffix, nor to leave one character.
        assert_eq!(split("甘井子区"), (Some(code("210211")), ""));
        assert_eq!(split("甘井子局").0, None);
        // 李家街道 is not in 甘井子区: the chain stops at the district.
        assert_eq!(
            split("甘井子区李家街道"),
            (Some(code("210211")), "李家街道")
        );
    }

    #[test]
    fn unit_names_without_scope() {
        let g = Gazetteer::shipped();
        let none = Aliases::none();
        // Towns need a chain or a scope.
        let u = g.split_unit_name("红旗街道办事处", None, &none);
        assert_eq!((u.place, u.rest), (None, "红旗街道办事处"));
        let u = g.split_unit_name("北京市朝阳区城管委", None, &none);
        assert_eq!((u.place, u.rest), (Some(code("110105")), "城管委"));
        let u = g.split_unit_name("朝阳区城管委", None, &none);
        assert_eq!((u.place, u.rest), (None, "城管委"));
        assert!(u.ambiguous.contains(&code("110105")) && u.ambiguous.contains(&code("220104")));
        let u = g.split_unit_name("朝阳区城管委", Some(code("11")), &none);
        assert_eq!((u.place, u.rest), (Some(code("110105")), "城管委"));
        let u = g.split_unit_name("阳泉市城区人民政府", None, &none);
        assert_eq!(u.rest, "人民政府");
        assert!(u.place.unwrap().is_within(code("1403")));
    }
}
