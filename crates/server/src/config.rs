//! Server configuration. Every setting is declared once, in [`Settings`], with its type: the
//! same declaration gives the flag, the environment variable and the TOML file key. The
//! caller merges them (flags over environment over file, [`Settings::or`]) and
//! [`Settings::resolve`] fills the rest with defaults and checks how settings go together.

use pr_analysis::{ListSource, ListSources};
use pr_catalogue::CatalogueSource;
use pr_feedback::StoreUrl;
use pr_model::ModelSource;
use pr_router::EngineSources;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt::Display;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines (tracing's default format).
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("log format {other:?} is unknown: use text or json")),
        }
    }
}

/// A setting that can be switched off: `off`, or a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrOff<T> {
    /// Written `off`.
    Off,
    /// Any other text, parsed as `T`.
    On(T),
}

impl<T: FromStr> FromStr for OrOff<T>
where
    T::Err: Display,
{
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "off" => Ok(OrOff::Off),
            _ => s.parse().map(OrOff::On).map_err(|e| format!("{e}; or off")),
        }
    }
}

impl<T: Serialize> Serialize for OrOff<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            OrOff::Off => serializer.serialize_str("off"),
            OrOff::On(value) => value.serialize(serializer),
        }
    }
}

impl<'de, T: FromStr> Deserialize<'de> for OrOff<T>
where
    T::Err: Display,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        from_text(deserializer)
    }
}

/// A length of time, written as humans do: `500ms`, `2s`, `1m`, `180days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span(pub Duration);

impl FromStr for Span {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        humantime::parse_duration(s)
            .map(Span)
            .map_err(|e| format!("{e}; write e.g. 500ms, 2s or 1m"))
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&humantime::format_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        from_text(deserializer)
    }
}

/// A value the file writes as text, parsed as the flag's is.
fn from_text<'de, D: Deserializer<'de>, T: FromStr>(deserializer: D) -> Result<T, D::Error>
where
    T::Err: Display,
{
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(serde::de::Error::custom)
}

