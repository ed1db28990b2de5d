//! The engine now serving, swapped atomically on reload: calls in flight keep the engine they
//! started with (an `Arc`), new calls get the new one.

use arc_swap::ArcSwap;
use pr_catalogue::{Catalogue, CatalogueSource};
use pr_model::ModelSource;
use pr_router::{Engine, EngineOptions};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

/// An engine with where it came from.
#[derive(Debug)]
pub struct Loaded {
    /// The engine built from the model and catalogue below.
    pub engine: Engine,
    /// Where the model was loaded from, as given (a reload without a path reads it again).
    pub model: ModelSource,
    /// Where the keyword lists were loaded from, as given.
    pub catalogue: CatalogueSource,
    /// RFC 3339 UTC.
    pub loaded_at: String,
}

/// Why a model or catalogue was refused.
#[derive(Debug, thiserror::Error)]
pub enum EngineLoadError {
    /// The model file cannot be read or is refused.
    #[error(transparent)]
    Model(#[from] pr_model::ModelError),
    /// The keyword lists cannot be read or are refused.
    #[error(transparent)]
    Catalogue(#[from] pr_catalogue::CatalogueError),
    /// Each loads on its own, but no engine can be built from the pair.
    #[error("model {model} and catalogue {catalogue} do not fit together")]
    Engine {
        /// The model.
        model: ModelSource,
        /// The keyword lists.
        catalogue: CatalogueSource,
        /// Why the engine refused them.
        source: pr_router::EngineError,
    },
    /// The blocking task that loads on reload panicked or was cancelled.
    #[error("the loading task failed: {0}")]
    Task(String),
}

impl Loaded {
    /// Loads and validates a model and a catalogue (blocking: seconds for large models).
    pub fn load(
        model_source: &ModelSource,
        catalogue_source: &CatalogueSource,
    ) -> Result<Loaded, EngineLoadError> {
        let model = model_source.load()?;
        let catalogue = Catalogue::load(catalogue_source)?;
        let engine = Engine::new(model, catalogue, EngineOptions::default()).map_err(|source| {
            EngineLoadError::Engine {
                model: model_source.clone(),
                catalogue: catalogue_source.clone(),
                source,
            }
        })?;
        Ok(Loaded {
            engine,
            model: model_source.clone(),
            catalogue: catalogue_source.clone(),
            loaded_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        })
    }
}

/// The serving engine and the lock that serialises reloads.
pub struct Live {
    current: ArcSwap<Loaded>,
    reloading: tokio::sync::Mutex<()>,
}

impl Live {
    /// Starts serving `loaded`.
    pub fn new(loaded: Loaded) -> Live {
        Live {
            current: ArcSwap::from_pointee(loaded),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    /// The engine for one call.
    pub fn current(&self) -> Arc<Loaded> {
        self.current.load_full()
    }

    /// Loads the model and catalogue at the given paths (`None`: the current ones, read
    /// again) on a blocking thread and swaps them in; on error the current ones stay.
    /// Returns the previous and the new engine.
    pub async fn reload(
        &self,
        model: Option<PathBuf>,
        catalogue: Option<PathBuf>,
    ) -> Result<(Arc<Loaded>, Arc<Loaded>), EngineLoadError> {
        let _one_at_a_time = self.reloading.lock().await;
        let previous = self.current();
        let model = model.map_or_else(|| previous.model.clone(), ModelSource::File);
        let catalogue = catalogue.map_or_else(|| previous.catalogue.clone(), CatalogueSource::Dir);
        let loaded = tokio::task::spawn_blocking(move || Loaded::load(&model, &catalogue))
            .await
            .map_err(|e| EngineLoadError::Task(e.to_string()))??;
        let loaded = Arc::new(loaded);
        self.current.store(loaded.clone());
        Ok((previous, loaded))
    }
}
