//! An engine from where its model and keyword lists live: the one loading path that the CLI
//! and the server share.

use crate::{Engine, EngineError, EngineOptions};
use pr_analysis::{Analyser, ListSources};
use pr_catalogue::{Catalogue, CatalogueSource};
use pr_model::ModelSource;

/// Where an engine's parts live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineSources {
    /// The model.
    pub model: ModelSource,
    /// The keyword lists.
    pub catalogue: CatalogueSource,
    /// The channel and risk lists of the analysis stage.
    pub lists: ListSources,
}

/// Why no engine could be loaded from a model and keyword lists.
#[derive(Debug, thiserror::Error)]
pub enum EngineLoadError {
    /// The model file cannot be read or is refused.
    #[error(transparent)]
    Model(#[from] pr_model::ModelError),
    /// The keyword lists cannot be read or are refused.
    #[error(transparent)]
    Catalogue(#[from] pr_catalogue::CatalogueError),
    /// The channel or risk lists cannot be read or are refused.
    #[error(transparent)]
    Lists(#[from] pr_analysis::ListError),
    /// Each loads on its own, but no engine can be built from the pair.
    #[error("model {model} and catalogue {catalogue} do not fit together")]
    Engine {
        /// The model.
        model: ModelSource,
        /// The keyword lists.
        catalogue: CatalogueSource,
        /// Why the engine refused them.
        source: EngineError,
    },
}

impl Engine {
    /// Reads the model, the keyword lists and the analysis lists and assembles an engine
    /// with default options.
    pub fn load(sources: &EngineSources) -> Result<Engine, EngineLoadError> {
        let model = sources.model.load()?;
        let catalogue = Catalogue::load(&sources.catalogue)?;
        let analyser = Analyser::load(&sources.lists)?;
        let engine = Engine::new(model, catalogue, EngineOptions::default()).map_err(|source| {
            EngineLoadError::Engine {
                model: sources.model.clone(),
                catalogue: sources.catalogue.clone(),
                source,
            }
        })?;
        Ok(engine.with_analyser(analyser))
    }
}
