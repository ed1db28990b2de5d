//! The engine now serving, swapped atomically on reload: calls in flight keep the engine they
//! started with (an `Arc`), new calls get the new one.

use arc_swap::ArcSwap;
use pr_catalogue::Catalogue;
use pr_model::Model;
use pr_router::{Engine, EngineOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// An engine with where it came from.
#[derive(Debug)]
pub struct Loaded {
    /// The engine built from the model and catalogue below.
    pub engine: Engine,
    /// The model file it was loaded from, as given (a reload without a path reads it again).
    pub model_path: PathBuf,
    /// The keyword-list directory it was loaded from, as given.
    pub catalogue_path: PathBuf,
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
        /// The model file.
        model: PathBuf,
        /// The keyword-list directory.
        catalogue: PathBuf,
        /// Why the engine refused them.
        source: pr_router::EngineError,
    },
    /// The blocking task that loads on reload panicked or was cancelled.
    #[error("the loading task failed: {0}")]
    Task(String),
}

impl Loaded {
    /// Loads and validates a model and a catalogue (blocking: seconds for large models).
    pub fn load(model_path: &Path, catalogue_path: &Path) -> Result<Loaded, EngineLoadError> {
        let model = Model::load(model_path)?;
        let catalogue = Catalogue::load_dir(catalogue_path)?;
        let engine = Engine::new(model, catalogue, EngineOptions::default()).map_err(|source| {
            EngineLoadError::Engine {
                model: model_path.to_path_buf(),
                catalogue: catalogue_path.to_path_buf(),
                source,
            }
        })?;
        Ok(Loaded {
            engine,
            model_path: model_path.to_path_buf(),
            catalogue_path: catalogue_path.to_path_buf(),
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
        let model = model.unwrap_or_else(|| previous.model_path.clone());
        let catalogue = catalogue.unwrap_or_else(|| previous.catalogue_path.clone());
        let loaded = tokio::task::spawn_blocking(move || Loaded::load(&model, &catalogue))
            .await
            .map_err(|e| EngineLoadError::Task(e.to_string()))??;
        let loaded = Arc::new(loaded);
        self.current.store(loaded.clone());
        Ok((previous, loaded))
    }
}
