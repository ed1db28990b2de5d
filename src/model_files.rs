//! Where the shipped default model and keyword lists are found: a flag, else an environment
//! variable, else the copies in the source tree this binary was built from; and loading them
//! into an engine.

use pr_catalogue::Catalogue;
use pr_model::Model;
use pr_router::{Engine, EngineOptions};
use std::path::{Path, PathBuf};

const DEFAULT_MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/default.model");
const DEFAULT_CATALOGUE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/keyword-lists");

/// The model path: `flag`, else `$PETITION_ROUTER_MODEL`, else the shipped default.
pub fn model(flag: Option<PathBuf>) -> PathBuf {
    flag.or_else(|| std::env::var_os("PETITION_ROUTER_MODEL").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_MODEL))
}

/// The catalogue directory: `flag`, else `$PETITION_ROUTER_CATALOGUE`, else the shipped lists.
pub fn catalogue(flag: Option<PathBuf>) -> PathBuf {
    flag.or_else(|| std::env::var_os("PETITION_ROUTER_CATALOGUE").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CATALOGUE))
}

/// Loads a model and a keyword-list directory into an engine.
pub fn load_engine(model: &Path, catalogue: &Path) -> anyhow::Result<Engine> {
    let model = Model::load(model)?;
    let catalogue = Catalogue::load_dir(catalogue)?;
    Ok(Engine::new(model, catalogue, EngineOptions::default())?)
}
