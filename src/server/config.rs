//! The server's configuration: every setting is a flag and an environment
//! variable, listed in docs/deployment.md, "Configuration".

use std::{
    net::{IpAddr, SocketAddr},
    path::{Path, PathBuf},
    time::Duration,
};

use clap::Parser;
use ipnet::IpNet;
use secrecy::SecretString;

use super::edge::acme;

/// Dispatch: sign the Claude Code CLI on this server into a Claude account from a browser.
#[derive(Debug, Parser)]
#[command(name = "dispatch", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "DISPATCH_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Access key for the browser and the API (at least 16 characters).
    /// Generated at start and printed once when unset.
    #[arg(long, env = "DISPATCH_KEY", hide_env_values = true)]
    pub key: Option<SecretString>,

    /// `false` turns the Claude login feature off.
    #[arg(
        long,
        env = "CLAUDE_AUTH_ENABLED",
        default_value_t = true,
        action = clap::ArgAction::Set,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub auth_enabled: bool,

    /// Directory where Dispatch keeps the credential it captured.
    #[arg(long, env = "CLAUDE_CREDENTIALS_PATH", default_value = "~/.claude")]
    pub credentials_path: String,

    /// The key that encrypts the stored credential; kept outside
    /// CLAUDE_CREDENTIALS_PATH and created (0600) when missing.
    #[arg(
        long,
        env = "DISPATCH_CREDENTIALS_KEY_FILE",
        default_value = "~/.config/dispatch/credentials.key"
    )]
    pub credentials_key_file: String,

    /// Lifetime of one login flow, in milliseconds.
    #[arg(long, env = "CLAUDE_AUTH_TIMEOUT", default_value_t = 600_000,
          value_parser = clap::value_parser!(u64).range(1_000..))]
    pub auth_timeout: u64,

    /// Path of the `claude` binary (default: ./node_modules/.bin/claude, else `claude` on PATH).
    #[arg(long, env = "CLAUDE_CLI")]
    pub claude_cli: Option<PathBuf>,

    /// Extra browser origins allowed on the websocket (comma-separated).
    #[arg(long, env = "DISPATCH_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Log format: `text` for people, `json` (one object a line) for collectors.
    #[arg(long, env = "DISPATCH_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Login flows one client address may start per minute.
    #[arg(long, env = "DISPATCH_STARTS_PER_MINUTE", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub starts_per_minute: u32,

    /// How long a flow whose connection dropped waits to be resumed, in ms.
    #[arg(long, env = "DISPATCH_RESUME_GRACE_MS", default_value_t = 120_000, hide = true,
          value_parser = clap::value_parser!(u64).range(100..))]
    pub resume_grace_ms: u64,

    /// How long the CLI may take to show a sign-in link before its screen
    /// goes to the browser to be answered by hand, in ms.
    #[arg(long, env = "DISPATCH_NO_LINK_MS", default_value_t = 20_000, hide = true,
          value_parser = clap::value_parser!(u64).range(100..))]
    pub no_link_ms: u64,

    /// Live login flows at once, server-wide.
    #[arg(long, env = "DISPATCH_MAX_FLOWS", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_flows: u32,

    /// Folder whose sub-folders are the projects a Claude session runs in.
    #[arg(long, env = "DISPATCH_PROJECTS_ROOT", default_value = "~/projects")]
    pub projects_root: String,

    /// `claude` prompts running at once, server-wide.
    #[arg(long, env = "DISPATCH_MAX_SESSIONS", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_sessions: u32,

    /// Longest one prompt may run, in milliseconds; then it is stopped.
    #[arg(long, env = "DISPATCH_PROMPT_TIMEOUT", default_value_t = 600_000,
          value_parser = clap::value_parser!(u64).range(1_000..))]
    pub prompt_timeout: u64,

    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, env = "DISPATCH_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key of --tls-cert (PEM).
    #[arg(long, env = "DISPATCH_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Serve HTTPS with a certificate for these names (comma-separated)
    /// from an ACME service, obtained and renewed by Dispatch itself
    /// (TLS-ALPN-01: port 443 of each name must reach this port).
    #[arg(long, env = "DISPATCH_ACME_DOMAIN", value_delimiter = ',',
          value_parser = parse_domain)]
    pub acme_domain: Vec<String>,

    /// A contact address for the ACME account (expiry notices).
    #[arg(long, env = "DISPATCH_ACME_EMAIL")]
    pub acme_email: Option<String>,

    /// The ACME directory (Let's Encrypt's; its staging service is
    /// https://acme-staging-v02.api.letsencrypt.org/directory).
    #[arg(long, env = "DISPATCH_ACME_DIRECTORY", default_value = acme::LETS_ENCRYPT)]
    pub acme_directory: String,

    /// Where the ACME account key and certificates are kept (default: an
    /// `acme` folder beside --credentials-key-file).
    #[arg(long, env = "DISPATCH_ACME_CACHE")]
    pub acme_cache: Option<PathBuf>,

    /// A CA (PEM) to trust for the ACME directory besides the public ones,
    /// for a private ACME service.
    #[arg(long, env = "DISPATCH_ACME_DIRECTORY_CA")]
    pub acme_directory_ca: Option<PathBuf>,

    /// Reverse proxies (addresses or networks, comma-separated) whose
    /// X-Forwarded-For / -Proto / -Host headers are believed.
    #[arg(long, env = "DISPATCH_TRUSTED_PROXIES", value_delimiter = ',',
          value_parser = parse_proxy)]
    pub trusted_proxies: Vec<IpNet>,

    /// Extra variables of the server's environment passed to every Claude
    /// CLI run (comma-separated names; `PREFIX*` for every name that starts so).
    #[arg(long, env = "DISPATCH_CLI_ENV", value_delimiter = ',')]
    pub cli_env: Vec<String>,

    /// Open websockets one client address may hold (IPv6: per /64).
    #[arg(long, env = "DISPATCH_MAX_SOCKETS_PER_ADDRESS", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_sockets_per_address: u32,

    /// Extra names this server answers to (the `Host` a browser sends),
    /// comma-separated; IP addresses and localhost always pass.
    #[arg(long, env = "DISPATCH_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,

    /// How long a new websocket may go without a valid access key, in ms.
    #[arg(long, env = "DISPATCH_SOCKET_KEY_WAIT_MS", default_value_t = 10_000, hide = true,
          value_parser = clap::value_parser!(u64).range(100..))]
    pub socket_key_wait_ms: u64,

    /// How long a websocket with no flow and no prompt may stay quiet, in ms.
    #[arg(long, env = "DISPATCH_SOCKET_IDLE_MS", default_value_t = 600_000, hide = true,
          value_parser = clap::value_parser!(u64).range(100..))]
    pub socket_idle_ms: u64,

    /// How long a client may take to send a request's headers, in ms.
    #[arg(long, env = "DISPATCH_HEADER_TIMEOUT_MS", default_value_t = 10_000, hide = true,
          value_parser = clap::value_parser!(u64).range(100..))]
    pub header_timeout_ms: u64,

    /// Serve plain HTTP on an address other machines can reach, knowingly.
    #[arg(
        long,
        env = "DISPATCH_INSECURE_HTTP",
        default_value_t = false,
        action = clap::ArgAction::Set,
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub insecure_http: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::Subcommand)]
pub enum Command {
    /// Asks the server configured by the same settings for `/healthz`; exits
    /// 0 when it answers, 1 otherwise (the container's health check).
    Healthcheck,
}

