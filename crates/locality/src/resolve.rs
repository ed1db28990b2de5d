//! Deciding which place a text is about from its mentions.

use crate::code::{Code, Level};
use crate::gazetteer::{Gazetteer, NameKind};
use crate::matcher::Mention;

/// The place a text determines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolution {
    /// The deepest place the text determines (a county when its town is ambiguous), `None`
    /// when nothing is determined.
    pub place: Option<Code>,
    /// Byte spans `(start, end)` of the mentions that support `place` (and of the ambiguous
    /// mention, when there is one), in text order.
    pub evidence: Vec<(usize, usize)>,
    /// When the deepest mention cannot be decided: its remaining candidates (all inside
    /// `place` when `place` is set). Empty otherwise.
    pub ambiguous: Vec<Code>,
}

struct Item {
    span: (usize, usize),
    candidates: Vec<Code>,
}

fn related(a: Code, b: Code) -> bool {
    a != b && (a.is_within(b) || b.is_within(a))
}

impl Gazetteer {
    /// Picks the deepest place the mentions determine. The rules, in order:
    ///
    /// 1. Scope: with `scope` set, a mention keeps only its candidates inside the scope when
    ///    it has any; a short name (甘井子, 新华) with none inside is dropped as a likely false
    ///    hit; a full name or alias outside the scope stays (the petition may be about
    ///    another jurisdiction: check `is_within` on the result).
    /// 2. Context: a mention with several candidates keeps those related (ancestor or
    ///    descendant) to the most unambiguous mentions elsewhere in the text (城关镇 with
    ///    某某县 → that county's 城关镇; 朝阳区 with 北京 → 北京's; 辽宁省大连市甘井子区红旗街道
    ///    → 甘井子区's, not another 红旗街道 of 辽宁), repeated while it narrows; then those
    ///    with an ancestor among any other mention's candidates.
    /// 3. Chain: each code of an unambiguous mention scores the mentions that are it or its
    ///    ancestors (its explicit chain, repeats counted) minus the county- or town-level
    ///    mentions of the same city that are shallower than it but not its ancestors (a town
    ///    named under a different district than the district written: the written district
    ///    wins). Highest score wins, then the deeper code, then the earlier mention; codes
    ///    still tied are reported as `ambiguous` under their common ancestor.
    /// 4. Refinement: an ambiguous mention with candidates deeper than, and inside, the
    ///    winner (or any ambiguous mention when nothing won) gives `ambiguous`; `place` is
    ///    then the deepest common ancestor of the winner and those candidates.
    pub fn resolve(&self, mentions: &[Mention<'_>], scope: Option<Code>) -> Resolution {
        let mut items = scoped_items(mentions, scope);
        if items.is_empty() {
            return Resolution::default();
        }
        narrow_by_context(&mut items);

        let (base, evidence) = match self.chain_winner(&items) {
            Winner::None => (None, Vec::new()),
            Winner::One(code) => (Some(code), supporting_spans(&items, code)),
            Winner::Tied(codes) => return self.tied_resolution(&items, codes),
        };
        // Refinement by the deepest ambiguous mention inside the winner.
        let best = self.deepest_ambiguous(&items, base);
        self.refine(&items, base, evidence, best)
    }

    /// Rule 3's tie: the common ancestor of the tied codes, supported by the unambiguous
    /// mentions that contain any of them.
    fn tied_resolution(&self, items: &[Item], codes: Vec<Code>) -> Resolution {
        let place = self.common_ancestor(&codes);
        let mut spans: Vec<(usize, usize)> = items
            .iter()
            .filter(|it| {
                it.candidates.len() == 1 && codes.iter().any(|&c| c.is_within(it.candidates[0]))
            })
            .map(|it| it.span)
            .collect();
        spans.sort_unstable();
        Resolution {
            place,
            evidence: spans,
            ambiguous: codes,
        }
    }

    /// Rule 4's candidate: the ambiguous mention whose candidates inside and deeper than
    /// `base` (all of them without a base) reach deepest, as (their shallowest level, the
    /// mention's index, those candidates); the earlier mention wins a tie.
    fn deepest_ambiguous(
        &self,
        items: &[Item],
        base: Option<Code>,
    ) -> Option<(Level, usize, Vec<Code>)> {
        let base_level = base.map(|b| self.level_of(b));
        let mut best: Option<(Level, usize, Vec<Code>)> = None;
        for (i, it) in items.iter().enumerate() {
            if it.candidates.len() < 2 {
                continue;
            }
            let inside: Vec<Code> = it
                .candidates
                .iter()
                .copied()
                .filter(|&c| match (base, base_level) {
                    (Some(b), Some(level)) => c.is_within(b) && self.level_of(c) > level,
                    _ => true,
                })
                .collect();
            let Some(depth) = inside.iter().map(|&c| self.level_of(c)).min() else {
                continue;
            };
            if best.as_ref().is_none_or(|(d, _, _)| depth > *d) {
                best = Some((depth, i, inside));
            }
        }
        best
    }

    /// Rule 4's outcome: the winner alone, the single candidate of the refining mention, or
    /// the common ancestor of the winner and the refining mention's candidates, which are
    /// then reported as ambiguous.
    fn refine(
        &self,
        items: &[Item],
        base: Option<Code>,
        mut evidence: Vec<(usize, usize)>,
        best: Option<(Level, usize, Vec<Code>)>,
    ) -> Resolution {
        match best {
            None => Resolution {
                place: base,
                evidence,
                ambiguous: Vec::new(),
            },
            Some((_, i, inside)) if inside.len() == 1 => {
                let place = inside[0];
                evidence.push(items[i].span);
                evidence.sort_unstable();
                Resolution {
                    place: Some(place),
                    evidence,
                    ambiguous: Vec::new(),
                }
            }
            Some((_, i, inside)) => {
                let mut all = inside.clone();
                all.extend(base);
                let place = self.common_ancestor(&all);
                evidence.push(items[i].span);
                evidence.sort_unstable();
                Resolution {
                    place,
                    evidence,
                    ambiguous: inside,
                }
            }
        }
    }

    fn level_of(&self, code: Code) -> Level {
        self.get(code).map_or(code.level(), |d| d.level)
    }

    fn chain_winner(&self, items: &[Item]) -> Winner {
        let unambiguous: Vec<(usize, Code)> = items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.candidates.len() == 1)
            .map(|(i, it)| (i, it.candidates[0]))
            .collect();
        // (score, level, -first index) per distinct code.
        let mut best: Vec<(Code, i64, Level, usize)> = Vec::new();
        for &(first, code) in &unambiguous {
            if best.iter().any(|b| b.0 == code) {
                continue;
            }
            let level = self.level_of(code);
            let mut score = 0i64;
            for &(_, other) in &unambiguous {
                if code.is_within(other) {
                    score += 1;
                    continue;
                }
                let other_level = self.level_of(other);
                if other_level >= Level::County
                    && other_level < level
                    && other.truncate(Level::City) == code.truncate(Level::City)
                {
                    score -= 1;
                }
            }
            best.push((code, score, level, first));
        }
        best.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.3.cmp(&b.3)));
        let Some(&(top, score, level, _)) = best.first() else {
            return Winner::None;
        };
        let tied: Vec<Code> = best
            .iter()
            .filter(|b| b.1 == score && b.2 == level)
            .map(|b| b.0)
            .collect();
        if tied.len() > 1 {
            let mut tied = tied;
            tied.sort_unstable();
            Winner::Tied(tied)
        } else {
            Winner::One(top)
        }
    }
}

