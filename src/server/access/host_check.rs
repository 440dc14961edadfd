//! The `Host` check, against DNS rebinding: a page on a name the attacker
//! controls, resolved to this server's address, is same-origin with itself
//! and passes the websocket's Origin check. What it cannot fake is the
//! `Host` its browser sends, so requests for names this server does not
//! have are refused (421) before any handler runs.
//!
//! - Always: loopback names and addresses (`localhost`, `127.0.0.1`,
//!   `[::1]`, any port), the operator's `DISPATCH_ALLOWED_HOSTS`, and the
//!   names of the TLS certificate served.
//! - Off loopback, also any IP literal (a LAN address, Docker's published
//!   port): nobody can rebind an address.
//! - A trusted proxy's `X-Forwarded-Host` is its own word on the name (the
//!   proxy chose to route it here), so it passes. So does a request whose
//!   `X-Forwarded-Host` repeats its `Host`: a proxy on the same machine that
//!   passes the browser's `Host` on (Caddy does by default) and was not
//!   named in `DISPATCH_TRUSTED_PROXIES`. A browser never sends that header
//!   on a navigation or a websocket upgrade, and a script on a rebound page
//!   that adds it to a `fetch` still has no access key.

use std::{net::IpAddr, sync::Arc};

use axum::{
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use rustls::pki_types::{CertificateDer, ServerName};

use crate::server::edge::transport::Client;

/// Which names this server answers to.
#[derive(Clone, Debug, Default)]
pub struct HostPolicy {
    /// The server listens on a loopback address only.
    pub loopback: bool,
    /// `DISPATCH_ALLOWED_HOSTS`, in lower case, without ports.
    pub allowed: Vec<String>,
    /// The leaf of the TLS certificate served, whose names pass.
    pub certificate: Option<CertificateDer<'static>>,
}

/// Why a `Host` was refused; the message names the setting to change.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HostRefusal {
    #[error("Dispatch listens on loopback and answers only to localhost, 127.0.0.1 or [::1], not to \"{0}\" (a page on another name that resolves here may be a DNS rebinding attack). If you reach this server by that name, add it to DISPATCH_ALLOWED_HOSTS.")]
    NotLoopback(String),
    #[error("This server does not answer to the name \"{0}\". If that is its name, add it to DISPATCH_ALLOWED_HOSTS (or serve a TLS certificate for it).")]
    UnknownName(String),
    #[error("The Host header \"{0}\" is not a host name.")]
    Malformed(String),
}

impl HostPolicy {
    /// `host` as the client sent it (`name[:port]`, `[v6]:port`);
    /// `proxied` when a proxy vouches for it (see the module's notes). A
    /// request with no host at all (HTTP/1.0, a script) is not a browser's
    /// and passes.
    pub(crate) fn check(&self, host: Option<&str>, proxied: bool) -> Result<(), HostRefusal> {
        let Some(authority) = host.map(str::trim) else {
            return Ok(());
        };
        if proxied {
            return Ok(());
        }
        let name = host_name(authority)
            .ok_or_else(|| HostRefusal::Malformed(shown(authority)))?
            .to_ascii_lowercase();
        let literal = name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok();
        if name == "localhost" || literal.is_some_and(|ip| ip.is_loopback()) {
            return Ok(());
        }
        if self.allowed.contains(&name) || self.certificate_names(&name) {
            return Ok(());
        }
        if self.loopback {
            return Err(HostRefusal::NotLoopback(shown(&name)));
        }
        if literal.is_some() {
            return Ok(());
        }
        Err(HostRefusal::UnknownName(shown(&name)))
    }

    fn certificate_names(&self, name: &str) -> bool {
        let Some(der) = &self.certificate else {
            return false;
        };
        let (Ok(cert), Ok(server_name)) = (
            webpki::EndEntityCert::try_from(der),
            ServerName::try_from(name),
        ) else {
            return false;
        };
        cert.verify_is_valid_for_subject_name(&server_name).is_ok()
    }
}

/// `DISPATCH_ALLOWED_HOSTS` entries as the check compares them: lower case,
/// without a port.
pub fn allowed_names(configured: &[String]) -> Vec<String> {
    configured
        .iter()
        .filter_map(|entry| host_name(entry.trim()))
        .filter(|name| !name.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The name part of `name[:port]` or `[v6][:port]`; `None` when it is not one.
fn host_name(authority: &str) -> Option<&str> {
    let name = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let rest = &authority[end + 1..];
        if !(rest.is_empty() || rest.strip_prefix(':').is_some_and(is_port)) {
            return None;
        }
        &authority[..=end]
    } else {
        match authority.rsplit_once(':') {
            Some((name, port)) if is_port(port) => name,
            Some(_) => return None,
            None => authority,
        }
    };
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '[' | ']' | ':'));
    valid.then_some(name)
}

fn is_port(text: &str) -> bool {
    !text.is_empty() && text.len() <= 5 && text.chars().all(|c| c.is_ascii_digit())
}

