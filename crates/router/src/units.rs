//! Handling units on two axes (谁主管谁负责 × 属地管理): a unit is a place and a line of duty.
//!
//! History labels are unit names as petition systems export them: 甘井子区城建局, 瓦房店市人民政府,
//! 瓦房店市, 环保局, 大连市公共行政服务中心. Each is split with the gazetteer into the place it
//! starts with (a district or a town; none for the jurisdiction's own departments) and the rest,
//! which names the line of duty. The rest is resolved through the catalogue's names and aliases
//! (环保局 and 环境保护局 are both `ecology_environment`), and every form of "the government of
//! this place" (人民政府, 办事处, 管委会, or the bare place name) is one line. Two labels with
//! the same place and line are one unit under two names: training, evaluation and promotion
//! compare through the unit, never the spelling.

use crate::engine::Level;
use pr_catalogue::{Catalogue, LabelTarget};
use pr_locality::{Aliases, Code, Gazetteer, Level as PlaceLevel};
use std::collections::HashMap;

/// The line of duty of a place's own government (区政府, 街道办事处, 镇政府, 管委会), as
/// catalogue units name it.
pub const GOVERNMENT: &str = pr_catalogue::GOVERNMENT_LINE;

/// Ways to name the government of a place, after the place name.
const GOVERNMENT_NAMES: &[&str] = &[
    "",
    "人民政府",
    "政府",
    "区政府",
    "县政府",
    "市政府",
    "镇政府",
    "乡政府",
    "办事处",
    "街道办事处",
    "街道办",
    "管理委员会",
    "管委会",
];

/// A unit's identity: where and which line of duty.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitKey {
    /// The district or town; `None` for a unit of the jurisdiction itself (city level).
    pub place: Option<Code>,
    /// A catalogue department code, [`GOVERNMENT`], or the normalised rest of the name.
    pub line: String,
}

/// A unit: its key and level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Its place and line of duty.
    pub key: UnitKey,
    /// City, district or town: the level of its place.
    pub level: Level,
}

/// Splits unit names into place and line of duty within one jurisdiction.
pub struct UnitParser<'a> {
    gazetteer: &'a Gazetteer,
    catalogue: &'a Catalogue,
    jurisdiction: Option<Code>,
    aliases: &'a Aliases,
}

impl<'a> UnitParser<'a> {
    /// A parser for names of units of `jurisdiction`, whose place names are looked up there
    /// first (`None`: no scope, so a bare town name places nothing), with the catalogue's
    /// declared units and lines of duty and its local place names (`aliases`).
    pub fn new(
        gazetteer: &'a Gazetteer,
        catalogue: &'a Catalogue,
        jurisdiction: Option<Code>,
        aliases: &'a Aliases,
    ) -> Self {
        UnitParser {
            gazetteer,
            catalogue,
            jurisdiction,
            aliases,
        }
    }

    /// The unit a name stands for: a unit the catalogue declares under that name or alias,
    /// else what the name's place and rest say.
    pub fn parse(&self, name: &str) -> Unit {
        let name = name.trim();
        let declared = self
            .catalogue
            .units()
            .iter()
            .find(|u| u.name == name || u.aliases.iter().any(|a| a == name));
        if let Some(u) = declared {
            let level = match u.place.level() {
                PlaceLevel::Town => Level::Town,
                _ => Level::District,
            };
            return Unit {
                key: UnitKey {
                    place: Some(u.place),
                    line: u.line.clone(),
                },
                level,
            };
        }
        let split = self
            .gazetteer
            .split_unit_name(name, self.jurisdiction, self.aliases);
        // Only districts and towns make a local unit; a city or province prefix (大连市商务局)
        // names the jurisdiction's own department, like the bare 商务局.
        let (place, level) = match split.place.map(|p| (p, p.level())) {
            Some((p, PlaceLevel::County)) => (Some(p), Level::District),
            Some((p, PlaceLevel::Town)) => (Some(p), Level::Town),
            _ => (None, Level::City),
        };
        let rest = if place.is_some() || split.place.is_some() {
            split.rest
        } else {
            name
        };
        Unit {
            key: UnitKey {
                place,
                line: self.line_of(rest),
            },
            level,
        }
    }

    /// The line of duty a name (without its place) stands for.
    fn line_of(&self, rest: &str) -> String {
        let rest = rest.trim();
        if GOVERNMENT_NAMES.contains(&rest) {
            return GOVERNMENT.to_string();
        }
        match self.catalogue.resolve_label(rest) {
            LabelTarget::Department(d) => self.catalogue.departments()[d].code.clone(),
            _ => rest.to_string(),
        }
    }
}

/// The jurisdiction most labels' places lie in: the city (地级市) that holds the districts and
/// towns the labels name, when at least two labels and more than half of the placed ones
/// agree. `None` for histories labelled with categories or city departments only.
pub fn infer_jurisdiction<'s>(
    gazetteer: &Gazetteer,
    labels: impl IntoIterator<Item = &'s str>,
    aliases: &Aliases,
) -> Option<Code> {
    let mut cities: HashMap<Code, usize> = HashMap::new();
    let mut placed = 0;
    for label in labels {
        let Some(place) = gazetteer.split_unit_name(label, None, aliases).place else {
            continue;
        };
        let Some(city) = gazetteer.ancestor_at(place, PlaceLevel::City) else {
            continue;
        };
        placed += 1;
        *cities.entry(city).or_default() += 1;
    }
    let (city, n) = cities
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?;
    (n >= 2 && 2 * n > placed).then_some(city)
}

