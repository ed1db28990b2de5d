//! Who may call what. AdminService needs an admin bearer token, or under mutual TLS a client
//! certificate whose name is listed; with neither configured it answers local callers only.
//! RouterService needs a client (or admin) token when client tokens are configured. Tokens are
//! compared in constant time and never logged. ReloadModel loads only from the model directory.

use crate::config::AccessFiles;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use subtle::ConstantTimeEq;
use tonic::service::Interceptor;
use tonic::{Request, Status};

/// A credentials file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// An admin or client token file cannot be read.
    #[error("cannot read {path}")]
    Read {
        /// The token file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A token file has no non-blank line: it would lock every caller out.
    #[error("{path} holds no token: write one token per line")]
    NoToken {
        /// The token file.
        path: PathBuf,
    },
    /// `--model-dir` does not exist, cannot be resolved or is not a directory.
    #[error("model directory {path} is not a readable directory")]
    ModelDir {
        /// The directory as configured.
        path: PathBuf,
        /// What the operating system said (`NotADirectory` for a file).
        source: std::io::Error,
    },
}

/// The bearer tokens of one role: one per non-empty line of its file, so that a new token can
/// be added before the old one is removed.
struct Tokens(Vec<Vec<u8>>);

impl Tokens {
    fn read(path: &Path) -> Result<Tokens, AccessError> {
        let text = std::fs::read_to_string(path).map_err(|source| AccessError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let tokens: Vec<Vec<u8>> = text
            .lines()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| t.as_bytes().to_vec())
            .collect();
        if tokens.is_empty() {
            return Err(AccessError::NoToken {
                path: path.to_path_buf(),
            });
        }
        Ok(Tokens(tokens))
    }

    /// Every token is compared, each in constant time, so that timing tells nothing about
    /// which one nearly matched.
    fn accepts(&self, presented: &[u8]) -> bool {
        self.0.iter().fold(0u8, |any, t| {
            any | t.as_slice().ct_eq(presented).unwrap_u8()
        }) == 1
    }
}

/// The access rules of one server, loaded at start.
pub struct Access {
    admin_tokens: Option<Tokens>,
    admin_client_names: Vec<String>,
    client_tokens: Option<Tokens>,
    /// Canonical.
    model_dir: Option<PathBuf>,
}

/// Which service a gate guards.
#[derive(Clone, Copy)]
enum Guarded {
    Router,
    Admin,
}

/// The interceptor in front of one service.
#[derive(Clone)]
pub struct Gate {
    access: Arc<Access>,
    guarded: Guarded,
}

impl Access {
    /// Reads the token files and checks the model directory.
    pub fn load(files: &AccessFiles) -> Result<Access, AccessError> {
        let tokens = |path: &Option<PathBuf>| path.as_deref().map(Tokens::read).transpose();
        let model_dir = files
            .model_dir
            .as_deref()
            .map(|dir| {
                std::fs::canonicalize(dir)
                    .and_then(|c| match c.is_dir() {
                        true => Ok(c),
                        false => Err(std::io::ErrorKind::NotADirectory.into()),
                    })
                    .map_err(|source| AccessError::ModelDir {
                        path: dir.to_path_buf(),
                        source,
                    })
            })
            .transpose()?;
        Ok(Access {
            admin_tokens: tokens(&files.admin_token_file)?,
            admin_client_names: files.admin_client_names.clone(),
            client_tokens: tokens(&files.client_token_file)?,
            model_dir,
        })
    }

    pub fn router_gate(self: &Arc<Self>) -> Gate {
        Gate {
            access: self.clone(),
            guarded: Guarded::Router,
        }
    }

    pub fn admin_gate(self: &Arc<Self>) -> Gate {
        Gate {
            access: self.clone(),
            guarded: Guarded::Admin,
        }
    }