/// Every server setting, each optional: `--max-batch` on the command line,
/// `PETITION_ROUTER_MAX_BATCH` in the environment, `max_batch` in the TOML file.
#[derive(Debug, Clone, Default, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// gRPC listen address [default: 127.0.0.1:50051].
    #[arg(long, env = "PETITION_ROUTER_ADDR")]
    pub addr: Option<SocketAddr>,
    /// Prometheus metrics address (HTTP, /metrics and /healthz), or off [default:
    /// 127.0.0.1:9464].
    #[arg(long, env = "PETITION_ROUTER_METRICS_ADDR")]
    pub metrics_addr: Option<OrOff<SocketAddr>>,
    /// Model file [default: the shipped models/default.model, built into the binary].
    #[arg(long, env = "PETITION_ROUTER_MODEL")]
    pub model: Option<PathBuf>,
    /// Keyword-list directory [default: the shipped keyword-lists/, built into the binary].
    #[arg(long, env = "PETITION_ROUTER_CATALOGUE")]
    pub catalogue: Option<PathBuf>,
    /// Channel-list directory (依法分类处理) [default: the shipped channel-lists/, built into
    /// the binary].
    #[arg(long, env = "PETITION_ROUTER_CHANNEL_LISTS")]
    pub channel_lists: Option<PathBuf>,
    /// Risk-list directory (风险预警) [default: the shipped risk-lists/, built into the
    /// binary].
    #[arg(long, env = "PETITION_ROUTER_RISK_LISTS")]
    pub risk_lists: Option<PathBuf>,
    /// Longest accepted petition content, in characters [default: 32768].
    #[arg(long, env = "PETITION_ROUTER_MAX_CONTENT_CHARS")]
    pub max_content_chars: Option<u32>,
    /// Most petitions in one RouteBatch [default: 256].
    #[arg(long, env = "PETITION_ROUTER_MAX_BATCH")]
    pub max_batch: Option<u32>,
    /// Most petitions in the server at once (waiting for a routing thread or routed; an open
    /// stream counts one) before calls get RESOURCE_EXHAUSTED [default: 1024].
    #[arg(long, env = "PETITION_ROUTER_MAX_IN_FLIGHT")]
    pub max_in_flight: Option<u32>,
    /// Most calls waiting for a routing thread (one per core) before new ones get
    /// RESOURCE_EXHAUSTED at once, so that accepted calls keep a bounded latency [default: 64].
    #[arg(long, env = "PETITION_ROUTER_MAX_QUEUED")]
    pub max_queued: Option<u32>,
    /// Largest gRPC message, in bytes [default: 16 MiB].
    #[arg(long, env = "PETITION_ROUTER_MAX_MESSAGE_BYTES")]
    pub max_message_bytes: Option<u32>,
    /// On shutdown, how long health says NOT_SERVING before the listener closes, so that load
    /// balancers stop sending [default: 1s].
    #[arg(long, env = "PETITION_ROUTER_DRAIN_DELAY")]
    pub drain_delay: Option<Span>,
    /// On shutdown, how long calls in flight may take to finish [default: 20s].
    #[arg(long, env = "PETITION_ROUTER_SHUTDOWN_TIMEOUT")]
    pub shutdown_timeout: Option<Span>,
    /// Log format: text or json [default: text]; the level comes from RUST_LOG [default: info].
    #[arg(long, env = "PETITION_ROUTER_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Keep routed petitions with a request id for RecordOutcome: sqlite:PATH,
    /// postgres://USER@HOST/DATABASE, or off [default: off].
    #[arg(long, env = "PETITION_ROUTER_FEEDBACK_STORE")]
    pub feedback_store: Option<OrOff<StoreUrl>>,
    /// How long routed petitions are kept for their outcome [default: 180days].
    #[arg(long, env = "PETITION_ROUTER_FEEDBACK_RETENTION")]
    pub feedback_retention: Option<Span>,
    /// How far back a routed petition is compared with earlier ones for repeats (重复件);
    /// needs the feedback store [default: 90days].
    #[arg(long, env = "PETITION_ROUTER_REPEAT_WINDOW")]
    pub repeat_window: Option<Span>,
    /// How often the repeat window reads the petitions other replicas kept in a shared store
    /// [default: 5s].
    #[arg(long, env = "PETITION_ROUTER_REPEAT_REFRESH")]
    pub repeat_refresh: Option<Span>,
    /// Keep petitions in the feedback store as written, instead of with phones, ID numbers,
    /// bank cards, plates and names masked [default: false].
    #[arg(
        long,
        env = "PETITION_ROUTER_STORE_RAW_TEXT",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub store_raw_text: Option<bool>,
    /// TLS on the gRPC port: certificate chain (PEM); needs --tls-key.
    #[arg(long, env = "PETITION_ROUTER_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "PETITION_ROUTER_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Mutual TLS: only clients with a certificate signed by this CA (PEM) may connect.
    #[arg(long, env = "PETITION_ROUTER_TLS_CLIENT_CA")]
    pub tls_client_ca: Option<PathBuf>,
    /// Bearer tokens for AdminService, one per line [default: AdminService answers local
    /// callers only].
    #[arg(long, env = "PETITION_ROUTER_ADMIN_TOKEN_FILE")]
    pub admin_token_file: Option<PathBuf>,
    /// Under mutual TLS, client certificate common names (CN) that may call AdminService
    /// without a token (comma-separated).
    #[arg(
        long,
        env = "PETITION_ROUTER_ADMIN_CLIENT_NAMES",
        value_delimiter = ','
    )]
    pub admin_client_names: Option<Vec<String>>,
    /// Bearer tokens RouterService requires, one per line [default: RouterService is open].
    #[arg(long, env = "PETITION_ROUTER_CLIENT_TOKEN_FILE")]
    pub client_token_file: Option<PathBuf>,
    /// Directory ReloadModel may load model files and keyword lists from [default: none;
    /// ReloadModel only re-reads the files being served].
    #[arg(long, env = "PETITION_ROUTER_MODEL_DIR")]
    pub model_dir: Option<PathBuf>,
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The TOML configuration file cannot be read.
    #[error("cannot read configuration file {path}")]
    Read {
        /// The configuration file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML or has an unknown key or a mistyped value.
    #[error("configuration file {path} is invalid: {message}")]
    Parse {
        /// The configuration file.
        path: PathBuf,
        /// The TOML parser's message, with line and column.
        message: String,
    },
    /// A setting's value cannot be used (zero limit, unparsable duration or address, TLS
    /// half configured, …).
    #[error("{setting} {value:?} is invalid: {reason}")]
    Invalid {
        /// The setting's name as in the file (`max_batch`, `drain_delay`, …).
        setting: &'static str,
        /// The value given (empty when the problem is a missing companion setting).
        value: String,
        /// What is wrong and what would be accepted.
        reason: String,
    },
}

