//! The department catalogue (部门职责清单 + 关键词库): one TOML file per department, loaded and
//! validated as a whole, and a keyword scorer that reads a petition once for all departments.

#![warn(missing_docs)]

mod load;
mod scorer;
mod settings;

pub use load::{CatalogueError, CatalogueFiles, Department};
pub use scorer::{KeywordHit, KeywordScores};
pub use settings::{DeclaredUnit, Settings, GOVERNMENT_LINE, SETTINGS_FILE};

use scorer::KeywordScorer;
use std::collections::BTreeMap;
use std::path::Path;

/// A validated set of departments with their keyword scorer.
#[derive(Debug)]
pub struct Catalogue {
    departments: Vec<Department>,
    /// Department indices per category label (事项分类), in catalogue order.
    by_category: BTreeMap<String, Vec<usize>>,
    /// Department index per code, name and alias.
    by_name: BTreeMap<String, usize>,
    scorer: KeywordScorer,
    settings: Settings,
    version: String,
}

/// What a history label means in terms of departments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelTarget {
    /// The label names one department (code, name or alias).
    Department(usize),
    /// The label is a category handled by these departments.
    Category(Vec<usize>),
    /// No department knows the label: it is routed to as a target of its own.
    Unknown,
}

/// A keyword-list directory, or keyword lists built into the binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogueSource {
    /// A directory, read when loaded (again on every reload).
    Dir(std::path::PathBuf),
    /// Files built into the binary, sorted by name; `name` is the directory they were built
    /// from, for messages.
    BuiltIn {
        /// The directory the files were built from (e.g. `keyword-lists`).
        name: &'static str,
        /// File name and text of each `*.toml` file.
        files: &'static [(&'static str, &'static str)],
    },
}

impl std::fmt::Display for CatalogueSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CatalogueSource::Dir(dir) => write!(f, "{}", dir.display()),
            CatalogueSource::BuiltIn { name, .. } => write!(f, "{name} (built into the binary)"),
        }
    }
}

impl Catalogue {
    /// Loads every `*.toml` file of `dir`; any invalid file or cross-file conflict is an error
    /// naming the file and line.
    pub fn load_dir(dir: &Path) -> Result<Catalogue, CatalogueError> {
        Catalogue::from_files(&CatalogueFiles::read_dir(dir)?)
    }

    /// Loads the catalogue from its source.
    pub fn load(source: &CatalogueSource) -> Result<Catalogue, CatalogueError> {
        match source {
            CatalogueSource::Dir(dir) => Catalogue::load_dir(dir),
            CatalogueSource::BuiltIn { name, files } => {
                let dir = std::path::PathBuf::from(name);
                let text = |n: &str| files.iter().find(|f| f.0 == n).map(|f| f.1.to_string());
                Catalogue::from_files(&CatalogueFiles {
                    departments: files
                        .iter()
                        .filter(|(n, _)| *n != SETTINGS_FILE)
                        .map(|(n, t)| (dir.join(n), t.to_string()))
                        .collect(),
                    settings: text(SETTINGS_FILE),
                    dir,
                })
            }
        }
    }

    /// Parses and checks a catalogue's files, read from a directory or built into a binary;
    /// the same files give the same catalogue and version wherever they come from.
    pub fn from_files(files: &CatalogueFiles) -> Result<Catalogue, CatalogueError> {
        let (departments, fingerprint) = load::parse_departments(files)?;
        let (settings, settings_text) =
            settings::load(files, pr_locality::Gazetteer::shipped(), &departments)?;
        let scorer = KeywordScorer::new(&departments).map_err(|e| CatalogueError::Automaton {
            path: files.dir.clone(),
            reason: e.to_string(),
        })?;
        let fingerprint = match settings_text.is_empty() {
            true => fingerprint,
            false => crc32fast::hash(&[&fingerprint.to_le_bytes()[..], &settings_text].concat()),
        };
        Ok(Self::assemble(departments, scorer, settings, fingerprint))
    }

    fn assemble(
        departments: Vec<Department>,
        scorer: KeywordScorer,
        settings: Settings,
        fingerprint: u32,
    ) -> Catalogue {
        let mut by_category: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut by_name = BTreeMap::new();
        for (i, d) in departments.iter().enumerate() {
            for c in &d.categories {
                by_category.entry(c.clone()).or_default().push(i);
            }
            for n in std::iter::once(&d.code)
                .chain(std::iter::once(&d.name))
                .chain(&d.aliases)
            {
                by_name.insert(n.clone(), i);
            }
        }
        let version = format!("{}-{:08x}", departments.len(), fingerprint);
        Catalogue {
            departments,
            by_category,
            by_name,
            scorer,
            settings,
            version,
        }
    }

    /// The jurisdiction, place aliases and units of `catalogue.toml` (none without that file).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The local units `catalogue.toml` declares (district / county and town bodies), in file
    /// order; each inherits its line's keywords.
    pub fn units(&self) -> &[DeclaredUnit] {
        &self.settings.units
    }

    /// Departments in a stable order (by file name).
    pub fn departments(&self) -> &[Department] {
        &self.departments
    }

    /// Content fingerprint: department count and a checksum of all files.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Category labels handled by at least one department.
    pub fn categories(&self) -> impl Iterator<Item = &str> {
        self.by_category.keys().map(String::as_str)
    }

    /// Resolves a history label to departments. Department names match with or without the
    /// `市` prefix that exports often drop.
    pub fn resolve_label(&self, label: &str) -> LabelTarget {
        let label = label.trim();
        if let Some(&i) = self
            .by_name
            .get(label)
            .or_else(|| self.by_name.get(&format!("市{label}")))
            .or_else(|| label.strip_prefix('市').and_then(|l| self.by_name.get(l)))
        {
            return LabelTarget::Department(i);
        }
        match self.by_category.get(label) {
            Some(ds) => LabelTarget::Category(ds.clone()),
            None => LabelTarget::Unknown,
        }
    }

    /// Every distinct keyword, for the segmenter's dictionary.
    pub fn keywords(&self) -> impl Iterator<Item = &str> {
        self.scorer.patterns()
    }

    /// The text of keyword `id` of a [`KeywordHit`].
    pub fn keyword(&self, id: u32) -> &str {
        self.scorer.keyword(id)
    }

    /// Scores already normalised `text` for all departments in one pass.
    pub fn score(&self, text: &str, out: &mut KeywordScores) {
        self.scorer.score(text, out);
    }
}

#[cfg(test)]
mod tests;
