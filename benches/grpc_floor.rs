//! The gRPC floor: how close `petition-router serve` comes to a bare tonic server.
//!
//! In one run, side by side, with the server and this load generator on the same cores (64
//! calls in flight by default, closed loop, one connection):
//! - `echo`: a RouterService whose Route answers with the request id and nothing else, built
//!   with the runtime and transport settings of `serve` (`pr_server::transport`), in a process
//!   of its own (this binary again, with `--echo-server`);
//! - `echo+answer`: the same, answering every call with what `serve` answers to the trivial
//!   petition: the cost of the answer's size alone (encoding, bytes, the client decoding it);
//! - `trivial`: `serve` routing a 6-character petition, so that its own overhead shows;
//! - `real`: `serve` routing the petitions of `--corpus` (skipped, saying so, when absent);
//! - with `--store`, `trivial+store` and `real+store`: the same with a fresh SQLite feedback
//!   store, every call carrying a request id so that it is kept.
//!
//! Each kind runs in a fresh process each round, and the rounds interleave the kinds so that
//! the machine's drift hits all of them alike. It prints the median calls/s of each kind with
//! the ratios trivial/echo and real/trivial, and writes them to `grpc_floor.json` in the
//! target directory. Each run also reports the CPU time per call of the server and of the load
//! generator, and how many cores other processes kept busy meanwhile (on Linux, from /proc):
//! a run that shared the machine is not comparable. `--compare-binary OLD` also runs every `serve` kind against another
//! build (as `KIND@OLD`), interleaved, for before/after measurements.
//!
//! cargo bench --bench grpc_floor -- [--duration 5s] [--rounds 3] [--store] [--only echo,trivial]

use anyhow::{bail, Context, Result};
use clap::Parser;
use pr_loadgen::{BenchPetition, LoadOptions, Method, Report};
use pr_server::pb;
use pr_server::pb::router_service_client::RouterServiceClient;
use pr_server::pb::router_service_server::RouterService;
use prost::Message;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tonic::{Request, Response, Status, Streaming};

/// The allocator of the `petition-router` binary, so that the echo server differs from
/// `serve` only by its service.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Six characters: routing them costs next to nothing, so the server's own overhead shows.
const TRIVIAL: &str = "噪音扰民严重";

/// Where `serve`'s answer to the trivial petition is kept for the echo+answer server.
const ANSWER_FILE: &str = "trivial-answer.pb";

/// What a run of `serve` should reach against the echo server, and real petitions against
/// trivial ones (issue 17).
const TRIVIAL_PER_ECHO_TARGET: f64 = 0.85;
const REAL_PER_TRIVIAL_TARGET: f64 = 0.6;

