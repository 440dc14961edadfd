//! The one environment rule for every `claude` Dispatch runs (`setup-token`,
//! `--version`, the `-p` prompts): an allowlist of the server's variables,
//! never the whole environment. The server's own environment holds its
//! secrets (`DISPATCH_KEY`, an operator's other keys); a CLI, and every tool
//! it starts, must not be able to read them from `/proc/<pid>/environ`.
//!
//! Passed: what a program needs to find its tools and speak the locale,
//! what the CLI needs to reach the network where the server does (proxies,
//! extra CA certificates), the CLI's config folder, and the names the
//! operator adds in `DISPATCH_CLI_ENV`. Never a `DISPATCH_*` variable, and
//! never a credential variable: a prompt gets the credential from Dispatch
//! (its store first), added by the caller.

use std::{ffi::OsString, sync::Arc};

use super::status::CREDENTIAL_VARIABLES;

/// The server's variables every CLI run may see.
pub const PASSED_THROUGH: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LC_ALL",
    "TZ",
    "TMPDIR",
    "TERM",
    // A server behind a company proxy must still sign in.
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "NODE_EXTRA_CA_CERTS",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "CLAUDE_CONFIG_DIR",
];

/// Dispatch's own settings: never passed, whatever the operator names.
const OWN_PREFIX: &str = "DISPATCH_";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CliEnvError {
    #[error("DISPATCH_CLI_ENV names \"{0}\": Dispatch's own settings (DISPATCH_*) never reach the Claude CLI.")]
    OwnSetting(String),
    #[error("DISPATCH_CLI_ENV names \"{0}\": Dispatch gives the CLI its credential itself (the stored one first); remove it from the list.")]
    Credential(String),
    #[error("DISPATCH_CLI_ENV names \"{0}\", which is not a variable name: use letters, digits and _, with an optional trailing * for every variable that starts so (e.g. OTEL_*).")]
    BadName(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Extra {
    Exact(String),
    /// `PREFIX*`: every variable whose name starts with `PREFIX`.
    Prefix(String),
}

impl Extra {
    fn matches(&self, name: &str) -> bool {
        match self {
            Extra::Exact(exact) => name == exact,
            Extra::Prefix(prefix) => name.starts_with(prefix.as_str()),
        }
    }
}

/// The rule, with the operator's additions (`DISPATCH_CLI_ENV`). Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct CliEnv {
    extra: Arc<[Extra]>,
}

impl CliEnv {
    /// The rule with `names` added: exact names, or `PREFIX*`.
    pub fn new(names: &[String]) -> Result<Self, CliEnvError> {
        let mut extra = Vec::new();
        for raw in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            let (stem, prefix) = match raw.strip_suffix('*') {
                Some(stem) => (stem, true),
                None => (raw, false),
            };
            let valid = !stem.is_empty()
                && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !stem.starts_with(|c: char| c.is_ascii_digit());
            if !valid {
                return Err(CliEnvError::BadName(raw.to_owned()));
            }
            // A pattern that could only ever match Dispatch's own settings,
            // or names one of them, is a mistake worth stopping for.
            if stem.starts_with(OWN_PREFIX) || (prefix && OWN_PREFIX.starts_with(stem)) {
                return Err(CliEnvError::OwnSetting(raw.to_owned()));
            }
            if !prefix && CREDENTIAL_VARIABLES.contains(&stem) {
                return Err(CliEnvError::Credential(raw.to_owned()));
            }
            extra.push(if prefix {
                Extra::Prefix(stem.to_owned())
            } else {
                Extra::Exact(stem.to_owned())
            });
        }
        Ok(Self {
            extra: extra.into(),
        })
    }

    /// Whether a variable of the server's named `name` reaches a CLI.
    pub(crate) fn passes(&self, name: &str) -> bool {
        if name.starts_with(OWN_PREFIX) || CREDENTIAL_VARIABLES.contains(&name) {
            return false;
        }
        PASSED_THROUGH.contains(&name) || self.extra.iter().any(|e| e.matches(name))
    }

    /// The variables of `environment` a CLI run gets.
    pub(crate) fn select(
        &self,
        environment: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Vec<(OsString, OsString)> {
        environment
            .into_iter()
            .filter(|(name, _)| name.to_str().is_some_and(|n| self.passes(n)))
            .collect()
    }

    /// The variables of this process's environment a CLI run gets.
    pub(crate) fn server_variables(&self) -> Vec<(OsString, OsString)> {
        self.select(std::env::vars_os())
    }

    /// Gives `command` exactly the allowed variables of the server's environment.
    pub(crate) fn apply(&self, command: &mut tokio::process::Command) {
        command.env_clear();
        command.envs(self.server_variables());
    }

    /// The same for a command started on a pseudo-terminal.
    pub(crate) fn apply_pty(&self, command: &mut portable_pty::CommandBuilder) {
        command.env_clear();
        for (name, value) in self.server_variables() {
            command.env(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn environment(names: &[&str]) -> Vec<(OsString, OsString)> {
        names
            .iter()
            .map(|n| (OsString::from(n), OsString::from("value")))
            .collect()
    }

    fn passed(rule: &CliEnv, names: &[&str]) -> Vec<String> {
        rule.select(environment(names))
            .into_iter()
            .map(|(n, _)| n.into_string().unwrap())
            .collect()
    }

    #[test]
    fn only_the_allowlist_passes_by_default() {
        let rule = CliEnv::default();
        assert_eq!(
            passed(
                &rule,
                &[
                    "PATH",
                    "HOME",
                    "DISPATCH_KEY",
                    "ANTHROPIC_API_KEY",
                    "CLAUDE_CODE_OAUTH_TOKEN",
                    "AWS_SECRET_ACCESS_KEY",
                    "HTTPS_PROXY",
                    "no_proxy",
                    "NODE_EXTRA_CA_CERTS",
                    "CLAUDE_CONFIG_DIR",
                    "BROWSER",
                    "DISPLAY",
                ]
            ),
            [
                "PATH",
                "HOME",
                "HTTPS_PROXY",
                "no_proxy",
                "NODE_EXTRA_CA_CERTS",
                "CLAUDE_CONFIG_DIR"
            ]
        );
    }

    #[test]
    fn the_operator_adds_names_and_prefixes_but_never_dispatch_or_credentials() {
        let rule = CliEnv::new(&["MY_CA".into(), " OTEL_* ".into(), "".into()]).unwrap();
        assert_eq!(
            passed(
                &rule,
                &["MY_CA", "MY_CAB", "OTEL_ENDPOINT", "OTEL", "DISPATCH_KEY"]
            ),
            ["MY_CA", "OTEL_ENDPOINT"]
        );
        // A broad prefix still never lets Dispatch's settings or a credential through.
        let broad = CliEnv::new(&["A*".into(), "C*".into()]).unwrap();
        assert_eq!(
            passed(
                &broad,
                &["ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "ANY", "CI"]
            ),
            ["ANY", "CI"]
        );
    }

    #[test]
    fn mistakes_in_the_list_are_refused_with_the_name() {
        let refused = |name: &str| CliEnv::new(&[name.to_owned()]).unwrap_err();
        assert_eq!(
            refused("DISPATCH_KEY"),
            CliEnvError::OwnSetting("DISPATCH_KEY".into())
        );
        assert_eq!(refused("DISP*"), CliEnvError::OwnSetting("DISP*".into()));
        assert_eq!(
            refused("DISPATCH_*"),
            CliEnvError::OwnSetting("DISPATCH_*".into())
        );
        assert_eq!(
            refused("ANTHROPIC_API_KEY"),
            CliEnvError::Credential("ANTHROPIC_API_KEY".into())
        );
        for bad in ["*", "A-B", "1ABC", "A*B", "A B", "É"] {
            assert_eq!(refused(bad), CliEnvError::BadName(bad.into()), "{bad}");
        }
        assert!(refused("DISPATCH_KEY").to_string().contains("DISPATCH_KEY"));
    }

    #[test]
    fn names_that_are_not_unicode_never_pass() {
        use std::os::unix::ffi::OsStringExt;
        let rule = CliEnv::new(&["X*".into()]).unwrap();
        let odd = OsString::from_vec(vec![b'X', 0xff]);
        assert!(rule.select([(odd, OsString::from("v"))]).is_empty());
    }
}
