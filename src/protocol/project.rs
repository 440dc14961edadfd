//! Project names: one folder under the projects root, nothing that could
//! name another place. Shared, so the page can say what is wrong as the
//! person types.

use serde::{Deserialize, Serialize};

/// `GET /api/projects`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ProjectList {
    /// Where the projects live on the server.
    pub root: String,
    pub projects: Vec<String>,
}

/// `POST /api/projects` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct NewProject {
    pub name: String,
}

/// Longest project name.
pub(crate) const MAX_NAME_LEN: usize = 64;

/// Checks a project name: letters, digits, `.`, `_` and `-`, starting with a
/// letter or digit (so no `.`, `..` or hidden folder), at most 64 characters.
pub(crate) fn validate_name(name: &str) -> Result<&str, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Give the project a name.".into());
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(format!(
            "That name is too long: at most {MAX_NAME_LEN} characters."
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err("A project name starts with a letter or a digit.".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "A project name may hold letters, digits, '.', '_' and '-', not {bad:?}."
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_pass() {
        for name in ["api", "my-app", "v1.2_beta", "0day", " spaced "] {
            assert!(validate_name(name).is_ok(), "{name}");
        }
        assert_eq!(validate_name(" spaced "), Ok("spaced"));
        assert!(validate_name(&"a".repeat(MAX_NAME_LEN)).is_ok());
    }

    #[test]
    fn escapes_and_oddities_fail() {
        for name in [
            "", " ", ".", "..", "../etc", "a/b", "/abs", ".hidden", "-flag", "a\\b", "a b",
            "naïve", "a\0b", "~", "a:b",
        ] {
            assert!(validate_name(name).is_err(), "{name:?}");
        }
        assert!(validate_name(&"a".repeat(MAX_NAME_LEN + 1)).is_err());
    }
}
