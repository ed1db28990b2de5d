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
    let runtime = match workers {
        Workers::One => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        // The server's own runtime, shared with the gRPC floor benchmark's echo server.
        Workers::PerCore => pr_server::transport::runtime(),
    }
    .context("cannot start the async runtime")?;
    Ok(runtime.block_on(future))
}