/// The resolved configuration of one server.
#[derive(Debug, Clone)]
pub struct Config {
    /// gRPC listen address (default 127.0.0.1:50051).
    pub addr: SocketAddr,
    /// Prometheus `/metrics` and `/healthz` listen address (default 127.0.0.1:9464); `None`:
    /// no metrics server.
    pub metrics_addr: Option<SocketAddr>,
    /// The model, keyword lists and analysis lists loaded at start and read again on reload.
    pub engine: EngineSources,
    /// Request limits, with their defaults filled in.
    pub limits: Limits,
    /// On shutdown, how long health reports NOT_SERVING before the listener closes.
    pub drain_delay: Duration,
    /// On shutdown, how long calls in flight may take to finish after the listener closes.
    pub shutdown_timeout: Duration,
    /// Log line format on standard error.
    pub log_format: LogFormat,
    /// Where routed petitions and outcomes are kept; `None`: nowhere.
    pub feedback_store: Option<StoreUrl>,
    /// Keep petitions in the store as written; by default they are kept masked.
    pub store_raw_text: bool,
    /// How long routed petitions are kept for their outcome before being purged.
    pub feedback_retention: Duration,
    /// How far back routed petitions are compared for repeats.
    pub repeat_window: Duration,
    /// How often the repeat window reads what other replicas kept in the store.
    pub repeat_refresh: Duration,
    /// TLS on the gRPC port, if configured.
    pub tls: Option<TlsFiles>,
    /// Token files, admin certificate names and the reload directory.
    pub access: AccessFiles,
}

/// The PEM files of the gRPC port's TLS.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The server's certificate chain.
    pub cert: PathBuf,
    /// The certificate's private key.
    pub key: PathBuf,
    /// The CA that must have signed client certificates (mutual TLS); `None`: no client
    /// certificates asked for.
    pub client_ca: Option<PathBuf>,
}

/// Who may call what: the files are read and checked when the server starts (a token file
/// must hold a token, the model directory must be a directory).
#[derive(Debug, Clone, Default)]
pub struct AccessFiles {
    /// Bearer tokens AdminService accepts, one per line.
    pub admin_token_file: Option<PathBuf>,
    /// Client certificate common names (CN) admitted to AdminService under mutual TLS.
    pub admin_client_names: Vec<String>,
    /// Bearer tokens RouterService requires, one per line; `None`: RouterService is open.
    pub client_token_file: Option<PathBuf>,
    /// The directory ReloadModel may load files from; `None`: only the served files.
    pub model_dir: Option<PathBuf>,
}

/// Request limits, also reported to clients by ListDepartments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted petition content, in characters (default 32,768).
    pub max_content_chars: u32,
    /// Most petitions in one RouteBatch (default 256).
    pub max_batch: u32,
    /// Largest `top_k` a request may ask for (20, not configurable).
    pub max_top_k: u32,
    /// Most petitions in the server at once (default 1,024); beyond, RESOURCE_EXHAUSTED.
    pub max_in_flight: u32,
    /// Most calls waiting for a routing thread (default 64); beyond, RESOURCE_EXHAUSTED.
    pub max_queued: u32,
    /// Largest gRPC message accepted or sent, in bytes (default 16 MiB).
    pub max_message_bytes: u32,
}

/// Longest request id and region hint, in characters: ids, not text.
pub(crate) const MAX_ID_CHARS: usize = 128;

