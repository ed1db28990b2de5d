//! Where the shipped default model and keyword lists are found: a flag, else an environment
//! variable, else the copies in the source tree this binary was built from.

use std::path::PathBuf;

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