#[derive(Parser)]
struct Args {
    /// How long each kind is loaded per round (after the warm-up).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "5s")]
    duration: Duration,
    /// Load before each measurement, not counted (connection, caches, the store's first
    /// pages).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "1s")]
    warmup: Duration,
    /// Rounds; each runs every kind once.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Calls in flight (closed loop).
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Real petitions, relative to the repository root.
    #[arg(long, default_value = "../shared/data/tipdm2020/unlabelled.jsonl")]
    corpus: PathBuf,
    /// Also run trivial+store and real+store: `serve` with a fresh SQLite feedback store.
    #[arg(long)]
    store: bool,
    /// Run only these kinds (comma-separated: echo, trivial, real, trivial+store, real+store).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Also run every `serve` kind against this build of petition-router, as KIND@FILE_NAME
    /// (repeatable).
    #[arg(long)]
    compare_binary: Vec<PathBuf>,
    /// Passed by `cargo bench`.
    #[arg(long, hide = true)]
    bench: bool,
    /// Serve the echo RouterService and print its address (how this binary runs itself).
    #[arg(long, hide = true)]
    echo_server: bool,
    /// The echo server's answer to Route, an encoded RouteResponse.
    #[arg(long, hide = true)]
    answer: Option<PathBuf>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.echo_server {
        return echo_server(args.answer.as_deref());
    }
    let corpora = corpora(&args)?;
    let kinds = kinds(&args, &corpora);
    if kinds.is_empty() {
        bail!("no kind to run: see --only");
    }
    let scratch = tempfile::tempdir().context("cannot make a directory for the stores")?;
    let load = pr_server::transport::runtime().context("cannot start the load's runtime")?;
    if kinds
        .iter()
        .any(|k| matches!(k.server, Server::Echo { answer: true }))
    {
        let answer = load.block_on(trivial_answer())?;
        std::fs::write(scratch.path().join(ANSWER_FILE), answer.encode_to_vec())?;
    }
    let mut runs: BTreeMap<String, Vec<Run>> = BTreeMap::new();
    for round in 1..=args.rounds {
        for kind in &kinds {
            let server = Process::start(kind.command(scratch.path(), round))
                .with_context(|| format!("cannot start the server for {}", kind.name))?;
            eprintln!("round {round} {}: server pid {}", kind.name, server.pid());
            let corpus = corpora[kind.load].clone();
            let options = |duration| LoadOptions {
                concurrency: args.concurrency,
                connections: 1,
                requests: None,
                duration: Some(duration),
                rate: None,
                top_k: 3,
                method: Method::Route,
            };
            load.block_on(pr_loadgen::run(
                server.addr,
                corpus.clone(),
                &options(args.warmup),
                |_| {},
            ))?;
            let before = Cpu::now(server.pid());
            let report = load.block_on(pr_loadgen::run(
                server.addr,
                corpus,
                &options(args.duration),
                |_| {},
            ))?;
            let run = Run::new(report, &before, &Cpu::now(server.pid()));
            drop(server);
            eprintln!(
                "round {round} {:<16} {:>8.0} calls/s  p50 {} µs  p99 {} µs  errors {}  CPU µs/call: server {}, load {}; other processes {} cores",
                kind.name,
                run.report.goodput_rps,
                run.report.p50_us,
                run.report.p99_us,
                run.report.errors,
                shown(run.server_cpu_us),
                shown(run.load_cpu_us),
                shown(run.others_cores),
            );
            runs.entry(kind.name.clone()).or_default().push(run);
        }
    }
    let medians: BTreeMap<&str, f64> = runs
        .iter()
        .map(|(kind, reports)| (kind.as_str(), median(reports)))
        .collect();
    print_table(&kinds, &runs, &medians);
    let ratios = ratios(&medians);
    for (name, (value, target)) in &ratios {
        let verdict = target.map_or(String::new(), |t| {
            let met = if *value >= t { "met" } else { "missed" };
            format!("target ≥ {t}: {met}")
        });
        println!("{name:<40} {value:>6.2}  {verdict}");
    }
    write_json(&args, &runs, &medians, &ratios)
}

/// Which petitions a kind sends.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Load {
    Trivial,
    Real,
}

/// The petitions of each load; real ones only when the corpus is there.
struct Corpora {
    trivial: Arc<Vec<BenchPetition>>,
    real: Option<Arc<Vec<BenchPetition>>>,
}

impl std::ops::Index<Load> for Corpora {
    type Output = Arc<Vec<BenchPetition>>;
    fn index(&self, load: Load) -> &Self::Output {
        match load {
            Load::Trivial => &self.trivial,
            Load::Real => self.real.as_ref().expect("real kinds only with a corpus"),
        }
    }
}

fn corpora(args: &Args) -> Result<Corpora> {
    let trivial = Arc::new(vec![BenchPetition {
        title: String::new(),
        content: TRIVIAL.to_string(),
        region: String::new(),
    }]);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(&args.corpus);
    if !path.exists() {
        eprintln!("{} is absent: the real kinds are skipped", path.display());
        return Ok(Corpora {
            trivial,
            real: None,
        });
    }
    // As the `bench` command reads its corpus.
    let real = pr_loadgen::read_corpus(&path)?.petitions;
    eprintln!("{} real petitions from {}", real.len(), path.display());
    Ok(Corpora {
        trivial,
        real: (!real.is_empty()).then(|| Arc::new(real)),
    })
}

/// One kind of run: which server, which petitions.
struct Kind {
    name: String,
    server: Server,
    load: Load,
}

enum Server {
    /// The echo server; with `answer`, it answers with `serve`'s answer to the trivial petition.
    Echo { answer: bool },
    /// `serve` of `binary`, with a fresh feedback store or none.
    Serve { binary: PathBuf, store: bool },
}

