//! Where a model comes from: a file, or bytes built into the binary (the shipped default).

use crate::{Model, ModelError};
use std::path::{Path, PathBuf};

/// A model file, or a model built into the binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    /// A model file, read when loaded (again on every reload).
    File(PathBuf),
    /// A model built into the binary; `name` is the file it was built from, for messages.
    BuiltIn {
        /// The file the bytes were built from (e.g. `models/default.model`).
        name: &'static str,
        /// The model file's bytes.
        bytes: &'static [u8],
    },
}

impl ModelSource {
    /// Loads and verifies the model.
    pub fn load(&self) -> Result<Model, ModelError> {
        match self {
            ModelSource::File(path) => Model::load(path),
            ModelSource::BuiltIn { name, bytes } => Model::from_bytes(bytes, Path::new(name)),
        }
    }
}

impl std::fmt::Display for ModelSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelSource::File(path) => write!(f, "{}", path.display()),
            ModelSource::BuiltIn { name, .. } => write!(f, "{name} (built into the binary)"),
        }
    }
}
