//! The model and keyword lists a command uses: a flag, else an environment variable, else the
//! shipped default built into the binary (so that a copied binary or `cargo install` routes
//! without the source tree).

use clap::Args;
use pr_analysis::{ListSource, ListSources};
use pr_catalogue::CatalogueSource;
use pr_model::ModelSource;
use pr_router::{Engine, EngineSources};
use std::path::PathBuf;

/// The engine's files, each a flag, else an environment variable, else the shipped one.
#[derive(Args)]
pub struct EngineArgs {
    /// Model file [default: $PETITION_ROUTER_MODEL, else the shipped models/default.model].
    #[arg(long)]
    model: Option<PathBuf>,
    /// Keyword-list directory [default: $PETITION_ROUTER_CATALOGUE, else keyword-lists/].
    #[arg(long)]
    catalogue: Option<PathBuf>,
    /// Channel-list directory (依法分类处理) [default: $PETITION_ROUTER_CHANNEL_LISTS, else
    /// channel-lists/].
    #[arg(long)]
    channel_lists: Option<PathBuf>,
    /// Risk-list directory (风险预警) [default: $PETITION_ROUTER_RISK_LISTS, else risk-lists/].
    #[arg(long)]
    risk_lists: Option<PathBuf>,
}

impl EngineArgs {
    /// Where each file comes from.
    pub fn sources(&self) -> EngineSources {
        EngineSources {
            model: model(self.model.clone()),
            catalogue: catalogue(self.catalogue.clone()),
            lists: lists(self.channel_lists.clone(), self.risk_lists.clone()),
        }
    }

    /// Loads the engine.
    pub fn load(&self) -> anyhow::Result<Engine> {
        Ok(Engine::load(&self.sources())?)
    }
}

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

/// The channel and risk lists: each flag, else its environment variable, else the shipped
/// lists.
pub fn lists(channel_flag: Option<PathBuf>, risk_flag: Option<PathBuf>) -> ListSources {
    let shipped = shipped_lists();
    let pick = |flag: Option<PathBuf>, var: &str, default: ListSource| {
        flag.or_else(|| std::env::var_os(var).map(PathBuf::from))
            .map_or(default, ListSource::Dir)
    };
    ListSources {
        channels: pick(
            channel_flag,
            "PETITION_ROUTER_CHANNEL_LISTS",
            shipped.channels,
        ),
        risks: pick(risk_flag, "PETITION_ROUTER_RISK_LISTS", shipped.risks),
    }
}

/// channel-lists/ and risk-lists/, as built into this binary.
pub fn shipped_lists() -> ListSources {
    ListSources {
        channels: ListSource::BuiltIn {
            name: "channel-lists",
            files: shipped::CHANNEL_LISTS,
        },
        risks: ListSource::BuiltIn {
            name: "risk-lists",
            files: shipped::RISK_LISTS,
        },
    }
}

/// Every engine file as built into this binary.
pub fn shipped() -> EngineSources {
    EngineSources {
        model: shipped_model(),
        catalogue: shipped_catalogue(),
        lists: shipped_lists(),
    }
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