/// The model's labels as units, indexed for routing on both axes, followed by the units the
/// catalogue declares that no label names ("virtual" labels: the model has no score for
/// them, routing reaches them by place and line of duty).
#[derive(Debug, Clone, Default)]
pub struct UnitSpace {
    /// Per label (model labels, then virtual ones).
    units: Vec<Unit>,
    /// Number of model labels.
    model_labels: usize,
    /// Names of the virtual labels.
    virtual_names: Vec<String>,
    /// Per model label: its line of duty, numbered.
    line_ids: Vec<u32>,
    /// Line numbers by line.
    line_numbers: HashMap<String, u32>,
    /// Lines by number.
    line_names: Vec<String>,
    /// Per model label: the number of its district (county-level division), or
    /// `districts.len()` for a city-level unit.
    district_ids: Vec<u32>,
    /// The districts of the labels, numbered.
    districts: Vec<Code>,
    /// Label per (place, line number).
    by_key: HashMap<(Option<Code>, u32), usize>,
}

impl UnitSpace {
    /// The units of `labels` (one name per unit, as training leaves them); `district_of`
    /// gives the county-level division of a place.
    pub fn new(
        labels: &[String],
        parser: &UnitParser,
        district_of: impl Fn(Code) -> Option<Code>,
    ) -> Self {
        Self::with_declared(labels, parser, district_of, &[])
    }

    /// [`UnitSpace::new`], plus the `declared` units that no label names, as virtual labels.
    pub fn with_declared(
        labels: &[String],
        parser: &UnitParser,
        district_of: impl Fn(Code) -> Option<Code>,
        declared: &[pr_catalogue::DeclaredUnit],
    ) -> Self {
        let mut units: Vec<Unit> = labels.iter().map(|l| parser.parse(l)).collect();
        let mut virtual_names = Vec::new();
        for d in declared {
            let unit = parser.parse(&d.name);
            if !units.iter().any(|u| u.key == unit.key) {
                units.push(unit);
                virtual_names.push(d.name.clone());
            }
        }
        let mut line_numbers: HashMap<String, u32> = HashMap::new();
        let mut line_names: Vec<String> = Vec::new();
        let line_ids: Vec<u32> = units
            .iter()
            .map(|u| {
                let next = line_numbers.len() as u32;
                *line_numbers.entry(u.key.line.clone()).or_insert_with(|| {
                    line_names.push(u.key.line.clone());
                    next
                })
            })
            .collect();
        let of_label: Vec<Option<Code>> = units
            .iter()
            .map(|u| u.key.place.and_then(&district_of))
            .collect();
        let mut districts: Vec<Code> = of_label.iter().flatten().copied().collect();
        districts.sort_unstable();
        districts.dedup();
        let district_ids = of_label
            .iter()
            .map(|d| match d {
                Some(d) => districts.binary_search(d).unwrap_or(districts.len()) as u32,
                None => districts.len() as u32,
            })
            .collect();
        let mut by_key = HashMap::with_capacity(units.len());
        for (label, u) in units.iter().enumerate() {
            by_key
                .entry((u.key.place, line_ids[label]))
                .or_insert(label);
        }
        UnitSpace {
            units,
            model_labels: labels.len(),
            virtual_names,
            line_ids,
            line_numbers,
            line_names,
            district_ids,
            districts,
            by_key,
        }
    }

    pub fn unit(&self, label: usize) -> &Unit {
        &self.units[label]
    }

    /// The name of a virtual label (a declared unit the model has no label for).
    pub fn virtual_name(&self, label: usize) -> Option<&str> {
        let i = label.checked_sub(self.model_labels)?;
        self.virtual_names.get(i).map(String::as_str)
    }

    /// The names of the virtual labels, in label order.
    pub fn virtual_names(&self) -> &[String] {
        &self.virtual_names
    }

    /// Number of distinct lines of duty.
    pub fn lines(&self) -> usize {
        self.line_numbers.len()
    }

    pub fn line_id(&self, label: usize) -> usize {
        self.line_ids[label] as usize
    }

    /// The lines of duty, by number.
    pub fn line_names(&self) -> &[String] {
        &self.line_names
    }

    /// The number of a line of duty.
    pub fn line_number(&self, line: &str) -> Option<usize> {
        self.line_numbers.get(line).map(|&l| l as usize)
    }

    /// The number of the line of the places' governments, if any label has it.
    pub fn government_line(&self) -> Option<usize> {
        self.line_numbers.get(GOVERNMENT).map(|&l| l as usize)
    }

    /// Number of districts that have units; district number `districts()` stands for the
    /// city level.
    pub fn districts(&self) -> usize {
        self.districts.len()
    }

    /// The district number of a label ([`UnitSpace::districts`] for a city-level unit).
    pub fn district_id(&self, label: usize) -> usize {
        self.district_ids[label] as usize
    }

    /// The district code of a district number.
    pub fn district_code(&self, id: usize) -> Option<Code> {
        self.districts.get(id).copied()
    }

    /// The district of a label's unit.
    pub fn district(&self, label: usize) -> Option<Code> {
        self.district_code(self.district_id(label))
    }

    /// Whether any label is a district or town unit.
    pub fn has_local_units(&self) -> bool {
        !self.districts.is_empty()
    }

    /// The label of the unit at `place` on line number `line`.
    pub fn label_at(&self, place: Option<Code>, line: usize) -> Option<usize> {
        self.by_key.get(&(place, line as u32)).copied()
    }

    /// The catalogue department of a label's line of duty, if the line is one.
    pub fn line_department(&self, label: usize, catalogue: &Catalogue) -> Option<usize> {
        match catalogue.resolve_label(&self.units[label].key.line) {
            LabelTarget::Department(d) => Some(d),
            _ => None,
        }
    }

    /// The label of the unit with this key.
    pub fn label_of(&self, key: &UnitKey) -> Option<usize> {
        let line = *self.line_numbers.get(&key.line)?;
        self.label_at(key.place, line as usize)
    }
}
