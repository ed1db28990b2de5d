//! The core demand (核心诉求): the sentence that says what the petitioner asks for, and what
//! kind of petition it is.

use crate::matcher::{Found, Role};
use crate::Evidence;
use serde::{Deserialize, Serialize};

/// What kind of petition it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandType {
    /// 投诉: something is wrong and should be put right.
    Complaint,
    /// 求助: the petitioner asks for help for themselves.
    Help,
    /// 咨询: a question about a policy or procedure.
    Consultation,
    /// 建议: a suggestion.
    Suggestion,
    /// 举报: someone else's wrongdoing reported.
    Report,
    /// 表扬: praise.
    Praise,
}

impl DemandType {
    /// Every type; ties in score go to the earlier one.
    pub const ALL: [DemandType; 6] = [
        DemandType::Report,
        DemandType::Praise,
        DemandType::Consultation,
        DemandType::Help,
        DemandType::Suggestion,
        DemandType::Complaint,
    ];

    /// The type a history's kind column names (咨询问题, 投诉, 举报类 …; or the English name
    /// used in answers): the first of [`DemandType::ALL`] whose Chinese word it contains, so
    /// that 投诉举报 is a report. `None` for a kind no type covers.
    pub fn from_history_kind(kind: &str) -> Option<DemandType> {
        let kind = kind.trim();
        DemandType::ALL.into_iter().find(|t| {
            kind.eq_ignore_ascii_case(t.as_str())
                || t.history_words().iter().any(|w| kind.contains(w))
        })
    }

    /// Words petition systems file this type under.
    fn history_words(self) -> &'static [&'static str] {
        match self {
            DemandType::Complaint => &["投诉", "反映", "申诉"],
            DemandType::Help => &["求助", "求决"],
            DemandType::Consultation => &["咨询", "询问"],
            DemandType::Suggestion => &["建议"],
            DemandType::Report => &["举报", "检举", "揭发"],
            DemandType::Praise => &["表扬", "感谢", "赞扬"],
        }
    }

    /// The name used in answers (`consultation`).
    pub fn as_str(self) -> &'static str {
        match self {
            DemandType::Complaint => "complaint",
            DemandType::Help => "help",
            DemandType::Consultation => "consultation",
            DemandType::Suggestion => "suggestion",
            DemandType::Report => "report",
            DemandType::Praise => "praise",
        }
    }
}

/// The core demand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Demand {
    /// The words that state it (at most [`MAX_DEMAND_CHARS`]), with their offsets; when no
    /// sentence asks for anything, the title or the first sentence.
    #[serde(flatten)]
    pub evidence: Evidence,
    /// The word that marks the request (希望, 要求 …), or `""` when none was found.
    pub cue: String,
    /// What kind of petition it is.
    #[serde(rename = "type")]
    pub kind: DemandType,
    /// The words behind `type`, in text order; empty when it is the default (complaint).
    /// From the model, its terms that weigh most for the type, strongest first.
    pub type_evidence: Vec<Evidence>,
    /// Whether `type` came from the cue words or from a model that learned it.
    pub type_source: TypeSource,
    /// The model's probability of `type`; `None` from the cue words.
    pub type_probability: Option<f32>,
}

/// Where a demand's type came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeSource {
    /// Weighted cue words (咨询, 举报 …): used where no history labels the types.
    Rules,
    /// A model trained on a history's kind column.
    Model,
}

/// The type a model learned from a history's kinds picked for a petition.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnedType {
    /// The type.
    pub kind: DemandType,
    /// Its calibrated probability.
    pub probability: f32,
    /// Every type the model learned: the others it cannot tell apart.
    pub learned: Vec<DemandType>,
    /// The model terms that weigh most for it, strongest first.
    pub evidence: Vec<Evidence>,
}

impl Demand {
    /// Takes the model's type, unless the cue words found one the model never learned: a
    /// history that files 举报 and 求助 under 反映问题 cannot tell them from complaints, so
    /// the cue words' finer type stands.
    pub fn learn(&mut self, model: LearnedType) {
        let finer = !self.type_evidence.is_empty() && !model.learned.contains(&self.kind);
        if finer {
            return;
        }
        self.kind = model.kind;
        self.type_evidence = model.evidence;
        self.type_source = TypeSource::Model;
        self.type_probability = Some(model.probability);
    }
}

/// The longest demand text given.
pub const MAX_DEMAND_CHARS: usize = 60;

