//! Telling a running server to reload after `promote` or `rollback` switched the registry's
//! `current` link.

use crate::runtime::{self, Workers};
use anyhow::{Context, Result};
use clap::Args;
use pr_server::pb::admin_service_client::AdminServiceClient;
use std::net::SocketAddr;
use std::path::PathBuf;

/// The server to tell about a switch.
#[derive(Args)]
pub struct ReloadTarget {
    /// Ask the server at this address to reload once the link is switched.
    #[arg(long = "reload")]
    addr: Option<SocketAddr>,
    /// The server's admin tokens (its --admin-token-file); the first one is sent.
    #[arg(long, env = "PETITION_ROUTER_ADMIN_TOKEN_FILE")]
    admin_token_file: Option<PathBuf>,
}

/// Asks the server, if one is named, to reload its model (its path is the registry's
/// `current` link).
pub fn notify(target: ReloadTarget) -> Result<()> {
    let Some(addr) = target.addr else {
        return Ok(());
    };
    let mut request = tonic::Request::new(pr_server::pb::ReloadModelRequest::default());
    if let Some(path) = &target.admin_token_file {
        let tokens = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the admin token file {}", path.display()))?;
        let token = tokens.lines().map(str::trim).find(|t| !t.is_empty());
        let token = token.with_context(|| format!("{} holds no token", path.display()))?;
        let value = format!("Bearer {token}")
            .parse()
            .with_context(|| format!("the token in {} is not valid ASCII", path.display()))?;
        request.metadata_mut().insert("authorization", value);
    }
    let loaded = runtime::block_on(Workers::One, async {
        let mut client = AdminServiceClient::connect(format!("http://{addr}"))
            .await
            .with_context(|| format!("cannot connect to the server at {addr} to reload it"))?;
        let response = client
            .reload_model(request)
            .await
            .with_context(|| format!("the server at {addr} refused the reload"))?;
        anyhow::Ok(response.into_inner().loaded)
    })??;
    if let Some(info) = loaded {
        println!("server {addr} now serves model {}", info.model_version);
    }
    Ok(())
}
