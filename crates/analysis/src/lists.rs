//! The admin-edited lists behind channels and risks: one TOML file per kind, read from a
//! directory or built into the binary, checked before anything is swapped in.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A directory of list files, or files built into the binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListSource {
    /// A directory, read when loaded (again on every reload).
    Dir(PathBuf),
    /// Files built into the binary, sorted by name.
    BuiltIn {
        /// The directory they were built from (e.g. `risk-lists`), for messages.
        name: &'static str,
        /// File name and text of each `*.toml` file.
        files: &'static [(&'static str, &'static str)],
    },
}

impl std::fmt::Display for ListSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ListSource::Dir(dir) => write!(f, "{}", dir.display()),
            ListSource::BuiltIn { name, .. } => write!(f, "{name} (built into the binary)"),
        }
    }
}

/// Why a list directory or file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The directory or a file in it cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The directory or file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A file is not valid TOML or does not follow the list format; the reason names the
    /// line and column.
    #[error("{path}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong and where.
        reason: String,
    },
    /// Two files declare the same kind.
    #[error("{path}: kind {kind:?} is already declared by {first}")]
    DuplicateKind {
        /// The second file.
        path: PathBuf,
        /// The kind.
        kind: String,
        /// The file that declared it first.
        first: String,
    },
}

/// How serious a risk is; `high` sets `needs_review`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a note.
    Low,
    /// A clerk should read it.
    Medium,
    /// A clerk must look before dispatch.
    High,
}

/// A group of cue phrases with what they count for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CueGroup {
    pub phrases: Vec<String>,
    /// When given, a phrase counts only with one of these within `within` characters.
    #[serde(default)]
    pub near: Vec<String>,
    #[serde(default = "default_within")]
    pub within: usize,
    /// Channels: what each phrase found adds.
    #[serde(default = "default_weight")]
    pub weight: f32,
    /// Risks: this group's severity instead of the file's.
    #[serde(default)]
    pub severity: Option<Severity>,
}

fn default_within() -> usize {
    20
}

fn default_weight() -> f32 {
    1.0
}

/// One file of a list directory, parsed.
#[derive(Debug, Clone)]
pub(crate) struct ListFile<K> {
    pub path: PathBuf,
    pub list: K,
}

/// The shape of one kind of list file (risk or channel); each declares `not` and `cues`
/// itself, so that serde refuses unknown keys (`deny_unknown_fields` does not reach through
/// `flatten`).
pub(crate) trait List: for<'de> Deserialize<'de> {
    /// The kind it declares, as written.
    fn kind(&self) -> String;
    /// Idioms in which a cue is no cue.
    fn not(&self) -> &[String];
    /// The cue groups.
    fn cues(&self) -> &[CueGroup];
    /// What else is wrong with it, if anything.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

/// The `kind`, `not` and `cues` accessors of a list type whose fields carry those names.
macro_rules! list_fields {
    () => {
        fn kind(&self) -> String {
            self.kind.as_str().to_string()
        }
        fn not(&self) -> &[String] {
            &self.not
        }
        fn cues(&self) -> &[CueGroup] {
            &self.cues
        }
    };
}
pub(crate) use list_fields;

/// Reads, parses and checks every `*.toml` file of a source (sorted by name), and a
/// fingerprint of their texts for the version.
pub(crate) fn load<K: List>(source: &ListSource) -> Result<(Vec<ListFile<K>>, u32), ListError> {
    let texts = match source {
        ListSource::Dir(dir) => read_dir(dir)?,
        ListSource::BuiltIn { name, files } => files
            .iter()
            .map(|(n, t)| (Path::new(name).join(n), t.to_string()))
            .collect(),
    };
    let mut hasher = crc32fast::Hasher::new();
    let mut files: Vec<ListFile<K>> = Vec::with_capacity(texts.len());
    for (path, text) in texts {
        hasher.update(path.file_name().unwrap_or_default().as_encoded_bytes());
        hasher.update(text.as_bytes());
        let file = parse::<K>(&path, &text)?;
        if let Some(first) = files.iter().find(|f| f.list.kind() == file.list.kind()) {
            return Err(ListError::DuplicateKind {
                kind: file.list.kind(),
                first: first.path.display().to_string(),
                path,
            });
        }
        files.push(file);
    }
    Ok((files, hasher.finalize()))
}

fn read_dir(dir: &Path) -> Result<Vec<(PathBuf, String)>, ListError> {
    let read_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ListError::Read { path, source }
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error(dir))? {
        let path = entry.map_err(read_error(dir))?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(read_error(&p))?;
            Ok((p, text))
        })
        .collect()
}