/// Words that state a request, and how strongly.
pub(crate) const DEMAND_CUES: &[(&str, f32)] = &[
    ("恳请", 3.0),
    ("恳求", 3.0),
    ("请求", 3.0),
    ("强烈要求", 3.0),
    ("诉求", 2.0),
    ("要求", 2.0),
    ("希望", 2.0),
    ("盼望", 2.0),
    ("期望", 2.0),
    ("建议", 2.0),
    ("呼吁", 2.0),
    ("能否", 2.0),
    ("可否", 2.0),
    ("能不能", 2.0),
    ("怎么办", 2.0),
    ("请问", 2.0),
    ("请", 1.0),
    ("尽快", 1.0),
    ("帮忙", 1.0),
    ("帮助", 1.0),
    ("解决", 1.0),
    ("处理", 0.5),
    ("如何", 1.0),
];

/// Words that point to a demand type, and how strongly. Complaint is the default, so its
/// cues only have to outweigh weak cues of the others.
pub(crate) const TYPE_CUES: &[(&str, DemandType, f32)] = &[
    ("表扬", DemandType::Praise, 3.0),
    ("点赞", DemandType::Praise, 3.0),
    ("赞扬", DemandType::Praise, 3.0),
    ("锦旗", DemandType::Praise, 3.0),
    ("感谢信", DemandType::Praise, 3.0),
    ("称赞", DemandType::Praise, 2.0),
    ("举报", DemandType::Report, 3.0),
    ("检举", DemandType::Report, 3.0),
    ("揭发", DemandType::Report, 3.0),
    ("咨询", DemandType::Consultation, 3.0),
    ("请问", DemandType::Consultation, 3.0),
    ("想问", DemandType::Consultation, 2.0),
    ("问一下", DemandType::Consultation, 2.0),
    ("想了解", DemandType::Consultation, 2.0),
    ("怎么办理", DemandType::Consultation, 2.0),
    ("如何办理", DemandType::Consultation, 2.0),
    ("需要什么", DemandType::Consultation, 1.5),
    ("可以吗", DemandType::Consultation, 1.5),
    ("吗?", DemandType::Consultation, 1.0),
    ("是否", DemandType::Consultation, 0.5),
    ("建议", DemandType::Suggestion, 2.0),
    ("提议", DemandType::Suggestion, 2.0),
    ("倡议", DemandType::Suggestion, 2.0),
    ("呼吁", DemandType::Suggestion, 1.5),
    ("求助", DemandType::Help, 3.0),
    ("救救", DemandType::Help, 3.0),
    ("帮帮", DemandType::Help, 2.0),
    ("救助", DemandType::Help, 2.0),
    ("生活困难", DemandType::Help, 1.5),
    ("投诉", DemandType::Complaint, 3.0),
    ("不作为", DemandType::Complaint, 2.0),
    ("扰民", DemandType::Complaint, 2.0),
    ("乱收费", DemandType::Complaint, 2.0),
    ("没人管", DemandType::Complaint, 2.0),
    ("反映", DemandType::Complaint, 1.5),
    ("拖欠", DemandType::Complaint, 1.5),
    ("严重影响", DemandType::Complaint, 1.5),
];

/// The demand and type cues with their roles, for the automaton.
pub(crate) fn cue_roles() -> Vec<(&'static str, Role)> {
    DEMAND_CUES
        .iter()
        .map(|&(p, w)| (p, Role::Demand(w)))
        .chain(TYPE_CUES.iter().map(|&(p, t, w)| (p, Role::Type(t, w))))
        .collect()
}

/// A type's score must reach this to beat the default (complaint).
const TYPE_MIN_SCORE: f32 = 2.0;

/// Where sentences end in normalised text (full-width ！？； are folded to half-width).
fn ends_sentence(c: char) -> bool {
    matches!(c, '。' | '!' | '?' | ';' | '\n')
}

