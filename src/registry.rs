//! The `promote` and `rollback` commands: a model registry directory whose `current` link the
//! server loads (`serve --model DIR/current`).

use crate::commands::{labelled_rows, load_engine, report_history, ModelOnHistory};
use crate::paths;
use anyhow::{bail, Context, Result};
use clap::Args;
use pr_model::{mcnemar, Verdict};
use pr_registry::{Registry, ROLLBACK};
use pr_router::Engine;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Args)]
pub struct PromoteArgs {
    /// Registry directory (created if missing); serve its `current` link.
    #[arg(long)]
    registry: PathBuf,
    /// The model to promote and the history to compare it with the current one on.
    #[command(flatten)]
    candidate: ModelOnHistory,
    /// Promote even when the model is worse than the current one on the history.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    reload: ReloadTarget,
}

#[derive(Args)]
pub struct RollbackArgs {
    /// Registry directory.
    #[arg(long)]
    registry: PathBuf,
    #[command(flatten)]
    reload: ReloadTarget,
}

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

/// Stores the model as a new version and makes it current, unless it is worse than the
/// current one on the given history (fewer rows right) and `--force` is not given.
pub fn promote(args: PromoteArgs) -> Result<()> {
    let ModelOnHistory {
        model,
        history,
        catalogue,
    } = &args.candidate;
    let registry = Registry::open(&args.registry)?;
    let catalogue = paths::catalogue(catalogue.clone());
    report_history(history)?;
    let new_engine = load_engine(model, &catalogue)?;
    let current = registry.current()?;
    let current_engine = match &current {
        Some(current) => Some(load_engine(&current.model, &catalogue)?),
        None => None,
    };
    let engines: Vec<&Engine> = std::iter::once(&new_engine)
        .chain(current_engine.as_ref())
        .collect();
    let mut evaluations = pr_router::evaluate(&engines, labelled_rows(history)?, true)?.into_iter();
    let new = evaluations.next().expect("one evaluation per engine");
    let mut action = "promote";
    if let (Some(current), Some(old)) = (current, evaluations.next()) {
        let c = mcnemar(&new.top1_right, &old.top1_right, 0.05);
        println!(
            "on {} rows: new accuracy {:.4} macro-F1 {:.4}; current (version {}) accuracy {:.4} macro-F1 {:.4}; McNemar p = {:.4}",
            new.top1_right.len(),
            new.metrics.accuracy,
            new.metrics.macro_f1,
            current.number,
            old.metrics.accuracy,
            old.metrics.macro_f1,
            c.p_value
        );
        let worse = new.metrics.accuracy < old.metrics.accuracy || c.verdict == Verdict::Worse;
        if worse && !args.force {
            bail!(
                "not promoted: {} is worse than the current version {} on {} ({} rows right only for the current model, {} only for the new one); pass --force to promote it anyway",
                model.display(),
                current.number,
                history.source(),
                c.baseline_only_right,
                c.new_only_right
            );
        }
        if worse {
            action = "forced-promote";
        }
    }
    let version = registry.add(model)?;
    let switch = registry.switch(&version, action)?;
    println!(
        "{action}: version {} is current ({})",
        version.number,
        registry.current_link().display()
    );
    if let Some(from) = switch.from {
        println!(
            "previous version {from}: `petition-router rollback --registry {}` returns to it",
            args.registry.display()
        );
    }
    notify(args.reload)
}

/// Makes the version that served before the current one current again.
pub fn rollback(args: RollbackArgs) -> Result<()> {
    let registry = Registry::open(&args.registry)?;
    let Some(current) = registry.current()? else {
        bail!(
            "{}: nothing is current yet: promote a model first",
            args.registry.display()
        );
    };
    let Some(previous) = registry.previous()? else {
        bail!(
            "{}: version {} was the first one promoted: there is nothing to roll back to",
            args.registry.display(),
            current.number
        );
    };
    registry.switch(&previous, ROLLBACK)?;
    println!(
        "rolled back: version {} is current again (was {})",
        previous.number, current.number
    );
    notify(args.reload)
}

/// Asks a running server to reload its model (its path is the registry's `current` link).
fn notify(target: ReloadTarget) -> Result<()> {
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
    use pr_server::pb::admin_service_client::AdminServiceClient;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let loaded = runtime.block_on(async {
        let mut client = AdminServiceClient::connect(format!("http://{addr}"))
            .await
            .with_context(|| format!("cannot connect to the server at {addr} to reload it"))?;
        let response = client
            .reload_model(request)
            .await
            .with_context(|| format!("the server at {addr} refused the reload"))?;
        anyhow::Ok(response.into_inner().loaded)
    })?;
    if let Some(info) = loaded {
        println!("server {addr} now serves model {}", info.model_version);
    }
    Ok(())
}