/// Why the server will not listen where it was asked to.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExposureError {
    #[error(
        "refusing to serve plain HTTP on {0}, an address other machines can reach: the access \
         key and the Claude sign-in code would cross the network unencrypted.\n\
         Pick one:\n  \
         - serve HTTPS with a certificate from Let's Encrypt: --acme-domain \
         (DISPATCH_ACME_DOMAIN=dispatch.example.com);\n  \
         - serve HTTPS with your own files: --tls-cert and --tls-key (DISPATCH_TLS_CERT, \
         DISPATCH_TLS_KEY);\n  \
         - put Dispatch behind a TLS-terminating proxy and name it: --trusted-proxies \
         (DISPATCH_TRUSTED_PROXIES=10.0.0.2 or a network such as 172.16.0.0/12);\n  \
         - listen on loopback only: --addr 127.0.0.1:3000;\n  \
         - or accept the risk on a network you trust: --insecure-http (DISPATCH_INSECURE_HTTP=true)."
    )]
    PlainHttpOnNetwork(SocketAddr),
    #[error(
        "DISPATCH_ACME_DOMAIN and DISPATCH_TLS_CERT/DISPATCH_TLS_KEY are both set, and Dispatch \
         serves one certificate. Drop DISPATCH_TLS_CERT and DISPATCH_TLS_KEY to use the ACME \
         service's, or DISPATCH_ACME_DOMAIN to serve your own files."
    )]
    TwoCertificateSources,
}

