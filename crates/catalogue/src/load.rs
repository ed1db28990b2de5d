//! Loading and validating department files. Every error names the file and the line.

use pr_text::normalise;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Largest keyword weight; larger values are almost certainly typos (e.g. 30 for 3.0).
const MAX_WEIGHT: f64 = 10.0;

/// One department of the catalogue, validated, with keywords in normalised form.
#[derive(Debug, Clone)]
pub struct Department {
    /// Stable identifier, also the file name: `[a-z][a-z0-9_]{1,31}`.
    pub code: String,
    /// Official name.
    pub name: String,
    /// Other names people use (简称, names before 机构改革).
    pub aliases: Vec<String>,
    /// What the department is responsible for, in a few sentences.
    pub summary: String,
    /// History labels (事项分类) the department handles, most central first.
    pub categories: Vec<String>,
    /// Duty keywords and their weights.
    pub keywords: Vec<(String, f32)>,
    /// Keywords that point away from this department, and how strongly.
    pub negative: Vec<(String, f32)>,
    /// The file it was loaded from.
    pub source: PathBuf,
}

/// Why a catalogue was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The catalogue directory cannot be listed.
    #[error("cannot read catalogue directory {path}: {error}")]
    ReadDir {
        /// The catalogue directory.
        path: PathBuf,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// The directory holds no department file (`catalogue.toml` does not count).
    #[error("catalogue directory {path} has no department files (*.toml)")]
    Empty {
        /// The catalogue directory.
        path: PathBuf,
    },
    /// A department file or `catalogue.toml` cannot be read.
    #[error("cannot read {path}: {error}")]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// The Aho-Corasick automaton over all keywords could not be built (too many or too long
    /// keywords for its limits).
    #[error("{}: the keyword automaton cannot be built: {reason}", path.display())]
    Automaton {
        /// The catalogue directory.
        path: PathBuf,
        /// aho-corasick's build error.
        reason: String,
    },
    /// A file's content is refused: TOML syntax, an unknown field, a value out of range, or a
    /// code, name or alias another department already claims.
    #[error("{}:{line}: {message}", path.display())]
    Invalid {
        /// The file at fault.
        path: PathBuf,
        /// 1-based line of the offending value.
        line: usize,
        /// What is wrong and, where it helps, how to fix it.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDepartment {
    code: Spanned<String>,
    name: Spanned<String>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    summary: Spanned<String>,
    categories: Spanned<Vec<Spanned<String>>>,
    keywords: Spanned<BTreeMap<String, Spanned<f64>>>,
    #[serde(default)]
    negative: BTreeMap<String, Spanned<f64>>,
}

/// One file's text, for turning byte offsets into line numbers in errors.
pub(crate) struct Source<'a> {
    pub(crate) path: &'a Path,
    pub(crate) text: &'a str,
}

impl Source<'_> {
    pub(crate) fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    pub(crate) fn error(&self, offset: usize, message: impl Into<String>) -> CatalogueError {
        CatalogueError::Invalid {
            path: self.path.to_path_buf(),
            line: self.line(offset),
            message: message.into(),
        }
    }
}

/// Loads all department files of `dir` in file-name order, with a checksum of their contents.
/// A catalogue's files, read but not yet parsed: from a directory, or built into a binary.
#[derive(Debug, Clone)]
pub struct CatalogueFiles {
    /// Where the files are (or were, for a built-in copy): names them in messages.
    pub dir: PathBuf,
    /// The department files (`*.toml` but `catalogue.toml`): path and text, sorted by path.
    pub departments: Vec<(PathBuf, String)>,
    /// The text of `catalogue.toml`, if there is one.
    pub settings: Option<String>,
}

impl CatalogueFiles {
    /// Reads the department files and `catalogue.toml` of `dir`.
    pub fn read_dir(dir: &Path) -> Result<CatalogueFiles, CatalogueError> {
        let read_dir_error = |error| CatalogueError::ReadDir {
            path: dir.to_path_buf(),
            error,
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(read_dir_error)?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(read_dir_error)?;
        files.retain(|p| {
            p.extension().is_some_and(|e| e == "toml")
                && p.is_file()
                && p.file_name()
                    .is_some_and(|n| n != crate::settings::SETTINGS_FILE)
        });
        files.sort();
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|error| CatalogueError::ReadFile {
                path: path.to_path_buf(),
                error,
            })
        };
        let departments = files
            .into_iter()
            .map(|path| read(&path).map(|text| (path, text)))
            .collect::<Result<_, _>>()?;
        let settings_path = dir.join(crate::settings::SETTINGS_FILE);
        let settings = match settings_path.is_file() {
            true => Some(read(&settings_path)?),
            false => None,
        };
        Ok(CatalogueFiles {
            dir: dir.to_path_buf(),
            departments,
            settings,
        })
    }
}

/// Parses and checks the department files; returns them with the fingerprint of their names
/// and texts.
pub(crate) fn parse_departments(
    files: &CatalogueFiles,
) -> Result<(Vec<Department>, u32), CatalogueError> {
    if files.departments.is_empty() {
        return Err(CatalogueError::Empty {
            path: files.dir.clone(),
        });
    }
    let mut fingerprint = crc32fast::Hasher::new();
    let mut departments = Vec::with_capacity(files.departments.len());
    // Where each code / name / alias was first claimed, for cross-file conflicts.
    let mut claimed: HashMap<String, (String, String)> = HashMap::new();
    for (path, text) in &files.departments {
        fingerprint.update(path.file_name().unwrap_or_default().as_encoded_bytes());
        fingerprint.update(text.as_bytes());
        let src = Source { path, text };
        let (department, names) = parse_department(&src)?;
        for (name, span_start) in names {
            let here = format!("{}:{}", path.display(), src.line(span_start));
            if let Some((code, first)) = claimed.get(&name) {
                return Err(src.error(
                    span_start,
                    format!("'{name}' is already claimed by department '{code}' at {first}"),
                ));
            }
            claimed.insert(name, (department.code.clone(), here));
        }
        departments.push(department);
    }
    Ok((departments, fingerprint.finalize()))
}