fn parse<K: List>(path: &Path, text: &str) -> Result<ListFile<K>, ListError> {
    let invalid = |reason: String| ListError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let list: K = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
    list.check().map_err(invalid)?;
    for (i, group) in list.cues().iter().enumerate() {
        check_group(group).map_err(|e| invalid(format!("[[cues]] number {}: {e}", i + 1)))?;
    }
    if let Some(blank) = list.not().iter().find(|p| p.trim().is_empty()) {
        return Err(invalid(format!("`not` holds a blank phrase {blank:?}")));
    }
    Ok(ListFile {
        path: path.to_path_buf(),
        list,
    })
}

fn check_group(group: &CueGroup) -> Result<(), String> {
    if group.phrases.is_empty() {
        return Err("`phrases` is empty".into());
    }
    let words = group.phrases.iter().chain(&group.near);
    if let Some(blank) = words.clone().find(|p| p.trim().is_empty()) {
        return Err(format!("blank phrase {blank:?}"));
    }
    if let Some(cased) = words.clone().find(|p| p.chars().any(char::is_uppercase)) {
        return Err(format!(
            "phrase {cased:?} has upper-case letters: petitions are matched lower-cased, so write it in lower case"
        ));
    }
    if !(group.weight > 0.0 && group.weight <= 10.0) {
        return Err(format!("weight {} is not in (0, 10]", group.weight));
    }
    if !group.near.is_empty() && !(1..=200).contains(&group.within) {
        return Err(format!("within {} is not in 1..=200", group.within));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Plain {
        kind: String,
        #[serde(default)]
        not: Vec<String>,
        #[serde(default)]
        cues: Vec<CueGroup>,
    }
    impl List for Plain {
        fn kind(&self) -> String {
            self.kind.clone()
        }
        fn not(&self) -> &[String] {
            &self.not
        }
        fn cues(&self) -> &[CueGroup] {
            &self.cues
        }
    }

    fn dir(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn a_bad_file_is_refused_with_its_path_and_line() {
        let d = dir(&[(
            "a.toml",
            "kind = \"a\"\n\n[[cues]]\nphrases = [\"x\"]\nweight = 11.0\n",
        )]);
        let e = load::<Plain>(&ListSource::Dir(d.path().into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("a.toml") && e.contains("weight 11"), "{e}");
        let d = dir(&[("b.toml", "kind = \"b\"\nphrase = [\"x\"]\n")]);
        let e = load::<Plain>(&ListSource::Dir(d.path().into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("b.toml") && e.contains("line 2"), "{e}");
    }

    #[test]
    fn a_kind_declared_twice_is_refused() {
        let d = dir(&[("a.toml", "kind = \"x\"\n"), ("b.toml", "kind = \"x\"\n")]);
        let e = load::<Plain>(&ListSource::Dir(d.path().into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("b.toml") && e.contains("a.toml"), "{e}");
    }

    #[test]
    fn upper_case_and_empty_phrases_are_refused() {
        for cues in ["phrases = [\"ABC\"]", "phrases = []", "phrases = [\" \"]"] {
            let d = dir(&[("a.toml", &format!("kind = \"a\"\n[[cues]]\n{cues}\n"))]);
            assert!(
                load::<Plain>(&ListSource::Dir(d.path().into())).is_err(),
                "{cues}"
            );
        }
    }

    #[test]
    fn the_same_files_give_the_same_fingerprint_from_disk_or_built_in() {
        const FILES: &[(&str, &str)] = &[("a.toml", "kind = \"a\"\n")];
        let d = dir(FILES);
        let (_, on_disk) = load::<Plain>(&ListSource::Dir(d.path().into())).unwrap();
        let built_in = ListSource::BuiltIn {
            name: "lists",
            files: FILES,
        };
        assert_eq!(load::<Plain>(&built_in).unwrap().1, on_disk);
    }
}
