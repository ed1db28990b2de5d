//! The engine now serving, swapped atomically on reload: calls in flight keep the engine they
//! started with (an `Arc`), new calls get the new one.

use arc_swap::ArcSwap;
use pr_catalogue::CatalogueSource;
use pr_model::ModelSource;
use pr_router::{Engine, EngineLoadError, EngineSources};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

/// An engine with where it came from.
#[derive(Debug)]
pub struct Loaded {
    /// The engine built from the model and catalogue below.
    pub engine: Engine,
    /// Where the model, keyword lists and analysis lists were loaded from, as given (a
    /// reload without paths reads them again).
    pub sources: EngineSources,
    /// RFC 3339 UTC.
    pub loaded_at: String,
}

/// Why a reload was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The model or keyword lists are refused.
    #[error(transparent)]
    Load(#[from] EngineLoadError),
    /// The blocking task that loads them panicked or was cancelled.
    #[error("the loading task failed: {0}")]
    Task(String),
}

impl Loaded {
    /// Loads the engine and notes where it came from.
    pub fn load(sources: &EngineSources) -> Result<Loaded, EngineLoadError> {
        Ok(Loaded {
            engine: Engine::load(sources)?,
            sources: sources.clone(),
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
    ) -> Result<(Arc<Loaded>, Arc<Loaded>), ReloadError> {
        let _one_at_a_time = self.reloading.lock().await;
        let previous = self.current();
        let mut sources = previous.sources.clone();
        if let Some(model) = model {
            sources.model = ModelSource::File(model);
        }
        if let Some(catalogue) = catalogue {
            sources.catalogue = CatalogueSource::Dir(catalogue);
        }
        let loaded = tokio::task::spawn_blocking(move || Loaded::load(&sources))
            .await
            .map_err(|e| ReloadError::Task(e.to_string()))??;
        let loaded = Arc::new(loaded);
        self.current.store(loaded.clone());
        Ok((previous, loaded))
    }
}
