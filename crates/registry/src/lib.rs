//! A model registry: a directory of numbered model versions, each with its model card, and a
//! `current` symbolic link that the server loads. Switching rewrites the link with one atomic
//! rename, so a server that reloads (SIGHUP, ReloadModel) reads either the old model or the
//! new one, never half of one. Every switch is appended to `switches.jsonl`, which is what
//! `rollback` walks back along.
//!
//! ```text
//! DIR/versions/0001/model.model (+ model.card.json, model.card.md)
//! DIR/versions/0002/...
//! DIR/current -> versions/0002/model.model
//! DIR/switches.jsonl
//! ```

#![warn(missing_docs)]

use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One stored model version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// The version number, from 1 in the order models were added; its folder is
    /// `versions/NNNN` (zero-padded to four digits).
    pub number: u32,
    /// The model file inside the registry.
    pub model: PathBuf,
}

/// One line of `switches.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Switch {
    /// RFC 3339 UTC.
    pub at: String,
    /// Version serving before, if any.
    pub from: Option<u32>,
    /// Version serving after the switch.
    pub to: u32,
    /// promote, forced-promote or rollback.
    pub action: String,
}

/// Why a registry operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Reading or writing a file of the registry (or the model being added) failed.
    #[error("model registry {path}: {error}")]
    Io {
        /// The file or folder the operation was on.
        path: PathBuf,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// The registry's contents make no sense: `current` pointing outside `versions/`, a
    /// version without its model file, a damaged line of `switches.jsonl`.
    #[error("model registry {dir}: {message}")]
    Invalid {
        /// The registry directory.
        dir: PathBuf,
        /// What is wrong, naming the file or line.
        message: String,
    },
}

/// The action recorded for a rollback.
pub const ROLLBACK: &str = "rollback";

/// The files that travel with a model: its card beside it (`X.model` → `X.card.json`, …).
const CARD_EXTENSIONS: [&str; 2] = ["card.json", "card.md"];

/// A model registry directory.
#[derive(Debug, Clone)]
pub struct Registry {
    dir: PathBuf,
}

impl Registry {
    /// Opens `dir`, creating it and its `versions/` folder when missing.
    pub fn open(dir: &Path) -> Result<Registry, RegistryError> {
        let registry = Registry {
            dir: dir.to_path_buf(),
        };
        let versions = registry.dir.join("versions");
        fs::create_dir_all(&versions).map_err(|e| registry.io(&versions, e))?;
        Ok(registry)
    }

    /// The link the server should load (`--model DIR/current`).
    pub fn current_link(&self) -> PathBuf {
        self.dir.join("current")
    }

    fn io(&self, path: &Path, error: std::io::Error) -> RegistryError {
        RegistryError::Io {
            path: path.to_path_buf(),
            error,
        }
    }

    fn invalid(&self, message: String) -> RegistryError {
        RegistryError::Invalid {
            dir: self.dir.clone(),
            message,
        }
    }

    fn version(&self, number: u32) -> Version {
        Version {
            number,
            model: self
                .dir
                .join("versions")
                .join(format!("{number:04}"))
                .join("model.model"),
        }
    }

    /// Stored versions, oldest first.
    pub fn versions(&self) -> Result<Vec<Version>, RegistryError> {
        let dir = self.dir.join("versions");
        let mut numbers: Vec<u32> = fs::read_dir(&dir)
            .map_err(|e| self.io(&dir, e))?
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        numbers.sort_unstable();
        Ok(numbers.into_iter().map(|n| self.version(n)).collect())
    }