impl Kind {
    /// The command that starts this kind's server in round `round`; `scratch` holds the
    /// stores and the echo server's answer.
    fn command(&self, scratch: &Path, round: usize) -> Command {
        match &self.server {
            Server::Echo { answer } => {
                let mut echo = Command::new(std::env::current_exe().expect("the bench binary"));
                echo.arg("--echo-server");
                if *answer {
                    echo.arg("--answer").arg(scratch.join(ANSWER_FILE));
                }
                echo
            }
            Server::Serve { binary, store } => {
                let mut serve = Command::new(binary);
                serve.args(["serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off"]);
                if *store {
                    let file = scratch.join(format!("{}-{round}.db", self.name));
                    serve
                        .arg("--feedback-store")
                        .arg(format!("sqlite:{}", file.display()));
                }
                serve
            }
        }
    }
}

fn kinds(args: &Args, corpora: &Corpora) -> Vec<Kind> {
    let own = PathBuf::from(env!("CARGO_BIN_EXE_petition-router"));
    let mut binaries = vec![(own, String::new())];
    for other in &args.compare_binary {
        let name = other.file_name().unwrap_or_default().to_string_lossy();
        binaries.push((other.clone(), format!("@{name}")));
    }
    let echo = |name: &str, answer| Kind {
        name: name.into(),
        server: Server::Echo { answer },
        load: Load::Trivial,
    };
    let mut kinds = vec![echo("echo", false), echo("echo+answer", true)];
    let stores: &[bool] = if args.store { &[false, true] } else { &[false] };
    for &store in stores {
        for load in [Load::Trivial, Load::Real] {
            if load == Load::Real && corpora.real.is_none() {
                continue;
            }
            for (binary, suffix) in &binaries {
                let base = if load == Load::Trivial {
                    "trivial"
                } else {
                    "real"
                };
                let with_store = if store { "+store" } else { "" };
                kinds.push(Kind {
                    name: format!("{base}{with_store}{suffix}"),
                    server: Server::Serve {
                        binary: binary.clone(),
                        store,
                    },
                    load,
                });
            }
        }
    }
    kinds.retain(|k| args.only.is_empty() || args.only.contains(&k.name));
    kinds
}

/// A server process, killed when dropped.
struct Process {
    child: Child,
    addr: SocketAddr,
    /// Kept open: a server writing to a closed pipe would fail.
    _stdout: BufReader<ChildStdout>,
}