    /// The file ReloadModel may load for `requested` (relative paths are taken under the model
    /// directory). Anything outside it is refused with the same message whether it exists or
    /// not, so that callers learn nothing about the server's other files.
    pub fn reloadable(&self, requested: &Path) -> Result<PathBuf, Status> {
        let Some(dir) = &self.model_dir else {
            return Err(Status::failed_precondition(
                "this server has no model directory (--model-dir): ReloadModel can only re-read the files it serves; leave the paths empty",
            ));
        };
        let outside = || {
            Status::failed_precondition(
                "ReloadModel loads only from the server's model directory (--model-dir): name a file inside it, relative to it",
            )
        };
        let path = dir.join(requested);
        // `..` could climb out before the file exists; canonicalising resolves symbolic links.
        if path.components().any(|c| c == Component::ParentDir) {
            return Err(outside());
        }
        match std::fs::canonicalize(&path) {
            Ok(real) if real.starts_with(dir) => Ok(real),
            Ok(_) => Err(outside()),
            Err(e) if path.starts_with(dir) => Err(Status::failed_precondition(format!(
                "{} in the model directory cannot be read: {e}",
                requested.display()
            ))),
            Err(_) => Err(outside()),
        }
    }
}

impl Interceptor for Gate {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        match self.check(&request) {
            Ok(()) => Ok(request),
            Err(refused) => {
                tracing::info!(peer = ?request.remote_addr(), code = ?refused.code(), "call refused");
                Err(refused)
            }
        }
    }
}

impl Gate {
    fn check(&self, request: &Request<()>) -> Result<(), Status> {
        let access = &self.access;
        let admin_token = |t: &[u8]| access.admin_tokens.as_ref().is_some_and(|a| a.accepts(t));
        let client_token = |t: &[u8]| access.client_tokens.as_ref().is_some_and(|c| c.accepts(t));
        match self.guarded {
            Guarded::Router => match access.client_tokens {
                None => Ok(()),
                Some(_) => match bearer(request)? {
                    Some(t) if client_token(t) || admin_token(t) => Ok(()),
                    Some(_) => Err(Status::unauthenticated("the bearer token is not valid")),
                    None => Err(Status::unauthenticated(
                        "RouterService needs a client token: send `authorization: Bearer <token>`",
                    )),
                },
            },
            Guarded::Admin if access.admin_certificate(request) => Ok(()),
            Guarded::Admin => match bearer(request)? {
                Some(t) if admin_token(t) => Ok(()),
                Some(t) if client_token(t) => Err(Status::permission_denied(
                    "this token may route petitions only: AdminService needs an admin token",
                )),
                Some(_) => Err(Status::unauthenticated("the bearer token is not valid")),
                None if has_certificate(request) => Err(Status::permission_denied(
                    "this client certificate is not on the admin list (--admin-client-names): send an admin token",
                )),
                None if access.admin_configured() => Err(Status::unauthenticated(
                    "AdminService needs an admin token: send `authorization: Bearer <token>`",
                )),
                // Nothing configured: only the machine itself may administer the server.
                None if is_local(request) => Ok(()),
                None => Err(Status::permission_denied(
                    "AdminService answers only local callers unless the server has an admin token (--admin-token-file)",
                )),
            },
        }
    }
}

impl Access {
    fn admin_configured(&self) -> bool {
        self.admin_tokens.is_some() || !self.admin_client_names.is_empty()
    }

    /// Whether the caller's verified client certificate names an administrator.
    fn admin_certificate(&self, request: &Request<()>) -> bool {
        if self.admin_client_names.is_empty() {
            return false;
        }
        let Some(chain) = request.peer_certs() else {
            return false;
        };
        // The first certificate is the client's own; the TLS layer has checked it against the CA.
        chain
            .first()
            .and_then(|der| common_name(der.as_ref()))
            .is_some_and(|cn| self.admin_client_names.contains(&cn))
    }
}

/// The bearer token of `authorization`, if the header is there.
fn bearer(request: &Request<()>) -> Result<Option<&[u8]>, Status> {
    let Some(value) = request.metadata().get("authorization") else {
        return Ok(None);
    };
    let token = value
        .as_bytes()
        .strip_prefix(b"Bearer ")
        .map(|t| t.trim_ascii())
        .filter(|t| !t.is_empty());
    match token {
        Some(t) => Ok(Some(t)),
        None => Err(Status::unauthenticated(
            "the authorization header is not `Bearer <token>`",
        )),
    }
}