impl Settings {
    /// Reads a TOML configuration file; an unknown key is an error naming it.
    pub fn from_file(path: &Path) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Each setting of `self`, else of `lower`: set values of `self` replace those of
    /// `lower`, key by key, so that no setting needs a line of its own here.
    pub fn or(self, lower: Settings) -> Settings {
        let as_map = |s: Settings| match serde_json::to_value(s) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => unreachable!("settings serialise to a JSON object"),
        };
        let mut merged = as_map(lower);
        for (key, value) in as_map(self) {
            if !value.is_null() {
                merged.insert(key, value);
            }
        }
        serde_json::from_value(serde_json::Value::Object(merged))
            .expect("settings read back what they wrote")
    }

    /// Fills unset settings with defaults (`shipped`: the engine files built into the
    /// binary) and checks every value.
    pub fn resolve(self, shipped: EngineSources) -> Result<Config, ConfigError> {
        let metrics_addr = match self.metrics_addr {
            None => Some(SocketAddr::from(([127, 0, 0, 1], 9464))),
            Some(OrOff::Off) => None,
            Some(OrOff::On(addr)) => Some(addr),
        };
        let limits = Limits {
            max_content_chars: positive("max_content_chars", self.max_content_chars, 32_768)?,
            max_batch: positive("max_batch", self.max_batch, 256)?,
            max_top_k: 20,
            max_in_flight: positive("max_in_flight", self.max_in_flight, 1_024)?,
            max_queued: positive("max_queued", self.max_queued, 64)?,
            max_message_bytes: positive(
                "max_message_bytes",
                self.max_message_bytes,
                crate::transport::DEFAULT_MAX_MESSAGE_BYTES,
            )?,
        };
        let tls = match (self.tls_cert, self.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert,
                key,
                client_ca: self.tls_client_ca,
            }),
            (None, None) if self.tls_client_ca.is_none() => None,
            (cert, _) => {
                return Err(ConfigError::Invalid {
                    setting: if cert.is_some() {
                        "tls_key"
                    } else {
                        "tls_cert"
                    },
                    value: String::new(),
                    reason: "TLS needs both tls_cert and tls_key (tls_client_ca adds mutual TLS)"
                        .into(),
                })
            }
        };
        let admin_client_names = self.admin_client_names.unwrap_or_default();
        if !admin_client_names.is_empty() && tls.as_ref().is_none_or(|t| t.client_ca.is_none()) {
            return Err(ConfigError::Invalid {
                setting: "admin_client_names",
                value: admin_client_names.join(","),
                reason: "client certificates are only checked under mutual TLS: set tls_client_ca"
                    .into(),
            });
        }
        Ok(Config {
            addr: self
                .addr
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 50051))),
            metrics_addr,
            engine: engine_sources(
                shipped,
                [
                    self.model,
                    self.catalogue,
                    self.channel_lists,
                    self.risk_lists,
                ],
            ),
            store_raw_text: self.store_raw_text.unwrap_or(false),
            limits,
            drain_delay: self.drain_delay.map_or(Duration::from_secs(1), |s| s.0),
            shutdown_timeout: self
                .shutdown_timeout
                .map_or(Duration::from_secs(20), |s| s.0),
            log_format: self.log_format.unwrap_or(LogFormat::Text),
            feedback_store: match self.feedback_store {
                Some(OrOff::On(url)) => Some(url),
                Some(OrOff::Off) | None => None,
            },
            feedback_retention: self
                .feedback_retention
                .map_or(Duration::from_secs(180 * 24 * 3600), |s| s.0),
            repeat_window: self
                .repeat_window
                .map_or(Duration::from_secs(90 * 24 * 3600), |s| s.0),
            repeat_refresh: self.repeat_refresh.map_or(Duration::from_secs(5), |s| s.0),
            tls,
            access: AccessFiles {
                admin_token_file: self.admin_token_file,
                admin_client_names,
                client_token_file: self.client_token_file,
                model_dir: self.model_dir,
            },
        })
    }
}

/// The engine's files: each path given (model, catalogue, channel lists, risk lists), else
/// the shipped copy.
fn engine_sources(shipped: EngineSources, given: [Option<PathBuf>; 4]) -> EngineSources {
    let [model, catalogue, channels, risks] = given;
    EngineSources {
        model: model.map_or(shipped.model, ModelSource::File),
        catalogue: catalogue.map_or(shipped.catalogue, CatalogueSource::Dir),
        lists: ListSources {
            channels: channels.map_or(shipped.lists.channels, ListSource::Dir),
            risks: risks.map_or(shipped.lists.risks, ListSource::Dir),
        },
    }
}

