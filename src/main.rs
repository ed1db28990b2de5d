//! petition-router: the command line. Thin: every command parses its arguments, calls the
//! library crates and prints.

mod batch;
mod bench;
mod catalogue_cmd;
mod commands;
mod export;
mod paths;
mod registry;
mod serve;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// jemalloc instead of glibc's malloc: each hot reload frees one engine (tens of MB of small
/// allocations) and builds the next on a blocking thread while routing threads allocate, and
/// glibc kept the freed pages in its per-thread arenas: resident memory grew 145 % over a
/// 10-minute soak with a reload every 5 s, against 8 % with jemalloc (BENCHMARKS.md, "Soak";
/// mimalloc grew 35 %).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "petition-router",
    version,
    about = "Routes Chinese petitions to the competent department, with evidence"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Route one petition and print the suggestions as JSON, or every petition of a file
    /// (--batch) as JSON lines.
    Route(commands::RouteArgs),
    /// Train a model from labelled history.
    Train(commands::TrainArgs),
    /// Evaluate a model on labelled history: accuracy, macro-F1, top-3.
    Eval(commands::EvalArgs),
    /// Serve routing over gRPC (RouterService, AdminService, health, reflection).
    Serve(serve::ServeArgs),
    /// Ask a server's gRPC health service; exits 0 only when it is SERVING.
    Health(serve::HealthArgs),
    /// Load a running server with petitions from a history file; report latency percentiles.
    Bench(bench::BenchArgs),
    /// Store a model in a registry and make it current, unless it is worse than the current one.
    Promote(registry::PromoteArgs),
    /// Make the registry's previous version current again.
    Rollback(registry::RollbackArgs),
    /// Write the feedback store's confirmed outcomes as a labelled JSONL history.
    ExportHistory(export::ExportArgs),
    /// Build catalogues: `from-history` proposes a city's units from a labelled history.
    Catalogue(catalogue_cmd::CatalogueArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Route(a) => commands::route(a),
        Command::Train(a) => commands::train(a),
        Command::Eval(a) => commands::eval(a),
        Command::Serve(a) => serve::serve(a),
        Command::Health(a) => serve::health(a),
        Command::Bench(a) => bench::bench(a),
        Command::Promote(a) => registry::promote(a),
        Command::Rollback(a) => registry::rollback(a),
        Command::ExportHistory(a) => export::export_history(a),
        Command::Catalogue(a) => catalogue_cmd::catalogue(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