/// A name as a message may show it: short, printable.
fn shown(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(100).collect()
}

/// Middleware: answers 421 to a request for a name this server does not
/// have. Runs after `transport::identify_client`, which says what the host is.
pub(crate) async fn refuse_foreign_hosts(
    State(policy): State<Arc<HostPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let client = request.extensions().get::<Client>();
    let host = client.and_then(|c| c.host.as_deref());
    let proxied = client.is_some_and(|c| c.host_from_proxy) || forwarded_as_is(&request);
    match policy.check(host, proxied) {
        Ok(()) => next.run(request).await,
        Err(refusal) => {
            tracing::warn!(%refusal, ip = ?client.and_then(|c| c.ip), "request for a foreign host refused");
            (StatusCode::MISDIRECTED_REQUEST, refusal.to_string()).into_response()
        }
    }
}

/// A proxy's `X-Forwarded-Host` that repeats the request's own `Host`.
fn forwarded_as_is(request: &Request) -> bool {
    let value = |name| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_ascii_lowercase())
    };
    match (value("x-forwarded-host"), value("host")) {
        (Some(forwarded), Some(host)) => forwarded == host,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback() -> HostPolicy {
        HostPolicy {
            loopback: true,
            ..HostPolicy::default()
        }
    }

    fn network(allowed: &[&str]) -> HostPolicy {
        HostPolicy {
            loopback: false,
            allowed: allowed_names(&allowed.iter().map(|a| a.to_string()).collect::<Vec<_>>()),
            certificate: None,
        }
    }

    #[test]
    fn on_loopback_only_loopback_names_pass() {
        let policy = loopback();
        for host in [
            "localhost",
            "LOCALHOST:3000",
            "127.0.0.1",
            "127.0.0.1:3000",
            "127.0.0.2:8080",
            "[::1]",
            "[::1]:3000",
        ] {
            assert_eq!(policy.check(Some(host), false), Ok(()), "{host}");
        }
        for host in [
            "evil.example:3000",
            "192.168.1.5:3000",
            "localhost.evil.example",
        ] {
            assert!(
                matches!(
                    policy.check(Some(host), false),
                    Err(HostRefusal::NotLoopback(_))
                ),
                "{host}"
            );
        }
        let refusal = policy.check(Some("evil.example:3000"), false).unwrap_err();
        assert!(refusal.to_string().contains("DISPATCH_ALLOWED_HOSTS"));
        assert!(refusal.to_string().contains("\"evil.example\""));
    }

    #[test]
    fn allowed_names_pass_anywhere_and_proxies_name_their_own() {
        let mut policy = loopback();
        policy.allowed = allowed_names(&["Dispatch.Example:443".into(), " tunnel.local ".into()]);
        assert_eq!(policy.check(Some("dispatch.example"), false), Ok(()));
        assert_eq!(policy.check(Some("TUNNEL.local:3000"), false), Ok(()));
        assert!(policy.check(Some("other.example"), false).is_err());
        assert_eq!(policy.check(Some("other.example"), true), Ok(()));
        assert_eq!(policy.check(None, false), Ok(()));
    }

    #[test]
    fn off_loopback_ip_literals_pass_and_unknown_names_are_named() {
        let policy = network(&["dispatch.example"]);
        for host in [
            "192.168.1.5:3000",
            "10.0.0.2",
            "[2001:db8::5]:443",
            "localhost:3000",
            "dispatch.example",
        ] {
            assert_eq!(policy.check(Some(host), false), Ok(()), "{host}");
        }
        assert_eq!(
            policy.check(Some("rebind.evil.example:3000"), false),
            Err(HostRefusal::UnknownName("rebind.evil.example".into()))
        );
    }

    #[test]
    fn the_certificate_names_pass_wildcards_included() {
        use rustls::pki_types::pem::PemObject;
        let certificate = CertificateDer::from_pem_file(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/tls/named-cert.pem"
        ))
        .unwrap();
        for loopback in [true, false] {
            let policy = HostPolicy {
                loopback,
                allowed: Vec::new(),
                certificate: Some(certificate.clone()),
            };
            for host in ["dispatch.test:443", "DISPATCH.TEST", "web.apps.test"] {
                assert_eq!(policy.check(Some(host), false), Ok(()), "{host}");
            }
            for host in ["evil.test", "a.b.apps.test", "apps.test"] {
                assert!(policy.check(Some(host), false).is_err(), "{host}");
            }
        }
    }

    #[test]
    fn malformed_hosts_are_refused() {
        let policy = network(&[]);
        for host in [
            "a b",
            "evil.example:port",
            "[::1",
            "[::1]x",
            "",
            "a/b:80",
            "x:123456",
        ] {
            assert!(
                matches!(
                    policy.check(Some(host), false),
                    Err(HostRefusal::Malformed(_))
                ),
                "{host}"
            );
        }
    }
}
