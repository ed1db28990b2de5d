//! One pass over the text for every phrase the analysis looks for: the cues, idioms and
//! `near` words of every list, negations, demand and demand-type cues and the words that
//! introduce a personal name. Offsets are in characters.

use crate::demand::DemandType;
use crate::lists::CueGroup;
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashMap;

/// Which list a cue belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    Risk(usize),
    Channel(usize),
}

/// What finding a phrase means; one phrase may mean several things.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Role {
    /// A cue of a list's group.
    Cue { owner: Owner, group: usize },
    /// A word that a group's cues need nearby.
    Near { owner: Owner, group: usize },
    /// An idiom of a list: its cues inside it do not count.
    Idiom(Owner),
    /// A negation: a cue right after it does not count.
    Negator,
    /// A word that states what the petitioner asks for, with its strength.
    Demand(f32),
    /// A word that points to a demand type, with its strength.
    Type(DemandType, f32),
    /// 先生, 女士 …: the character before it may be a surname.
    Honorific,
    /// 我叫, 本人叫 …: a name may follow.
    NameIntro,
}

/// Negations that cancel a cue right after them (at most [`NEGATION_GAP`] characters
/// between): 没有安全隐患, 不会跳楼, 防止发生火灾.
const NEGATORS: &[&str] = &[
    "不会",
    "没有",
    "并没有",
    "并非",
    "不是",
    "并未",
    "不存在",
    "无任何",
    "防止",
    "避免",
    "以免",
    "以防",
    "杜绝",
    "预防",
    "排除",
    "消除",
];
const NEGATION_GAP: usize = 2;

const HONORIFICS: &[&str] = &[
    "先生", "女士", "小姐", "师傅", "阿姨", "大爷", "大妈", "老师", "同志", "经理", "老板",
];
const NAME_INTROS: &[&str] = &["我叫", "本人叫", "我的名字叫", "我的名字是", "本人姓名"];

/// A phrase found: which pattern, where (characters, end exclusive).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub pattern: u32,
    pub start: usize,
    pub end: usize,
}

/// The automaton and what each of its patterns means.
#[derive(Debug)]
pub(crate) struct Matcher {
    automaton: AhoCorasick,
    /// `roles[spans[p].0..spans[p].1]` are pattern p's roles.
    roles: Vec<Role>,
    spans: Vec<(u32, u32)>,
}

/// Collects phrases and their roles before the automaton is built.
#[derive(Default)]
pub(crate) struct MatcherBuilder {
    roles: HashMap<String, Vec<Role>>,
}

impl MatcherBuilder {
    pub fn add(&mut self, phrase: &str, role: Role) {
        self.roles.entry(phrase.to_string()).or_default().push(role);
    }

    /// A list's groups and idioms.
    pub fn add_list(&mut self, owner: Owner, groups: &[CueGroup], idioms: &[String]) {
        for (group, g) in groups.iter().enumerate() {
            for p in &g.phrases {
                self.add(p, Role::Cue { owner, group });
            }
            for p in &g.near {
                self.add(p, Role::Near { owner, group });
            }
        }
        for p in idioms {
            self.add(p, Role::Idiom(owner));
        }
    }

    /// Adds the built-in phrases (negations, name cues, demand cues) and builds.
    pub fn build(mut self, demand_cues: &[(&str, Role)]) -> Matcher {
        for n in NEGATORS {
            self.add(n, Role::Negator);
        }
        for h in HONORIFICS {
            self.add(h, Role::Honorific);
        }
        for i in NAME_INTROS {
            self.add(i, Role::NameIntro);
        }
        for (p, role) in demand_cues {
            self.add(p, *role);
        }
        let mut phrases: Vec<(String, Vec<Role>)> = self.roles.into_iter().collect();
        phrases.sort_by(|a, b| a.0.cmp(&b.0));
        let mut roles = Vec::new();
        let mut spans = Vec::with_capacity(phrases.len());
        for (_, r) in &phrases {
            spans.push((roles.len() as u32, (roles.len() + r.len()) as u32));
            roles.extend_from_slice(r);
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(phrases.iter().map(|(p, _)| p))
            .expect("phrases are checked non-blank and few");
        Matcher {
            automaton,
            roles,
            spans,
        }
    }
}

impl Matcher {
    /// Every occurrence of every phrase (overlapping), ordered by end.
    pub fn find(&self, text: &str) -> Vec<Hit> {
        let mut chars = CharOffsets::new(text);
        self.automaton
            .find_overlapping_iter(text)
            .map(|m| Hit {
                pattern: m.pattern().as_u32(),
                start: chars.at(m.start()),
                end: chars.at(m.end()),
            })
            .collect()
    }

    pub fn roles(&self, hit: &Hit) -> &[Role] {
        let (a, b) = self.spans[hit.pattern as usize];
        &self.roles[a as usize..b as usize]
    }
}

/// Byte offsets to character offsets for increasing (or slightly decreasing) byte offsets,
/// without a table the size of the text.
struct CharOffsets<'a> {
    text: &'a str,
    byte: usize,
    char: usize,
}

impl<'a> CharOffsets<'a> {
    fn new(text: &'a str) -> Self {
        CharOffsets {
            text,
            byte: 0,
            char: 0,
        }
    }

    fn at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            // Overlapping matches may start before the last end seen.
            return self.char - self.text[byte..self.byte].chars().count();
        }
        self.char += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.char
    }
}

/// The hits and the roles they play, with the rules that decide whether a cue counts.
pub(crate) struct Found<'m> {
    pub matcher: &'m Matcher,
    pub hits: Vec<Hit>,
}

impl Found<'_> {
    /// Hits playing roles that `pick` selects, with the role.
    pub fn with_role<'s, T: 's>(
        &'s self,
        pick: impl Fn(&Role) -> Option<T> + Copy + 's,
    ) -> impl Iterator<Item = (&'s Hit, T)> + 's {
        self.hits.iter().flat_map(move |h| {
            let roles = self.matcher.roles(h).iter();
            roles.filter_map(pick).map(move |t| (h, t))
        })
    }

    /// Whether a cue of `owner`'s group `group` at `hit` counts: not inside one of the
    /// list's idioms, not right after a negation, and with a `near` word close enough when
    /// the group asks for one.
    pub fn counts(&self, hit: &Hit, owner: Owner, group: usize, g: &CueGroup) -> bool {
        let inside_idiom = self.with_role(|r| (*r == Role::Idiom(owner)).then_some(()));
        if inside_idiom
            .into_iter()
            .any(|(i, ())| i.start <= hit.start && hit.end <= i.end)
        {
            return false;
        }
        let mut negators = self.with_role(|r| (*r == Role::Negator).then_some(()));
        if negators.any(|(n, ())| n.end <= hit.start && hit.start - n.end <= NEGATION_GAP) {
            return false;
        }
        if g.near.is_empty() {
            return true;
        }
        let mut near = self.with_role(|r| (*r == Role::Near { owner, group }).then_some(()));
        near.any(|(n, ())| gap(n, hit) <= g.within)
    }
}

/// Characters between two spans; 0 when they overlap.
fn gap(a: &Hit, b: &Hit) -> usize {
    if a.end <= b.start {
        b.start - a.end
    } else {
        a.start.saturating_sub(b.end)
    }
}