    /// The version `current` points at; `None` before the first promotion.
    pub fn current(&self) -> Result<Option<Version>, RegistryError> {
        let link = self.current_link();
        let target = match fs::read_link(&link) {
            Ok(target) => target,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io(&link, e)),
        };
        // versions/NNNN/model.model
        let number = target
            .parent()
            .and_then(Path::file_name)
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                self.invalid(format!(
                    "`current` points at {}, not at a stored version",
                    target.display()
                ))
            })?;
        Ok(Some(self.version(number)))
    }

    /// Copies `model` and its card files into the next version folder.
    pub fn add(&self, model: &Path) -> Result<Version, RegistryError> {
        let next = self.versions()?.last().map_or(1, |v| v.number + 1);
        let version = self.version(next);
        let folder = version.model.parent().expect("a version has a folder");
        fs::create_dir_all(folder).map_err(|e| self.io(folder, e))?;
        fs::copy(model, &version.model).map_err(|e| self.io(model, e))?;
        for extension in CARD_EXTENSIONS {
            let card = model.with_extension(extension);
            if card.exists() {
                let to = version.model.with_extension(extension);
                fs::copy(&card, &to).map_err(|e| self.io(&card, e))?;
            }
        }
        Ok(version)
    }

    /// Points `current` at `to` atomically and records the switch.
    pub fn switch(&self, to: &Version, action: &str) -> Result<Switch, RegistryError> {
        if !to.model.exists() {
            return Err(self.invalid(format!("version {} has no model file", to.number)));
        }
        let from = self.current()?.map(|v| v.number);
        let relative = to
            .model
            .strip_prefix(&self.dir)
            .expect("versions live inside the registry");
        let staged = self.dir.join("current.switching");
        let _ = fs::remove_file(&staged);
        std::os::unix::fs::symlink(relative, &staged).map_err(|e| self.io(&staged, e))?;
        // rename(2) replaces the old link in one step: a reader sees the old or the new one.
        fs::rename(&staged, self.current_link()).map_err(|e| self.io(&staged, e))?;
        let switch = Switch {
            at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            from,
            to: to.number,
            action: action.to_string(),
        };
        let log = self.dir.join("switches.jsonl");
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|e| self.io(&log, e))?;
        let line = serde_json::to_string(&switch).expect("a switch serialises");
        writeln!(file, "{line}").map_err(|e| self.io(&log, e))?;
        Ok(switch)
    }

    /// The recorded switches, oldest first.
    pub fn switches(&self) -> Result<Vec<Switch>, RegistryError> {
        let log = self.dir.join("switches.jsonl");
        let text = match fs::read_to_string(&log) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io(&log, e)),
        };
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l)
                    .map_err(|e| self.invalid(format!("switches.jsonl line {}: {e}", i + 1)))
            })
            .collect()
    }

    /// Where a rollback goes: the version that served before the current one was promoted.
    /// Rollbacks themselves are skipped, so that rolling back twice walks two steps back
    /// instead of swapping between two versions.
    pub fn previous(&self) -> Result<Option<Version>, RegistryError> {
        let Some(current) = self.current()? else {
            return Ok(None);
        };
        Ok(self
            .switches()?
            .iter()
            .rev()
            .find(|s| s.to == current.number && s.action != ROLLBACK)
            .and_then(|s| s.from)
            .map(|n| self.version(n)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_file(dir: &Path, name: &str, bytes: &str) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, bytes).unwrap();
        fs::write(path.with_extension("card.md"), format!("card of {name}")).unwrap();
        path
    }

    #[test]
    fn promotes_and_rolls_back_through_numbered_versions() {
        let work = tempfile::tempdir().unwrap();
        let registry = Registry::open(&work.path().join("registry")).unwrap();
        assert_eq!(registry.current().unwrap(), None);
        assert_eq!(registry.previous().unwrap(), None);

        let a = registry
            .add(&model_file(work.path(), "a.model", "A"))
            .unwrap();
        registry.switch(&a, "promote").unwrap();
        let b = registry
            .add(&model_file(work.path(), "b.model", "B"))
            .unwrap();
        assert_eq!((a.number, b.number), (1, 2));
        let s = registry.switch(&b, "promote").unwrap();
        assert_eq!((s.from, s.to), (Some(1), 2));

        // The link reads as the current model's bytes, and its card travelled with it.
        assert_eq!(fs::read_to_string(registry.current_link()).unwrap(), "B");
        let card = b.model.with_extension("card.md");
        assert_eq!(fs::read_to_string(card).unwrap(), "card of b.model");

        let previous = registry.previous().unwrap().unwrap();
        assert_eq!(previous.number, 1);
        registry.switch(&previous, ROLLBACK).unwrap();
        assert_eq!(fs::read_to_string(registry.current_link()).unwrap(), "A");
        assert_eq!(registry.current().unwrap().unwrap().number, 1);
        // Rolling back again: version 1 was made current by the first promotion, from nothing.
        assert_eq!(registry.previous().unwrap(), None);
        assert_eq!(registry.switches().unwrap().len(), 3);
        assert_eq!(registry.versions().unwrap().len(), 2);
    }

    #[test]
    fn a_damaged_log_is_refused_with_its_line() {
        let work = tempfile::tempdir().unwrap();
        let registry = Registry::open(work.path()).unwrap();
        fs::write(work.path().join("switches.jsonl"), "{}\n").unwrap();
        let e = registry.switches().unwrap_err().to_string();
        assert!(e.contains("switches.jsonl line 1"), "{e}");
    }
}