/// Parses and checks one file; also returns the code, name and aliases with their offsets so
/// that the caller can check them against other files.
fn parse_department(src: &Source) -> Result<(Department, Vec<(String, usize)>), CatalogueError> {
    let raw: RawDepartment = toml::from_str(src.text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        src.error(offset, e.message().trim().to_string())
    })?;

    let code = department_code(src, &raw.code)?;
    let name = non_empty(src, &raw.name, "name")?;
    let summary = non_empty(src, &raw.summary, "summary")?;

    let mut names = vec![
        (code.to_string(), raw.code.span().start),
        (name.clone(), raw.name.span().start),
    ];
    let aliases = department_aliases(src, &raw.aliases, &mut names)?;
    let categories = department_categories(src, &raw.categories)?;

    if raw.keywords.get_ref().is_empty() {
        return Err(src.error(
            raw.keywords.span().start,
            "[keywords] is empty: a department needs duty keywords to be routed to",
        ));
    }
    let mut seen: HashMap<String, (usize, &'static str)> = HashMap::new();
    let keywords = weighted_terms(src, raw.keywords.get_ref(), "keywords", &mut seen)?;
    let negative = weighted_terms(src, &raw.negative, "negative", &mut seen)?;

    Ok((
        Department {
            code: code.to_string(),
            name,
            aliases,
            summary,
            categories,
            keywords,
            negative,
            source: src.path.to_path_buf(),
        },
        names,
    ))
}

/// The department's code, trimmed: well-formed and the same as the file's name.
fn department_code<'r>(src: &Source, raw: &'r Spanned<String>) -> Result<&'r str, CatalogueError> {
    let code = raw.get_ref().trim();
    if !valid_code(code) {
        return Err(src.error(
            raw.span().start,
            format!(
                "code '{code}' must be 2-32 characters of a-z, 0-9 and _, starting with a letter"
            ),
        ));
    }
    let stem = src.path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem != code {
        return Err(src.error(
            raw.span().start,
            format!("code '{code}' must match the file name: rename the file to {code}.toml"),
        ));
    }
    Ok(code)
}

/// The aliases, trimmed, each new among `names` (the code, the name and the earlier
/// aliases), to which each is added with its offset.
fn department_aliases(
    src: &Source,
    raw: &[Spanned<String>],
    names: &mut Vec<(String, usize)>,
) -> Result<Vec<String>, CatalogueError> {
    let mut aliases = Vec::with_capacity(raw.len());
    for alias in raw {
        let a = non_empty(src, alias, "alias")?;
        if names.iter().any(|(n, _)| *n == a) {
            return Err(src.error(alias.span().start, format!("alias '{a}' is listed twice")));
        }
        names.push((a.clone(), alias.span().start));
        aliases.push(a);
    }
    Ok(aliases)
}

/// The history labels the department handles, trimmed: at least one, none twice.
fn department_categories(
    src: &Source,
    raw: &Spanned<Vec<Spanned<String>>>,
) -> Result<Vec<String>, CatalogueError> {
    if raw.get_ref().is_empty() {
        return Err(src.error(
            raw.span().start,
            "categories is empty: list the history labels (事项分类) this department handles",
        ));
    }
    let mut categories: Vec<String> = Vec::new();
    for c in raw.get_ref() {
        let c_text = non_empty(src, c, "category")?;
        if categories.contains(&c_text) {
            return Err(src.error(
                c.span().start,
                format!("category '{c_text}' is listed twice"),
            ));
        }
        categories.push(c_text);
    }
    Ok(categories)
}

/// Validates a keyword table. `seen` holds the normalised terms of this file so far, so that
/// a term written twice (e.g. in full- and half-width) or both positive and negative is caught.
fn weighted_terms(
    src: &Source,
    table: &BTreeMap<String, Spanned<f64>>,
    table_name: &'static str,
    seen: &mut HashMap<String, (usize, &'static str)>,
) -> Result<Vec<(String, f32)>, CatalogueError> {
    let mut terms = Vec::with_capacity(table.len());
    for (term, weight) in table {
        let at = weight.span().start;
        let normalised = normalise(term);
        if normalised.chars().count() < 2 || normalised.contains(' ') {
            return Err(src.error(
                at,
                format!(
                    "[{table_name}] '{term}': a keyword needs at least 2 characters and no spaces"
                ),
            ));
        }
        let w = *weight.get_ref();
        if !(w.is_finite() && w > 0.0 && w <= MAX_WEIGHT) {
            return Err(src.error(
                at,
                format!("[{table_name}] '{term}' has weight {w}: weights must be above 0 and at most {MAX_WEIGHT}"),
            ));
        }
        if let Some((line, other_table)) = seen.get(&normalised) {
            return Err(src.error(
                at,
                format!(
                    "[{table_name}] '{term}' conflicts with the same keyword in [{other_table}] at line {line}: keep one entry with one weight"
                ),
            ));
        }
        seen.insert(normalised.clone(), (src.line(at), table_name));
        terms.push((normalised, w as f32));
    }
    Ok(terms)
}

fn non_empty(src: &Source, value: &Spanned<String>, field: &str) -> Result<String, CatalogueError> {
    let v = value.get_ref().trim();
    if v.is_empty() {
        return Err(src.error(value.span().start, format!("{field} is empty")));
    }
    Ok(v.to_string())
}

fn valid_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    (2..=32).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
}