fn has_certificate(request: &Request<()>) -> bool {
    request.peer_certs().is_some_and(|chain| !chain.is_empty())
}

fn is_local(request: &Request<()>) -> bool {
    request.remote_addr().is_some_and(|a| a.ip().is_loopback())
}

/// The subject's common name (CN) of a DER certificate.
fn common_name(der: &[u8]) -> Option<String> {
    let (_, certificate) = x509_parser::parse_x509_certificate(der).ok()?;
    let cn = certificate.subject().iter_common_name().next()?;
    cn.as_str().ok().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(dir: &Path, admin: &str, client: &str) -> Arc<Access> {
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            Some(path)
        };
        Arc::new(
            Access::load(&AccessFiles {
                admin_token_file: write("admin.token", admin),
                client_token_file: write("client.token", client),
                admin_client_names: Vec::new(),
                model_dir: Some(dir.to_path_buf()),
            })
            .unwrap(),
        )
    }

    fn call(gate: &mut Gate, token: Option<&str>) -> Result<(), tonic::Code> {
        let mut request = Request::new(());
        if let Some(t) = token {
            let value = format!("Bearer {t}").parse().unwrap();
            request.metadata_mut().insert("authorization", value);
        }
        gate.call(request).map(|_| ()).map_err(|s| s.code())
    }

    #[test]
    fn each_service_takes_its_own_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let access = access(dir.path(), "old-admin\n\nnew-admin\n", "clerk-desk\n");
        let (mut admin, mut router) = (access.admin_gate(), access.router_gate());
        use tonic::Code::{PermissionDenied, Unauthenticated};
        assert_eq!(call(&mut admin, Some("old-admin")), Ok(()));
        assert_eq!(call(&mut admin, Some("new-admin")), Ok(()));
        assert_eq!(call(&mut admin, Some("clerk-desk")), Err(PermissionDenied));
        assert_eq!(call(&mut admin, Some("new-admi")), Err(Unauthenticated));
        assert_eq!(call(&mut admin, None), Err(Unauthenticated));
        assert_eq!(call(&mut router, Some("clerk-desk")), Ok(()));
        assert_eq!(call(&mut router, Some("new-admin")), Ok(()));
        assert_eq!(call(&mut router, Some("clerk-desk2")), Err(Unauthenticated));
        assert_eq!(call(&mut router, None), Err(Unauthenticated));
    }

    #[test]
    fn an_empty_token_file_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin.token");
        std::fs::write(&path, "\n  \n").unwrap();
        let files = AccessFiles {
            admin_token_file: Some(path),
            ..AccessFiles::default()
        };
        let e = Access::load(&files).err().unwrap().to_string();
        assert!(e.contains("admin.token") && e.contains("no token"), "{e}");
    }

    #[test]
    fn reload_paths_stay_inside_the_model_directory() {
        let root = tempfile::tempdir().unwrap();
        let models = root.path().join("models");
        std::fs::create_dir(&models).unwrap();
        std::fs::write(models.join("v2.model"), "x").unwrap();
        std::fs::write(root.path().join("secret.model"), "x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.path().join("secret.model"), models.join("link.model"))
            .unwrap();
        let access = access(&models, "a", "c");
        let inside = access.reloadable(Path::new("v2.model")).unwrap();
        assert!(inside.ends_with("models/v2.model"));
        assert!(access.reloadable(&models.join("v2.model")).is_ok());
        let outside = access
            .reloadable(&root.path().join("secret.model"))
            .unwrap_err();
        let missing = access.reloadable(Path::new("/no/such/file")).unwrap_err();
        // The same answer whether the outside file exists or not.
        assert_eq!(outside.message(), missing.message());
        assert_eq!(outside.code(), tonic::Code::FailedPrecondition);
        for sneaky in ["../secret.model", "link.model"] {
            let e = access.reloadable(Path::new(sneaky)).unwrap_err();
            assert_eq!(e.message(), outside.message(), "{sneaky}");
        }
        let absent = access.reloadable(Path::new("v3.model")).unwrap_err();
        assert!(absent.message().contains("v3.model"), "{absent}");
    }
}