fn positive(setting: &'static str, value: Option<u32>, default: u32) -> Result<u32, ConfigError> {
    match value {
        None => Ok(default),
        Some(0) => Err(ConfigError::Invalid {
            setting,
            value: "0".into(),
            reason: "must be at least 1".into(),
        }),
        Some(v) => Ok(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> EngineSources {
        EngineSources {
            model: ModelSource::File("m.model".into()),
            catalogue: CatalogueSource::Dir("lists".into()),
            lists: ListSources {
                channels: ListSource::Dir("channel-lists".into()),
                risks: ListSource::Dir("risk-lists".into()),
            },
        }
    }

    #[test]
    fn higher_settings_win_and_defaults_fill_the_rest() {
        let flags = Settings {
            max_batch: Some(8),
            ..Settings::default()
        };
        let file: Settings =
            toml::from_str("max_batch = 64\nmax_in_flight = 10\nmetrics_addr = \"off\"").unwrap();
        let shipped = defaults();
        let config = flags.or(file).resolve(shipped).unwrap();
        assert_eq!(config.limits.max_batch, 8);
        assert_eq!(config.limits.max_in_flight, 10);
        assert_eq!(config.limits.max_content_chars, 32_768);
        assert_eq!(config.metrics_addr, None);
        assert_eq!(config.addr.to_string(), "127.0.0.1:50051");
    }

    #[test]
    fn typed_values_survive_the_merge() {
        let file: Settings = toml::from_str(
            "drain_delay = \"250ms\"\nfeedback_store = \"sqlite:/tmp/fb.db\"\nadmin_client_names = [\"ops\"]\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\ntls_client_ca = \"ca.pem\"",
        )
        .unwrap();
        let flags = Settings {
            feedback_retention: Some("7days".parse().unwrap()),
            metrics_addr: Some(OrOff::On(([0, 0, 0, 0], 9000).into())),
            ..Settings::default()
        };
        let merged = flags.or(file);
        assert_eq!(merged.drain_delay, Some(Span(Duration::from_millis(250))));
        assert_eq!(merged.admin_client_names, Some(vec!["ops".to_string()]));
        let shipped = defaults();
        let config = merged.resolve(shipped).unwrap();
        assert_eq!(
            config.feedback_store,
            Some(StoreUrl::Sqlite("/tmp/fb.db".into()))
        );
        assert_eq!(
            config.feedback_retention,
            Duration::from_secs(7 * 24 * 3600)
        );
        assert_eq!(config.metrics_addr.unwrap().to_string(), "0.0.0.0:9000");
    }

    /// The settings as the command line sees them.
    #[derive(clap::Parser)]
    struct Flags {
        #[command(flatten)]
        settings: Settings,
    }

    #[test]
    fn flags_take_the_same_typed_values_and_name_the_flag_when_wrong() {
        use clap::Parser;
        let flags =
            Flags::try_parse_from(["serve", "--drain-delay", "2s", "--metrics-addr", "off"])
                .unwrap()
                .settings;
        assert_eq!(flags.drain_delay, Some(Span(Duration::from_secs(2))));
        assert_eq!(flags.metrics_addr, Some(OrOff::Off));
        let e = Flags::try_parse_from(["serve", "--feedback-store", "mysql://x"])
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("--feedback-store") && e.contains("sqlite:PATH"),
            "{e}"
        );
    }

    #[test]
    fn bad_values_name_the_setting() {
        let shipped = defaults();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(&path, "drain_delay = \"soon\"\n").unwrap();
        let e = Settings::from_file(&path).unwrap_err().to_string();
        assert!(
            e.contains("drain_delay") && e.contains("soon") && e.contains("2s"),
            "{e}"
        );
        let e = Settings {
            max_in_flight: Some(0),
            ..Settings::default()
        }
        .resolve(shipped)
        .unwrap_err()
        .to_string();
        assert!(e.contains("max_in_flight"), "{e}");
    }

    #[test]
    fn tls_needs_a_certificate_and_its_key() {
        let shipped = defaults();
        let e = Settings {
            tls_cert: Some("server.pem".into()),
            ..Settings::default()
        }
        .resolve(shipped.clone())
        .unwrap_err()
        .to_string();
        assert!(e.contains("tls_key"), "{e}");
        let e = Settings {
            admin_client_names: Some(vec!["ops".into()]),
            ..Settings::default()
        }
        .resolve(shipped)
        .unwrap_err()
        .to_string();
        assert!(e.contains("tls_client_ca"), "{e}");
    }

    #[test]
    fn unknown_file_keys_are_refused_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(&path, "max_bach = 3\n").unwrap();
        let e = Settings::from_file(&path).unwrap_err().to_string();
        assert!(e.contains("server.toml") && e.contains("max_bach"), "{e}");
    }
}