/// A proxy as an address (`10.0.0.2`, one host) or a network (`10.0.0.0/8`).
fn parse_proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{text:?} is neither an IP address nor a network like 10.0.0.0/8"))
}

/// A DNS name a certificate can be issued for, in lower case.
fn parse_domain(text: &str) -> Result<String, String> {
    let name = text.trim().trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if name.len() <= 253 && name.contains('.') && name.split('.').all(label_ok) {
        Ok(name)
    } else {
        Err(format!(
            "{text:?} is not a DNS name a certificate can be issued for (like dispatch.example.com)"
        ))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// The login flow's lifetime.
    pub(crate) fn auth_timeout(&self) -> Duration {
        Duration::from_millis(self.auth_timeout)
    }

    /// Whether the server speaks TLS itself (its own files or ACME).
    pub(crate) fn serves_tls(&self) -> bool {
        self.tls_files().is_some() || self.uses_acme()
    }

    /// The certificate and key files, when both are set.
    pub fn tls_files(&self) -> Option<(&Path, &Path)> {
        Some((self.tls_cert.as_deref()?, self.tls_key.as_deref()?))
    }

    /// Whether certificates come from an ACME service.
    pub(crate) fn uses_acme(&self) -> bool {
        !self.acme_domain.is_empty()
    }

    /// What the ACME client is asked, when ACME is set. `home` is the
    /// server's `HOME` (the default cache is beside the credential key).
    pub fn acme_settings(&self, home: Option<&str>) -> Option<acme::AcmeSettings> {
        if !self.uses_acme() {
            return None;
        }
        let key_file = self.credentials_key_file(home);
        let beside_key = key_file
            .parent()
            .map_or_else(|| PathBuf::from("acme"), |dir| dir.join("acme"));
        Some(acme::AcmeSettings {
            domains: self.acme_domain.clone(),
            email: self.acme_email.clone(),
            directory: self.acme_directory.clone(),
            cache: self.acme_cache.clone().unwrap_or(beside_key),
            directory_ca: self.acme_directory_ca.clone(),
        })
    }

    /// Plain HTTP is for loopback; elsewhere it takes TLS, a trusted proxy
    /// or the explicit insecure flag. One source of certificates only.
    pub fn check_exposure(&self) -> Result<(), ExposureError> {
        if self.uses_acme() && (self.tls_cert.is_some() || self.tls_key.is_some()) {
            return Err(ExposureError::TwoCertificateSources);
        }
        if self.addr.ip().is_loopback()
            || self.serves_tls()
            || !self.trusted_proxies.is_empty()
            || self.insecure_http
        {
            Ok(())
        } else {
            Err(ExposureError::PlainHttpOnNetwork(self.addr))
        }
    }

    /// Whether the key came as `--key` on this process's command line,
    /// which every user of the machine can read (`ps`).
    pub fn key_on_command_line(&self) -> bool {
        self.key.is_some()
            && std::env::args_os()
                .skip(1)
                .any(|a| a == "--key" || a.to_string_lossy().starts_with("--key="))
    }

    /// `DISPATCH_PROJECTS_ROOT` with a leading `~` replaced by `home`.
    pub(crate) fn projects_root(&self, home: Option<&str>) -> PathBuf {
        expand_home(&self.projects_root, home)
    }

    /// `CLAUDE_CREDENTIALS_PATH` with a leading `~` replaced by `home`.
    pub(crate) fn credentials_dir(&self, home: Option<&str>) -> PathBuf {
        expand_home(&self.credentials_path, home)
    }

    /// `DISPATCH_CREDENTIALS_KEY_FILE` with a leading `~` replaced by `home`.
    pub(crate) fn credentials_key_file(&self, home: Option<&str>) -> PathBuf {
        expand_home(&self.credentials_key_file, home)
    }
}

/// Replaces a leading `~` (alone or followed by `/`) with `home`; other
/// paths, and `~` when there is no home, stay as they are.
pub(crate) fn expand_home(path: &str, home: Option<&str>) -> PathBuf {
    match (path.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            PathBuf::from(format!("{home}{rest}"))
        }
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn parse(args: &[&str]) -> Result<Config, clap::Error> {
        // Parsing from an explicit list still reads the environment; these
        // tests name every flag they care about so the host's env cannot leak in.
        Config::try_parse_from(std::iter::once("dispatch").chain(args.iter().copied()))
    }

    #[test]
    fn every_setting_has_a_flag_and_an_env_var() {
        let command = <Config as clap::CommandFactory>::command();
        let mut envs: Vec<String> = command
            .get_arguments()
            .filter_map(|a| a.get_env().map(|e| e.to_string_lossy().into_owned()))
            .collect();
        envs.sort();
        assert_eq!(
            envs,
            [
                "CLAUDE_AUTH_ENABLED",
                "CLAUDE_AUTH_TIMEOUT",
                "CLAUDE_CLI",
                "CLAUDE_CREDENTIALS_PATH",
                "DISPATCH_ACME_CACHE",
                "DISPATCH_ACME_DIRECTORY",
                "DISPATCH_ACME_DIRECTORY_CA",
                "DISPATCH_ACME_DOMAIN",
                "DISPATCH_ACME_EMAIL",
                "DISPATCH_ADDR",
                "DISPATCH_ALLOWED_HOSTS",
                "DISPATCH_ALLOWED_ORIGINS",
                "DISPATCH_CLI_ENV",
                "DISPATCH_CREDENTIALS_KEY_FILE",
                "DISPATCH_HEADER_TIMEOUT_MS",
                "DISPATCH_INSECURE_HTTP",
                "DISPATCH_KEY",
                "DISPATCH_LOG_FORMAT",
                "DISPATCH_MAX_FLOWS",
                "DISPATCH_MAX_SESSIONS",
                "DISPATCH_MAX_SOCKETS_PER_ADDRESS",
                "DISPATCH_NO_LINK_MS",
                "DISPATCH_PROJECTS_ROOT",
                "DISPATCH_PROMPT_TIMEOUT",
                "DISPATCH_RESUME_GRACE_MS",
                "DISPATCH_SOCKET_IDLE_MS",
                "DISPATCH_SOCKET_KEY_WAIT_MS",
                "DISPATCH_STARTS_PER_MINUTE",
                "DISPATCH_TLS_CERT",
                "DISPATCH_TLS_KEY",
                "DISPATCH_TRUSTED_PROXIES",
            ]
        );
    }

    #[test]
    fn flags_parse_into_typed_values() {
        let config = parse(&[
            "--addr",
            "0.0.0.0:8080",
            "--key",
            "0123456789abcdef",
            "--auth-enabled",
            "false",
            "--auth-timeout",
            "5000",
            "--allowed-origins",
            "https://a.example,https://b.example",
            "--max-flows",
            "3",
        ])
        .unwrap();
        assert_eq!(config.addr, "0.0.0.0:8080".parse().unwrap());
        assert_eq!(
            config.key.as_ref().map(|k| k.expose_secret().to_owned()),
            Some("0123456789abcdef".to_owned())
        );
        assert!(!config.auth_enabled);
        assert_eq!(config.auth_timeout(), Duration::from_secs(5));
        assert_eq!(
            config.allowed_origins,
            ["https://a.example", "https://b.example"]
        );
        assert_eq!(config.max_flows, 3);
    }

    #[test]
    fn nonsense_values_are_refused() {
        assert!(parse(&["--addr", "not-an-address"]).is_err());
        assert!(parse(&["--auth-timeout", "10"]).is_err());
        assert!(parse(&["--max-flows", "0"]).is_err());
        assert!(parse(&["--auth-enabled", "maybe"]).is_err());
    }

    #[test]
    fn plain_http_is_refused_off_loopback_unless_secured_or_explicit() {
        let exposure = |args: &[&str]| parse(args).unwrap().check_exposure();
        assert_eq!(exposure(&["--addr", "127.0.0.1:3000"]), Ok(()));
        assert_eq!(exposure(&["--addr", "[::1]:3000"]), Ok(()));
        for addr in ["0.0.0.0:3000", "[::]:3000", "192.168.1.5:3000"] {
            let refused = exposure(&["--addr", addr]).unwrap_err();
            let message = refused.to_string();
            assert!(
                message.contains(
                    addr.trim_start_matches('[')
                        .split(']')
                        .next()
                        .unwrap_or(addr)
                ),
                "{message}"
            );
            for fix in [
                "--tls-cert",
                "--trusted-proxies",
                "127.0.0.1",
                "--insecure-http",
            ] {
                assert!(message.contains(fix), "{message} should name {fix}");
            }
        }
        let open = ["--addr", "0.0.0.0:3000"];
        let with = |extra: &[&str]| exposure(&[&open[..], extra].concat());
        assert_eq!(with(&["--tls-cert", "c.pem", "--tls-key", "k.pem"]), Ok(()));
        assert_eq!(with(&["--trusted-proxies", "10.0.0.2"]), Ok(()));
        assert_eq!(with(&["--insecure-http"]), Ok(()));
        assert_eq!(with(&["--insecure-http", "true"]), Ok(()));
        assert!(with(&["--insecure-http", "false"]).is_err());
    }

    #[test]
    fn acme_names_are_checked_serve_tls_anywhere_and_exclude_own_files() {
        let config = parse(&["--acme-domain", "Dispatch.Example.com., b.example.org"]).unwrap();
        assert_eq!(
            config.acme_domain,
            ["dispatch.example.com", "b.example.org"]
        );
        for bad in [
            "localhost",
            "-a.example",
            "a..example",
            "a_b.example",
            "*.example.com",
        ] {
            assert!(parse(&["--acme-domain", bad]).is_err(), "{bad}");
        }
        let public = |extra: &[&str]| {
            let mut args = vec!["--addr", "0.0.0.0:443"];
            args.extend_from_slice(extra);
            parse(&args).unwrap().check_exposure()
        };
        assert_eq!(public(&["--acme-domain", "d.example.com"]), Ok(()));
        assert_eq!(
            public(&[
                "--acme-domain",
                "d.example.com",
                "--tls-cert",
                "c.pem",
                "--tls-key",
                "k.pem"
            ]),
            Err(ExposureError::TwoCertificateSources)
        );
        // The cache sits beside the credential key unless named.
        let config = parse(&[
            "--acme-domain",
            "d.example.com",
            "--credentials-key-file",
            "/keys/credentials.key",
        ])
        .unwrap();
        let settings = config.acme_settings(None).unwrap();
        assert_eq!(settings.cache, PathBuf::from("/keys/acme"));
        assert_eq!(settings.directory, acme::LETS_ENCRYPT);
        assert!(parse(&[]).unwrap().acme_settings(None).is_none());
    }

    #[test]
    fn tls_needs_both_halves_and_proxies_parse_as_hosts_or_networks() {
        assert!(parse(&["--tls-cert", "c.pem"]).is_err());
        assert!(parse(&["--tls-key", "k.pem"]).is_err());
        let config = parse(&["--trusted-proxies", "10.0.0.2, 172.16.0.0/12,::1"]).unwrap();
        let shown: Vec<String> = config
            .trusted_proxies
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(shown, ["10.0.0.2/32", "172.16.0.0/12", "::1/128"]);
        assert!(parse(&["--trusted-proxies", "proxy.local"]).is_err());
        assert!(parse(&["--trusted-proxies", "10.0.0.0/33"]).is_err());
    }

    #[test]
    fn the_home_prefix_is_expanded_only_where_it_is_one() {
        assert_eq!(
            expand_home("~/.claude", Some("/home/a")),
            PathBuf::from("/home/a/.claude")
        );
        assert_eq!(expand_home("~", Some("/home/a")), PathBuf::from("/home/a"));
        assert_eq!(
            expand_home("~bob/x", Some("/home/a")),
            PathBuf::from("~bob/x")
        );
        assert_eq!(
            expand_home("/srv/c", Some("/home/a")),
            PathBuf::from("/srv/c")
        );
        assert_eq!(expand_home("~/.claude", None), PathBuf::from("~/.claude"));
    }
}
