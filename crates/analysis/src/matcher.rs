//! One pass over the text for every phrase the analysis looks for: the cues, idioms and
//! `near` words of every list, negations, demand and demand-type cues and the words that
//! introduce a personal name. Offsets are in characters.

use crate::demand::DemandType;
use crate::lists::CueGroup;
use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{Input, MatchKind};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub pattern: u32,
    pub start: usize,
    pub end: usize,
}

/// The automaton and what each of its patterns means.
#[derive(Debug)]
pub(crate) struct Matcher {
    automaton: DFA,
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
        // A DFA, used directly rather than behind `AhoCorasick`'s dynamic dispatch: a few
        // hundred phrases make a small one, and it walks the text with the fewest
        // instructions per byte (routing runs it on every petition).
        let automaton = DFA::builder()
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
    /// Every occurrence of every phrase (overlapping), ordered by end, once per role.
    pub fn find(&self, text: &str) -> Found {
        let mut chars = CharOffsets::new(text);
        let mut found = Found::default();
        let matches = self.automaton.try_find_overlapping_iter(Input::new(text));
        for m in matches.expect("a DFA built for overlapping search") {
            let hit = Hit {
                pattern: m.pattern().as_u32(),
                start: chars.at(m.start()),
                end: chars.at(m.end()),
            };
            let (a, b) = self.spans[m.pattern().as_usize()];
            for &role in &self.roles[a as usize..b as usize] {
                // Kept apart: every cue is checked against them.
                match role {
                    Role::Negator => found.negation_ends.push(hit.end),
                    Role::Idiom(owner) => found.idioms.push((owner, hit.start, hit.end)),
                    _ => found.hits.push((hit, role)),
                }
            }
        }
        found
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

/// The hits and the roles they play (a hit once per role), with the rules that decide
/// whether a cue counts.
#[derive(Default)]
pub(crate) struct Found {
    hits: Vec<(Hit, Role)>,
    /// Where each negation ends.
    negation_ends: Vec<usize>,
    /// The idioms found: whose, start, end.
    idioms: Vec<(Owner, usize, usize)>,
}

impl Found {
    /// Hits playing roles that `pick` selects, with what it makes of the role.
    pub fn with_role<'s, T: 's>(
        &'s self,
        pick: impl Fn(&Role) -> Option<T> + 's,
    ) -> impl Iterator<Item = (&'s Hit, T)> + 's {
        self.hits
            .iter()
            .filter_map(move |(h, r)| pick(r).map(|t| (h, t)))
    }

    /// Whether a cue of `owner`'s group `group` at `hit` counts: not inside one of the
    /// list's idioms, not right after a negation, and with a `near` word close enough when
    /// the group asks for one.
    pub fn counts(&self, hit: &Hit, owner: Owner, group: usize, g: &CueGroup) -> bool {
        let mut idioms = self.idioms.iter();
        if idioms.any(|&(o, a, b)| o == owner && a <= hit.start && hit.end <= b) {
            return false;
        }
        let mut negations = self.negation_ends.iter();
        if negations.any(|&end| end <= hit.start && hit.start - end <= NEGATION_GAP) {
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