impl Process {
    /// Starts `command` and waits for its `listening grpc=ADDR …` line.
    fn start(mut command: Command) -> Result<Process> {
        // Warnings only: `serve` logs at info by default.
        command.env("RUST_LOG", "warn").stdout(Stdio::piped());
        let mut child = command.spawn().context("cannot start it")?;
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut line = String::new();
        let read = stdout.read_line(&mut line);
        let addr = line
            .split_whitespace()
            .find_map(|f| f.strip_prefix("grpc="))
            .and_then(|a| a.parse().ok());
        let Some(addr) = addr.filter(|_| read.is_ok()) else {
            let _ = child.kill();
            let status = child.wait()?;
            bail!("it did not say where it listens ({status}): {line:?}");
        };
        Ok(Process {
            child,
            addr,
            _stdout: stdout,
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One measured run of a kind.
#[derive(serde::Serialize)]
struct Run {
    #[serde(flatten)]
    report: Report,
    /// CPU time of the server process per call, in µs (Linux only).
    server_cpu_us: Option<f64>,
    /// CPU time of this process (the load generator) per call, in µs (Linux only).
    load_cpu_us: Option<f64>,
    /// Cores the rest of the machine kept busy meanwhile: a run that shared the cores with
    /// something else is not comparable (Linux only).
    others_cores: Option<f64>,
}

impl Run {
    fn new(report: Report, before: &Cpu, after: &Cpu) -> Run {
        let calls = report.requests.max(1) as f64;
        let spent = |f: fn(&Cpu) -> Option<f64>| Some(f(after)? - f(before)?);
        let per_call = |f: fn(&Cpu) -> Option<f64>| Some(spent(f)? * 1e6 / calls);
        let others = || {
            let ours = spent(|c| c.server)? + spent(|c| c.load)?;
            Some(((spent(|c| c.machine)? - ours) / report.seconds).max(0.0))
        };
        Run {
            server_cpu_us: per_call(|c| c.server),
            load_cpu_us: per_call(|c| c.load),
            others_cores: others(),
            report,
        }
    }
}

/// CPU seconds used so far by the server, by this process and by the whole machine.
struct Cpu {
    server: Option<f64>,
    load: Option<f64>,
    machine: Option<f64>,
}

/// Clock ticks of /proc: USER_HZ, 100 a second on Linux.
const TICKS_PER_SECOND: f64 = 100.0;

impl Cpu {
    fn now(server: u32) -> Cpu {
        Cpu {
            server: process_cpu(server),
            load: process_cpu(std::process::id()),
            machine: machine_cpu(),
        }
    }
}

/// User and system CPU time of process `pid` so far, from /proc.
fn process_cpu(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (which may hold spaces) in parentheses; utime and
    // stime are the 14th and 15th of the line.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / TICKS_PER_SECOND)
}

/// CPU time all cores spent busy so far (not idle, not waiting for I/O), from /proc/stat.
fn machine_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let busy: u64 = ticks.iter().take(8).sum::<u64>() - ticks.get(3)? - ticks.get(4)?;
    Some(busy as f64 / TICKS_PER_SECOND)
}

/// A measurement, or `?` where /proc is not there.
fn shown(value: Option<f64>) -> String {
    value.map_or("?".into(), |v| format!("{v:.1}"))
}

fn median(runs: &[Run]) -> f64 {
    let mut rps: Vec<f64> = runs.iter().map(|r| r.report.goodput_rps).collect();
    rps.sort_by(f64::total_cmp);
    let mid = rps.len() / 2;
    if rps.len() % 2 == 1 {
        rps[mid]
    } else {
        (rps[mid - 1] + rps[mid]) / 2.0
    }
}

/// Each ratio with its target (issue 17's, where it set one), when both of its kinds ran;
/// for every build measured (`KIND@BUILD` over the same echo).
fn ratios(medians: &BTreeMap<&str, f64>) -> BTreeMap<String, (f64, Option<f64>)> {
    let builds: std::collections::BTreeSet<&str> = medians
        .keys()
        .map(|kind| kind.find('@').map_or("", |at| &kind[at..]))
        .collect();
    let mut ratios = BTreeMap::new();
    for build in builds {
        let serve = |kind: &str| format!("{kind}{build}");
        let pairs = [
            (
                serve("trivial"),
                "echo".to_string(),
                Some(TRIVIAL_PER_ECHO_TARGET),
            ),
            (serve("trivial"), "echo+answer".to_string(), None),
            (
                serve("real"),
                serve("trivial"),
                Some(REAL_PER_TRIVIAL_TARGET),
            ),
            (serve("trivial+store"), serve("trivial"), None),
            (serve("real+store"), serve("real"), None),
        ];
        for (over, under, target) in pairs {
            if let (Some(a), Some(b)) = (medians.get(over.as_str()), medians.get(under.as_str())) {
                ratios.insert(format!("{over} / {under}"), (a / b, target));
            }
        }
    }
    ratios
}

/// The median calls/s of each kind, with the latencies and CPU per call of its median round
/// (µs of the server and of the load generator; cores other processes kept busy).
fn print_table(kinds: &[Kind], runs: &BTreeMap<String, Vec<Run>>, medians: &BTreeMap<&str, f64>) {
    println!(
        "{:<18} {:>9} {:>7} {:>7} {:>10} {:>8} {:>7}  calls/s of each round",
        "kind", "median/s", "p50 µs", "p99 µs", "server µs", "load µs", "others"
    );
    for kind in kinds {
        let runs = &runs[&kind.name];
        let median = medians[kind.name.as_str()];
        let mid = runs
            .iter()
            .min_by(|a, b| {
                let off = |r: &Run| (r.report.goodput_rps - median).abs();
                off(a).total_cmp(&off(b))
            })
            .expect("every kind ran");
        let each: Vec<String> = runs
            .iter()
            .map(|r| format!("{:.0}", r.report.goodput_rps))
            .collect();
        println!(
            "{:<18} {:>9.0} {:>7} {:>7} {:>10} {:>8} {:>7}  {}",
            kind.name,
            median,
            mid.report.p50_us,
            mid.report.p99_us,
            shown(mid.server_cpu_us),
            shown(mid.load_cpu_us),
            shown(mid.others_cores),
            each.join(" ")
        );
    }
}

fn write_json(
    args: &Args,
    runs: &BTreeMap<String, Vec<Run>>,
    medians: &BTreeMap<&str, f64>,
    ratios: &BTreeMap<String, (f64, Option<f64>)>,
) -> Result<()> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let json = serde_json::json!({
        "duration_s": args.duration.as_secs_f64(),
        "warmup_s": args.warmup.as_secs_f64(),
        "rounds": args.rounds,
        "concurrency": args.concurrency,
        "connections": 1,
        "cores": std::thread::available_parallelism().map_or(1, usize::from),
        "trivial_petition": TRIVIAL,
        "corpus": args.corpus,
        "median_rps": medians,
        "ratios": ratios
            .iter()
            .map(|(name, (value, target))| (name.clone(), serde_json::json!({"value": value, "target": target})))
            .collect::<BTreeMap<_, _>>(),
        "runs": runs,
    });
    std::fs::create_dir_all(&target)?;
    let path = target.join("grpc_floor.json");
    std::fs::write(&path, serde_json::to_string_pretty(&json)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("written to {}", path.display());
    Ok(())
}

/// The bare RouterService: Route answers `answer` (by default empty) with the request id,
/// nothing else is served.
struct Echo {
    answer: pb::RouteResponse,
}

#[tonic::async_trait]
impl RouterService for Echo {
    async fn route(
        &self,
        request: Request<pb::RouteRequest>,
    ) -> Result<Response<pb::RouteResponse>, Status> {
        Ok(Response::new(pb::RouteResponse {
            request_id: request.into_inner().request_id,
            ..self.answer.clone()
        }))
    }

    async fn route_batch(
        &self,
        _request: Request<pb::RouteBatchRequest>,
    ) -> Result<Response<pb::RouteBatchResponse>, Status> {
        Err(Status::unimplemented("the echo server only routes"))
    }

    type RouteStreamStream =
        Pin<Box<dyn tokio_stream::Stream<Item = Result<pb::RouteResult, Status>> + Send>>;

    async fn route_stream(
        &self,
        _request: Request<Streaming<pb::RouteRequest>>,
    ) -> Result<Response<Self::RouteStreamStream>, Status> {
        Err(Status::unimplemented("the echo server only routes"))
    }

    async fn list_departments(
        &self,
        _request: Request<pb::ListDepartmentsRequest>,
    ) -> Result<Response<pb::ListDepartmentsResponse>, Status> {
        Err(Status::unimplemented("the echo server only routes"))
    }

    async fn record_outcome(
        &self,
        _request: Request<pb::RecordOutcomeRequest>,
    ) -> Result<Response<pb::RecordOutcomeResponse>, Status> {
        Err(Status::unimplemented("the echo server only routes"))
    }
}

/// What `serve` answers to the trivial petition, as the load generator asks it.
async fn trivial_answer() -> Result<pb::RouteResponse> {
    let mut serve = Command::new(env!("CARGO_BIN_EXE_petition-router"));
    serve.args(["serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off"]);
    let server = Process::start(serve)?;
    let mut client = RouterServiceClient::connect(format!("http://{}", server.addr)).await?;
    let request = pb::RouteRequest {
        request_id: "0".into(),
        content: TRIVIAL.into(),
        top_k: 3,
        ..Default::default()
    };
    Ok(client.route(request).await?.into_inner())
}

/// Serves [`Echo`] on an ephemeral port as `serve` would serve RouterService, until killed;
/// with `answer` (an encoded RouteResponse), Route answers with it.
fn echo_server(answer: Option<&Path>) -> Result<()> {
    use pr_server::transport;
    let answer = match answer {
        Some(path) => pb::RouteResponse::decode(std::fs::read(path)?.as_slice())?,
        None => pb::RouteResponse::default(),
    };
    transport::runtime()?.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("listening grpc={}", listener.local_addr()?);
        transport::server()
            .add_service(transport::router_service(
                Echo { answer },
                transport::DEFAULT_MAX_MESSAGE_BYTES,
            ))
            .serve_with_incoming(transport::incoming(listener))
            .await?;
        Ok(())
    })
}
