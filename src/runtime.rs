//! The async runtime the network commands run on, built in one place.

use anyhow::{Context, Result};
use std::future::Future;

/// How many threads a command's runtime has.
pub enum Workers {
    /// One client call at a time (`health`, the reload after `promote`).
    One,
    /// A worker per core (`serve`, `bench`).
    PerCore,
}

/// Runs `future` to completion on a new runtime.
pub fn block_on<F: Future>(workers: Workers, future: F) -> Result<F::Output> {
    let mut builder = match workers {
        Workers::One => tokio::runtime::Builder::new_current_thread(),
        Workers::PerCore => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = builder
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    Ok(runtime.block_on(future))
}
