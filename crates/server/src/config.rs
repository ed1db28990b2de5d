//! Server configuration: every setting can come from a flag, an environment variable or a TOML
//! file; the caller merges them (flags over environment over file) into [`Settings`], and
//! [`Settings::resolve`] fills the rest with defaults.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("log format {other:?} is unknown: use text or json")),
        }
    }
}

/// Settings as given, each optional; also the shape of the TOML configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// gRPC listen address.
    pub addr: Option<SocketAddr>,
    /// Prometheus metrics listen address, or "off".
    pub metrics_addr: Option<String>,
    pub model: Option<PathBuf>,
    pub catalogue: Option<PathBuf>,
    /// Longest accepted petition content, in characters.
    pub max_content_chars: Option<u32>,
    /// Most petitions in one RouteBatch.
    pub max_batch: Option<u32>,
    /// Most petitions in the server at once (waiting for a routing thread or routed; an open
    /// stream counts one); beyond, calls get RESOURCE_EXHAUSTED.
    pub max_in_flight: Option<u32>,
    /// Most calls waiting for a routing thread (one per core); beyond, new calls get
    /// RESOURCE_EXHAUSTED at once, so that accepted calls keep a bounded latency.
    pub max_queued: Option<u32>,
    /// Largest gRPC message accepted or sent, in bytes.
    pub max_message_bytes: Option<u32>,
    /// On shutdown, how long health reports NOT_SERVING before the listener closes, so that
    /// load balancers stop sending (e.g. "2s").
    pub drain_delay: Option<String>,
    /// On shutdown, how long calls in flight may take to finish (e.g. "20s").
    pub shutdown_timeout: Option<String>,
    pub log_format: Option<LogFormat>,
    /// Feedback store URL (`sqlite:PATH`), or "off".
    pub feedback_store: Option<String>,
    /// How long routed petitions are kept for their outcome (e.g. "180days").
    pub feedback_retention: Option<String>,
    /// TLS on the gRPC port: the server's certificate chain and private key (PEM).
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Mutual TLS: clients must present a certificate signed by this CA (PEM).
    pub tls_client_ca: Option<PathBuf>,
    /// Bearer tokens AdminService accepts, one per line.
    pub admin_token_file: Option<PathBuf>,
    /// Under mutual TLS, client certificates whose subject common name (CN) is listed here may
    /// call AdminService without a token.
    pub admin_client_names: Option<Vec<String>>,
    /// Bearer tokens RouterService requires, one per line; unset: RouterService is open.
    pub client_token_file: Option<PathBuf>,
    /// The directory ReloadModel may load model files and keyword lists from.
    pub model_dir: Option<PathBuf>,
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path} is invalid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{setting} {value:?} is invalid: {reason}")]
    Invalid {
        setting: &'static str,
        value: String,
        reason: String,
    },
}

/// The resolved configuration of one server.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub metrics_addr: Option<SocketAddr>,
    pub model: PathBuf,
    pub catalogue: PathBuf,
    pub limits: Limits,
    pub drain_delay: Duration,
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
    /// Where routed petitions and outcomes are kept; `None`: nowhere.
    pub feedback_store: Option<String>,
    pub feedback_retention: Duration,
    /// TLS on the gRPC port, if configured.
    pub tls: Option<TlsFiles>,
    pub access: AccessFiles,
}

/// The PEM files of the gRPC port's TLS.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub client_ca: Option<PathBuf>,
}

/// Who may call what (read and checked by [`crate::auth::Access::load`]).
#[derive(Debug, Clone, Default)]
pub struct AccessFiles {
    pub admin_token_file: Option<PathBuf>,
    pub admin_client_names: Vec<String>,
    pub client_token_file: Option<PathBuf>,
    pub model_dir: Option<PathBuf>,
}