/// The demand of `chars` (the analysed text) from the cues found in it.
pub(crate) fn demand(chars: &[char], found: &Found) -> Demand {
    let (kind, type_evidence) = demand_type(chars, found);
    let cues: Vec<(usize, usize, f32)> = found
        .with_role(|r| match r {
            Role::Demand(w) => Some(*w),
            _ => None,
        })
        .map(|(h, w)| (h.start, h.end, w))
        .collect();
    // The sentence whose cues weigh most; on a tie the later one (requests close letters).
    // Only sentences holding a cue are looked at, so a long petition costs little more.
    let mut best: Option<(f32, usize, usize)> = None;
    let mut seen = (usize::MAX, 0);
    for c in &cues {
        let (a, b) = sentence_around(chars, c.0);
        if (a, b) == seen {
            continue;
        }
        seen = (a, b);
        let score: f32 = cues
            .iter()
            .filter(|c| a <= c.0 && c.0 < b)
            .map(|c| c.2)
            .sum();
        if best.is_none_or(|best| score >= best.0) {
            best = Some((score, a, b));
        }
    }
    let Some((_, a, b)) = best else {
        let (a, b) = first_statement(chars);
        return Demand {
            evidence: Evidence::of(chars, a, b.min(a + MAX_DEMAND_CHARS)),
            cue: String::new(),
            kind,
            type_evidence,
            type_source: TypeSource::Rules,
            type_probability: None,
        };
    };
    // The strongest cue of the sentence (the first of equals) marks the request; a long
    // sentence is cut to the words from there.
    let cue = cues
        .iter()
        .filter(|c| a <= c.0 && c.0 < b)
        .fold(None, |best: Option<&(usize, usize, f32)>, c| match best {
            Some(b) if b.2 >= c.2 => Some(b),
            _ => Some(c),
        })
        .expect("the sentence has a cue");
    let start = if b - a <= MAX_DEMAND_CHARS { a } else { cue.0 };
    Demand {
        evidence: Evidence::of(chars, start, b.min(start + MAX_DEMAND_CHARS)),
        cue: chars[cue.0..cue.1].iter().collect(),
        kind,
        type_evidence,
        type_source: TypeSource::Rules,
        type_probability: None,
    }
}

/// The first sentence that is not a salutation (尊敬的厅长: 您好).
fn first_statement(chars: &[char]) -> (usize, usize) {
    let mut at = 0;
    loop {
        let (a, b) = sentence_around(chars, at);
        // The next sentence starts after the end mark that closes this one. `b` stops before
        // the spaces ahead of that mark (你好 !), so `b + 1` could still lie inside this
        // sentence: looping on it again never ended.
        let next = chars[b..]
            .iter()
            .position(|&c| ends_sentence(c))
            .map(|i| b + i + 1);
        match next {
            Some(next) if next < chars.len() && is_salutation(&chars[a..b]) => at = next,
            _ => return (a, b),
        }
    }
}

/// A short sentence that only greets: it starts with 尊敬 or ends with 好 (您好, 你好).
fn is_salutation(sentence: &[char]) -> bool {
    sentence.len() <= 16 && (sentence.starts_with(&['尊', '敬']) || sentence.ends_with(&['好']))
}

/// (start, end) of the sentence holding character `at`, without its end mark and the spaces
/// around it (the first non-empty sentence from `at` when `at` starts an empty one).
fn sentence_around(chars: &[char], at: usize) -> (usize, usize) {
    let mut a = chars[..at.min(chars.len())]
        .iter()
        .rposition(|&c| ends_sentence(c))
        .map_or(0, |i| i + 1);
    while a < chars.len() && (chars[a].is_whitespace() || ends_sentence(chars[a])) {
        a += 1;
    }
    let b = chars[a..]
        .iter()
        .position(|&c| ends_sentence(c))
        .map_or(chars.len(), |i| a + i);
    let mut b = b.max(a);
    while b > a && chars[b - 1].is_whitespace() {
        b -= 1;
    }
    (a, b)
}

/// The type whose cues weigh most, when that reaches [`TYPE_MIN_SCORE`]; else complaint.
pub(crate) fn demand_type(chars: &[char], found: &Found) -> (DemandType, Vec<Evidence>) {
    let cues: Vec<(usize, usize, DemandType, f32)> = found
        .with_role(|r| match r {
            Role::Type(t, w) => Some((*t, *w)),
            _ => None,
        })
        .map(|(h, (t, w))| (h.start, h.end, t, w))
        .collect();
    let score = |t: DemandType| -> f32 { cues.iter().filter(|c| c.2 == t).map(|c| c.3).sum() };
    let (best, best_score) = DemandType::ALL.iter().map(|&t| (t, score(t))).fold(
        (DemandType::Complaint, 0.0),
        |b, s| if s.1 > b.1 { s } else { b },
    );
    if best_score < TYPE_MIN_SCORE {
        return (DemandType::Complaint, Vec::new());
    }
    let evidence = cues
        .iter()
        .filter(|c| c.2 == best)
        .map(|c| Evidence::of(chars, c.0, c.1))
        .collect();
    (best, evidence)
}
