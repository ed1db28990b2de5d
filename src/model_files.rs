//! The model and keyword lists a command uses: a flag, else an environment variable, else the
//! shipped default built into the binary (so that a copied binary or `cargo install` routes
//! without the source tree); and loading them into an engine.

use pr_catalogue::{Catalogue, CatalogueSource};
use pr_model::ModelSource;
use pr_router::{Engine, EngineOptions};
use std::path::PathBuf;

mod shipped {
    include!(concat!(env!("OUT_DIR"), "/shipped.rs"));
}

/// The model: `flag`, else `$PETITION_ROUTER_MODEL`, else the shipped default.
pub fn model(flag: Option<PathBuf>) -> ModelSource {
    flag.or_else(|| std::env::var_os("PETITION_ROUTER_MODEL").map(PathBuf::from))
        .map_or_else(shipped_model, ModelSource::File)
}

/// The keyword lists: `flag`, else `$PETITION_ROUTER_CATALOGUE`, else the shipped lists.
pub fn catalogue(flag: Option<PathBuf>) -> CatalogueSource {
    flag.or_else(|| std::env::var_os("PETITION_ROUTER_CATALOGUE").map(PathBuf::from))
        .map_or_else(shipped_catalogue, CatalogueSource::Dir)
}

/// models/default.model, as built into this binary.
pub fn shipped_model() -> ModelSource {
    ModelSource::BuiltIn {
        name: "models/default.model",
        bytes: shipped::MODEL,
    }
}

/// keyword-lists/, as built into this binary.
pub fn shipped_catalogue() -> CatalogueSource {
    CatalogueSource::BuiltIn {
        name: "keyword-lists",
        files: shipped::KEYWORD_LISTS,
    }
}

/// Loads a model and keyword lists into an engine.
pub fn load_engine(model: &ModelSource, catalogue: &CatalogueSource) -> anyhow::Result<Engine> {
    let model = model.load()?;
    let catalogue = Catalogue::load(catalogue)?;
    Ok(Engine::new(model, catalogue, EngineOptions::default())?)
}