/// Request limits, also reported to clients by ListDepartments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_content_chars: u32,
    pub max_batch: u32,
    pub max_top_k: u32,
    pub max_in_flight: u32,
    pub max_queued: u32,
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

    /// Each setting of `self`, else of `lower`.
    pub fn or(self, lower: Settings) -> Settings {
        Settings {
            addr: self.addr.or(lower.addr),
            metrics_addr: self.metrics_addr.or(lower.metrics_addr),
            model: self.model.or(lower.model),
            catalogue: self.catalogue.or(lower.catalogue),
            max_content_chars: self.max_content_chars.or(lower.max_content_chars),
            max_batch: self.max_batch.or(lower.max_batch),
            max_in_flight: self.max_in_flight.or(lower.max_in_flight),
            max_queued: self.max_queued.or(lower.max_queued),
            max_message_bytes: self.max_message_bytes.or(lower.max_message_bytes),
            drain_delay: self.drain_delay.or(lower.drain_delay),
            shutdown_timeout: self.shutdown_timeout.or(lower.shutdown_timeout),
            log_format: self.log_format.or(lower.log_format),
            feedback_store: self.feedback_store.or(lower.feedback_store),
            feedback_retention: self.feedback_retention.or(lower.feedback_retention),
            tls_cert: self.tls_cert.or(lower.tls_cert),
            tls_key: self.tls_key.or(lower.tls_key),
            tls_client_ca: self.tls_client_ca.or(lower.tls_client_ca),
            admin_token_file: self.admin_token_file.or(lower.admin_token_file),
            admin_client_names: self.admin_client_names.or(lower.admin_client_names),
            client_token_file: self.client_token_file.or(lower.client_token_file),
            model_dir: self.model_dir.or(lower.model_dir),
        }
    }

    /// Fills unset settings with defaults (`default_model` and `default_catalogue` are the
    /// shipped files) and checks every value.
    pub fn resolve(
        self,
        default_model: PathBuf,
        default_catalogue: PathBuf,
    ) -> Result<Config, ConfigError> {
        let metrics_addr = match self.metrics_addr.as_deref() {
            None => Some(SocketAddr::from(([127, 0, 0, 1], 9464))),
            Some("off") => None,
            Some(a) => Some(a.parse().map_err(|e| ConfigError::Invalid {
                setting: "metrics_addr",
                value: a.to_string(),
                reason: format!("{e}; use HOST:PORT or off"),
            })?),
        };
        let limits = Limits {
            max_content_chars: positive("max_content_chars", self.max_content_chars, 32_768)?,
            max_batch: positive("max_batch", self.max_batch, 256)?,
            max_top_k: 20,
            max_in_flight: positive("max_in_flight", self.max_in_flight, 1_024)?,
            max_queued: positive("max_queued", self.max_queued, 64)?,
            max_message_bytes: positive("max_message_bytes", self.max_message_bytes, 16 << 20)?,
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
            model: self.model.unwrap_or(default_model),
            catalogue: self.catalogue.unwrap_or(default_catalogue),
            limits,
            drain_delay: duration("drain_delay", self.drain_delay, Duration::from_secs(1))?,
            shutdown_timeout: duration(
                "shutdown_timeout",
                self.shutdown_timeout,
                Duration::from_secs(20),
            )?,
            log_format: self.log_format.unwrap_or(LogFormat::Text),
            feedback_store: self.feedback_store.filter(|s| s != "off"),
            feedback_retention: duration(
                "feedback_retention",
                self.feedback_retention,
                Duration::from_secs(180 * 24 * 3600),
            )?,
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

fn duration(
    setting: &'static str,
    value: Option<String>,
    default: Duration,
) -> Result<Duration, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) => humantime::parse_duration(&v).map_err(|e| ConfigError::Invalid {
            setting,
            value: v.clone(),
            reason: format!("{e}; write e.g. 500ms, 2s or 1m"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> (PathBuf, PathBuf) {
        (PathBuf::from("m.model"), PathBuf::from("lists"))
    }

    #[test]
    fn higher_settings_win_and_defaults_fill_the_rest() {
        let flags = Settings {
            max_batch: Some(8),
            ..Settings::default()
        };
        let file: Settings =
            toml::from_str("max_batch = 64\nmax_in_flight = 10\nmetrics_addr = \"off\"").unwrap();
        let (m, c) = defaults();
        let config = flags.or(file).resolve(m, c).unwrap();
        assert_eq!(config.limits.max_batch, 8);
        assert_eq!(config.limits.max_in_flight, 10);
        assert_eq!(config.limits.max_content_chars, 32_768);
        assert_eq!(config.metrics_addr, None);
        assert_eq!(config.addr.to_string(), "127.0.0.1:50051");
    }

    #[test]
    fn bad_values_name_the_setting() {
        let (m, c) = defaults();
        let e = Settings {
            drain_delay: Some("soon".into()),
            ..Settings::default()
        }
        .resolve(m.clone(), c.clone())
        .unwrap_err()
        .to_string();
        assert!(e.contains("drain_delay") && e.contains("soon"), "{e}");
        let e = Settings {
            max_in_flight: Some(0),
            ..Settings::default()
        }
        .resolve(m, c)
        .unwrap_err()
        .to_string();
        assert!(e.contains("max_in_flight"), "{e}");
    }

    #[test]
    fn tls_needs_a_certificate_and_its_key() {
        let (m, c) = defaults();
        let e = Settings {
            tls_cert: Some("server.pem".into()),
            ..Settings::default()
        }
        .resolve(m.clone(), c.clone())
        .unwrap_err()
        .to_string();
        assert!(e.contains("tls_key"), "{e}");
        let e = Settings {
            admin_client_names: Some(vec!["ops".into()]),
            ..Settings::default()
        }
        .resolve(m, c)
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
