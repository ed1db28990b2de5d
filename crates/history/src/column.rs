//! Column selection: which field or header holds the id, title, text, label, region, kind and
//! date.

use std::fmt;
use std::str::FromStr;

/// Recognised id column names (matched case-insensitively for ASCII).
pub const ID_NAMES: &[&str] = &["id", "编号", "信件编号", "工单编号", "留言编号"];
/// Recognised title column names (matched case-insensitively for ASCII).
pub const TITLE_NAMES: &[&str] = &["title", "标题", "留言主题", "信访标题", "主题"];
/// Recognised text column names (matched case-insensitively for ASCII).
pub const TEXT_NAMES: &[&str] = &[
    "text",
    "content",
    "内容",
    "留言详情",
    "诉求内容",
    "信访内容",
    "留言内容",
    "来信内容",
];
/// Recognised label column names (matched case-insensitively for ASCII).
pub const LABEL_NAMES: &[&str] = &[
    "label",
    "department",
    "category",
    "受理单位",
    "承办单位",
    "办理单位",
    "责任单位",
    "一级分类",
];

/// Recognised region column names (matched case-insensitively for ASCII): the intake desk's
/// district, county or town.
pub const REGION_NAMES: &[&str] = &["region", "区域", "所属区县", "属地"];

/// Recognised kind column names (matched case-insensitively for ASCII): what kind of petition
/// the history filed it as (咨询问题, 投诉 …), which the demand type learns from.
pub const KIND_NAMES: &[&str] = &[
    "kind",
    "letter_type",
    "demand_type",
    "信件类型",
    "来信类型",
    "留言类型",
    "诉求类型",
    "问题类型",
];

/// Recognised date column names (matched case-insensitively for ASCII): when the petition
/// was received.
pub const DATE_NAMES: &[&str] = &[
    "date",
    "received_at",
    "日期",
    "来信日期",
    "登记日期",
    "受理日期",
    "登记时间",
    "受理时间",
    "留言时间",
];

/// The role a column plays in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The petition's identifier.
    Id,
    /// The petition's title (optional).
    Title,
    /// The petition's body text (required).
    Text,
    /// The department or category the petition was routed to.
    Label,
    /// The place the intake desk recorded (district, county or town; optional).
    Region,
    /// What kind of petition the history filed it as (咨询问题, 投诉 …; optional).
    Kind,
    /// When the petition was received (optional).
    Date,
}

impl Role {
    /// The column names recognised for this role when no column is given.
    pub fn recognised(self) -> &'static [&'static str] {
        match self {
            Role::Id => ID_NAMES,
            Role::Title => TITLE_NAMES,
            Role::Text => TEXT_NAMES,
            Role::Label => LABEL_NAMES,
            Role::Region => REGION_NAMES,
            Role::Kind => KIND_NAMES,
            Role::Date => DATE_NAMES,
        }
    }

    /// The command-line flag that names the column for this role.
    pub fn flag(self) -> &'static str {
        match self {
            Role::Id => "--id-column",
            Role::Title => "--title-column",
            Role::Text => "--text-column",
            Role::Label => "--label-column",
            Role::Region => "--region-column",
            Role::Kind => "--kind-column",
            Role::Date => "--date-column",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Id => "id",
            Role::Title => "title",
            Role::Text => "text",
            Role::Label => "label",
            Role::Region => "region",
            Role::Kind => "kind",
            Role::Date => "date",
        })
    }
}

/// A column chosen by the user: by header / field name, or by 1-based position.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Column {
    /// A CSV header or JSONL field name; matched exactly first, then
    /// case-insensitively for ASCII, ignoring surrounding whitespace.
    Name(String),
    /// A 1-based column number, as a spreadsheet user counts (CSV only:
    /// JSONL fields have no order).
    Index(usize),
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Column::Name(name) => write!(f, "'{name}'"),
            Column::Index(index) => write!(f, "number {index}"),
        }
    }
}

/// Error from parsing a [`Column`] from a command-line string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid column '{input}': {reason}")]
pub struct ParseColumnError {
    /// The string that was given.
    pub input: String,
    /// Why it was rejected.
    pub reason: &'static str,
}

impl FromStr for Column {
    type Err = ParseColumnError;

    /// All ASCII digits means a 1-based [`Column::Index`]; anything else is a
    /// [`Column::Name`]. Surrounding whitespace is ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let err = |reason| ParseColumnError {
            input: s.to_string(),
            reason,
        };
        if trimmed.is_empty() {
            return Err(err("give a column name or a 1-based column number"));
        }
        if trimmed.bytes().all(|b| b.is_ascii_digit()) {
            let index: usize = trimmed
                .parse()
                .map_err(|_| err("column number is too large"))?;
            if index == 0 {
                return Err(err("column numbers start at 1"));
            }
            return Ok(Column::Index(index));
        }
        Ok(Column::Name(trimmed.to_string()))
    }
}

/// Which columns hold each part of a record. `None` means auto-detect from
/// the recognised names ([`Role::recognised`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    /// The id column.
    pub id: Option<Column>,
    /// The title column.
    pub title: Option<Column>,
    /// The text column.
    pub text: Option<Column>,
    /// The label column.
    pub label: Option<Column>,
    /// The region column.
    pub region: Option<Column>,
    /// The kind column.
    pub kind: Option<Column>,
    /// The date column.
    pub date: Option<Column>,
}

impl Columns {
    /// The column given for `role`, if any.
    pub fn get(&self, role: Role) -> Option<&Column> {
        match role {
            Role::Id => self.id.as_ref(),
            Role::Title => self.title.as_ref(),
            Role::Text => self.text.as_ref(),
            Role::Label => self.label.as_ref(),
            Role::Region => self.region.as_ref(),
            Role::Kind => self.kind.as_ref(),
            Role::Date => self.date.as_ref(),
        }
    }
}

/// Does a header / field name match a wanted name? Exact match after trimming,
/// or ASCII case-insensitive.
pub(crate) fn name_matches(header: &str, wanted: &str, exact: bool) -> bool {
    let header = header.trim_start_matches('\u{feff}').trim();
    let wanted = wanted.trim();
    if exact {
        header == wanted
    } else {
        header.eq_ignore_ascii_case(wanted)
    }
}

/// Position of `wanted` among `names`: exact match first, then ASCII
/// case-insensitive; positions in `taken` are skipped.
pub(crate) fn find_name<'a, I>(names: I, wanted: &str, taken: &[usize]) -> Option<usize>
where
    I: Iterator<Item = &'a str> + Clone,
{
    for exact in [true, false] {
        let hit = names
            .clone()
            .enumerate()
            .find(|(i, n)| !taken.contains(i) && name_matches(n, wanted, exact));
        if let Some((i, _)) = hit {
            return Some(i);
        }
    }
    None
}

/// Auto-detect a role's column among `names` from its recognised names, in
/// the order of the recognised list.
pub(crate) fn detect<'a, I>(names: I, role: Role, taken: &[usize]) -> Option<usize>
where
    I: Iterator<Item = &'a str> + Clone,
{
    role.recognised()
        .iter()
        .find_map(|wanted| find_name(names.clone(), wanted, taken))
}

/// `'a', 'b', 'c'` for error messages.
pub(crate) fn quote_list<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        return "(none)".to_string();
    }
    items
        .iter()
        .map(|s| format!("'{}'", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}