enum Winner {
    None,
    One(Code),
    Tied(Vec<Code>),
}

/// Rule 1: the mentions as items with sorted, deduplicated candidates, kept to `scope`;
/// mentions left with no candidate are dropped.
fn scoped_items(mentions: &[Mention<'_>], scope: Option<Code>) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::with_capacity(mentions.len());
    for m in mentions {
        let mut candidates = m.candidates.clone();
        if let Some(s) = scope {
            if candidates.iter().any(|c| c.is_within(s)) {
                candidates.retain(|c| c.is_within(s));
            } else if m.kind == NameKind::Short {
                continue;
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        if !candidates.is_empty() {
            items.push(Item {
                span: (m.start, m.end),
                candidates,
            });
        }
    }
    items
}

fn supporting_spans(items: &[Item], place: Code) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = items
        .iter()
        .filter(|it| it.candidates.len() == 1 && place.is_within(it.candidates[0]))
        .map(|it| it.span)
        .collect();
    spans.sort_unstable();
    spans
}

/// Rule 2: narrow ambiguous mentions by the other mentions.
fn narrow_by_context(items: &mut [Item]) {
    for _ in 0..4 {
        let mut changed = false;
        for i in 0..items.len() {
            if items[i].candidates.len() < 2 {
                continue;
            }
            let context: Vec<Code> = items
                .iter()
                .enumerate()
                .filter(|(j, it)| *j != i && it.candidates.len() == 1)
                .map(|(_, it)| it.candidates[0])
                .collect();
            // Keep the candidates related to the most context mentions.
            let support = |c: Code| context.iter().filter(|&&x| related(c, x)).count();
            let most = items[i]
                .candidates
                .iter()
                .map(|&c| support(c))
                .max()
                .unwrap_or(0);
            let keep: Vec<Code> = items[i]
                .candidates
                .iter()
                .copied()
                .filter(|&c| most > 0 && support(c) == most)
                .collect();
            if !keep.is_empty() && keep.len() < items[i].candidates.len() {
                items[i].candidates = keep;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Weaker: an ancestor among the candidates of another ambiguous mention.
    for i in 0..items.len() {
        if items[i].candidates.len() < 2 {
            continue;
        }
        let keep: Vec<Code> = items[i]
            .candidates
            .iter()
            .copied()
            .filter(|&c| {
                items.iter().enumerate().any(|(j, other)| {
                    j != i && other.candidates.iter().any(|&a| a != c && c.is_within(a))
                })
            })
            .collect();
        if !keep.is_empty() && keep.len() < items[i].candidates.len() {
            items[i].candidates = keep;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::{Aliases, PlaceMatcher};

    use crate::test_support::{code, nationwide};

    fn scoped(scope: &str) -> PlaceMatcher<'static> {
        Gazetteer::shipped()
            .matcher(Some(code(scope)), &Aliases::none())
            .unwrap()
    }

    fn resolve(m: &PlaceMatcher<'_>, text: &str, scope: Option<Code>) -> Resolution {
        m.gazetteer().resolve(&m.find(text), scope)
    }

    #[test]
    fn chengguanzhen_needs_its_county() {
        let g = Gazetteer::shipped();
        let m = nationwide();
        let alone = resolve(m, "城关镇的路灯坏了", None);
        assert_eq!(alone.place, None);
        assert!(alone.ambiguous.len() > 50, "{}", alone.ambiguous.len());
        assert_eq!(alone.evidence, vec![(0, 9)]);

        // 和林格尔县 (150123) has a 城关镇.
        let text = "和林格尔县城关镇的路灯坏了";
        let r = resolve(m, text, None);
        assert_eq!(r.place, Some(code("150123100")));
        assert!(r.ambiguous.is_empty());
        assert_eq!(r.evidence, vec![(0, 15), (15, 24)]);
        assert_eq!(g.names(r.place.unwrap()).county, Some("和林格尔县"));
    }

    #[test]
    fn scope_filters_candidates() {
        let m = scoped("2102");
        let dalian = Some(code("2102"));
        let r = resolve(&m, "甘井子区一工地拖欠工资", dalian);
        assert_eq!(r.place, Some(code("210211")));
        assert_eq!(r.evidence, vec![(0, 12)]);
        let r = resolve(&m, "我家在红旗街道，楼道灯不亮", dalian);
        assert_eq!(r.place, Some(code("210211015")));
        // Short name outside the scope: dropped. 城关 (城关区) is not in 大连.
        let r = resolve(&m, "城关镇来的人说路上堵车", dalian);
        assert_eq!(r.place, None);
        // A full name outside the scope stays.
        let r = resolve(&m, "我在沈阳市打工", dalian);
        assert_eq!(r.place, Some(code("2101")));
    }

    #[test]
    fn municipalities() {
        let g = Gazetteer::shipped();
        let m = nationwide();
        let r = resolve(m, "北京市朝阳区某小区噪音扰民", None);
        assert_eq!(r.place, Some(code("110105")));
        assert_eq!(g.names(code("110105")).city, Some("北京市"));

        let r = resolve(m, "朝阳区某小区噪音扰民", None);
        assert_eq!(r.place, None);
        assert!(r.ambiguous.contains(&code("110105")) && r.ambiguous.contains(&code("220104")));

        let beijing = scoped("11");
        let r = resolve(&beijing, "朝阳区某小区噪音扰民", Some(code("11")));
        assert_eq!(r.place, Some(code("110105")));
    }

    #[test]
    fn explicit_chain_wins_over_a_misplaced_town() {
        let m = scoped("2102");
        let dalian = Some(code("2102"));
        // 李家街道 is in 沙河口区, written under 甘井子区: the written district wins.
        let r = resolve(&m, "大连市甘井子区李家街道", dalian);
        assert_eq!(r.place, Some(code("210211")));
        assert_eq!(r.evidence, vec![(0, 9), (9, 21)]);
        // Correctly placed: the town.
        let r = resolve(&m, "大连市沙河口区李家街道", dalian);
        assert_eq!(r.place, Some(code("210204011")));
        // Living in one district, the matter in a town of another: the town's chain.
        let r = resolve(&m, "我住西岗区，在甘井子区红旗街道打工", dalian);
        assert_eq!(r.place, Some(code("210211015")));
        // Nationwide, the full chain picks 甘井子区's 红旗街道 among 辽宁's several.
        let text = "辽宁省大连市甘井子区红旗街道某小区，去年在西岗区也遇到过";
        let r = resolve(nationwide(), text, None);
        assert_eq!(r.place, Some(code("210211015")));
        assert_eq!(r.evidence, vec![(0, 9), (9, 18), (18, 30), (30, 42)]);
        // A city mentioned in passing does not block a deeper place elsewhere.
        let r = resolve(nationwide(), "我从沈阳市来到大连市甘井子区打工", None);
        assert_eq!(r.place, Some(code("210211")));
    }

    #[test]
    fn two_districts_tie_under_their_city() {
        let m = scoped("2102");
        let r = resolve(&m, "西岗区和中山区交界处", Some(code("2102")));
        assert_eq!(r.place, Some(code("2102")));
        assert_eq!(r.ambiguous, vec![code("210202"), code("210203")]);
    }

    #[test]
    fn ambiguous_town_inside_a_county_keeps_the_county() {
        // Fixture: a county with two towns of one name.
        let text = "210000000000\t辽宁省\n210200000000\t大连市\n210211000000\t甘井子区\n\
                    210211001000\t新华街道\n210211002000\t新华街道\n210212000000\t旅顺口区\n\
                    210212001000\t新华街道\n";
        let g = Gazetteer::parse(text, std::path::Path::new("fixture.tsv")).unwrap();
        let m = g.matcher(None, &Aliases::none()).unwrap();
        let r = g.resolve(&m.find("甘井子区新华街道有人占道经营"), None);
        assert_eq!(r.place, Some(code("210211")));
        assert_eq!(r.ambiguous, vec![code("210211001"), code("210211002")]);
        assert_eq!(r.evidence, vec![(0, 12), (12, 24)]);
        // Alone: three candidates across two districts, place at their city.
        let r = g.resolve(&m.find("新华街道有人占道经营"), None);
        assert_eq!(r.place, Some(code("2102")));
        assert_eq!(r.ambiguous.len(), 3);
    }

    #[test]
    fn nothing_found() {
        let r = resolve(nationwide(), "小区楼下饭店油烟直排，投诉多次没人管", None);
        assert_eq!(r, Resolution::default());
    }
}
