//! petition-router: the command line. Thin: every command (one module each under
//! `commands/`) parses its arguments, calls the library crates and prints.

mod commands;
mod history_source;
mod model_files;
mod reload;
mod runtime;
mod shared_data;

use commands::{
    bench, catalogue, eval, eval_analysis, eval_repeats, export_history, health, hotspots, promote,
    rollback, route, serve, train,
};

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
    Route(route::RouteArgs),
    /// Train a model from labelled history.
    Train(train::TrainArgs),
    /// Evaluate a model on labelled history: accuracy, macro-F1, top-3.
    Eval(eval::EvalArgs),
    /// Score the analysis stage (risks, channel, demand type, facts) against hand labels.
    EvalAnalysis(eval_analysis::EvalAnalysisArgs),
    /// Score repeat detection (petition similarity) against hand-labelled pairs.
    EvalRepeats(eval_repeats::EvalRepeatsArgs),
    /// Hotspots: clusters of similar petitions in one place and window, hottest first.
    Hotspots(hotspots::HotspotsArgs),
    /// Serve routing over gRPC (RouterService, AdminService, health, reflection).
    Serve(serve::ServeArgs),
    /// Ask a server's gRPC health service; exits 0 only when it is SERVING.
    Health(health::HealthArgs),
    /// Load a running server with petitions from a history file; report latency percentiles.
    Bench(bench::BenchArgs),
    /// Store a model in a registry and make it current, unless it is worse than the current one.
    Promote(promote::PromoteArgs),
    /// Make the registry's previous version current again.
    Rollback(rollback::RollbackArgs),
    /// Write the feedback store's confirmed outcomes as a labelled history, JSONL or CSV.
    ExportHistory(export_history::ExportArgs),
    /// Build catalogues: `from-history` proposes a city's units from a labelled history.
    Catalogue(catalogue::CatalogueArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Route(a) => route::route(a),
        Command::Train(a) => train::train(a),
        Command::Eval(a) => eval::eval(a),
        Command::EvalAnalysis(a) => eval_analysis::eval_analysis(a),
        Command::EvalRepeats(a) => eval_repeats::eval_repeats(a),
        Command::Hotspots(a) => hotspots::hotspots(a),
        Command::Serve(a) => serve::serve(a),
        Command::Health(a) => health::health(a),
        Command::Bench(a) => bench::bench(a),
        Command::Promote(a) => promote::promote(a),
        Command::Rollback(a) => rollback::rollback(a),
        Command::ExportHistory(a) => export_history::export_history(a),
        Command::Catalogue(a) => catalogue::catalogue(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
