//! The Leptos settings the server runs with, and where the built site is.
//!
//! The server reads `Leptos.toml` at start, from the working directory or a
//! folder above its binary (so it runs from anywhere in an installed tree);
//! a binary copied away from any tree falls back to the copy compiled into
//! it. `LEPTOS_*` variables override single entries either way.

use std::path::{Path, PathBuf};

use leptos::config::{get_config_from_str, LeptosOptions};

use crate::server::install::executable_ancestors;

/// The copy used when no `Leptos.toml` is found on disk.
const LEPTOS_TOML: &str = include_str!("../../../Leptos.toml");
const LEPTOS_TOML_NAME: &str = "Leptos.toml";

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("{origin} or a LEPTOS_* variable is invalid: {reason}")]
    Config { origin: String, reason: String },
}

/// The first `Leptos.toml` in the working directory or a folder above the binary.
pub(crate) fn find_leptos_toml(
    working_dir: Option<&Path>,
    install_dirs: &[PathBuf],
) -> Option<PathBuf> {
    working_dir
        .into_iter()
        .chain(install_dirs.iter().map(PathBuf::as_path))
        .map(|dir| dir.join(LEPTOS_TOML_NAME))
        .find(|candidate| candidate.is_file())
}

/// The Leptos options from `Leptos.toml` and the environment, with a
/// relative site root resolved against the working directory or a folder
/// above the binary, whichever holds the built site.
pub fn leptos_options() -> Result<LeptosOptions, SiteError> {
    let working_dir = std::env::current_dir().ok();
    let (source, text) = match find_leptos_toml(working_dir.as_deref(), &executable_ancestors()) {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(text) => (path.display().to_string(), text),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "cannot read Leptos.toml; using the built-in copy");
                (
                    "the built-in Leptos.toml".to_owned(),
                    LEPTOS_TOML.to_owned(),
                )
            }
        },
        None => (
            "the built-in Leptos.toml".to_owned(),
            LEPTOS_TOML.to_owned(),
        ),
    };
    tracing::debug!(%source, "Leptos settings");
    let mut options = get_config_from_str(&text).map_err(|e| SiteError::Config {
        origin: source.clone(),
        reason: e.to_string(),
    })?;
    let site_root = PathBuf::from(options.site_root.as_ref());
    if let Some(found) = locate_site(
        &site_root,
        &options.site_pkg_dir,
        working_dir.as_deref(),
        &executable_ancestors(),
    ) {
        options.site_root = found.to_string_lossy().into_owned().into();
    } else {
        tracing::warn!(
            site_root = %site_root.display(),
            "the built site was not found; pages will render without scripts or styles \
             (build it with `make build`, or set LEPTOS_SITE_ROOT)"
        );
    }
    Ok(options)
}

/// The first place where `site_root/pkg_dir` exists: the root itself when it
/// is absolute, else below the working directory, else below a folder above
/// the binary.
pub(crate) fn locate_site(
    site_root: &Path,
    pkg_dir: &str,
    working_dir: Option<&Path>,
    install_dirs: &[PathBuf],
) -> Option<PathBuf> {
    if site_root.is_absolute() {
        return Some(site_root.to_path_buf());
    }
    working_dir
        .into_iter()
        .chain(install_dirs.iter().map(PathBuf::as_path))
        .map(|dir| dir.join(site_root))
        .find(|candidate| candidate.join(pkg_dir).is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leptos_toml_is_found_in_the_working_dir_then_above_the_binary() {
        let tmp = tempfile::tempdir().unwrap();
        let (cwd, install) = (tmp.path().join("cwd"), tmp.path().join("install"));
        std::fs::create_dir_all(&cwd).unwrap();
        std::fs::create_dir_all(&install).unwrap();
        let installs = vec![install.clone()];
        assert_eq!(find_leptos_toml(Some(&cwd), &installs), None);
        std::fs::write(install.join("Leptos.toml"), LEPTOS_TOML).unwrap();
        assert_eq!(
            find_leptos_toml(Some(&cwd), &installs),
            Some(install.join("Leptos.toml"))
        );
        std::fs::write(cwd.join("Leptos.toml"), LEPTOS_TOML).unwrap();
        assert_eq!(
            find_leptos_toml(Some(&cwd), &installs),
            Some(cwd.join("Leptos.toml"))
        );
    }

    #[test]
    fn the_compiled_in_settings_parse() {
        let options = get_config_from_str(LEPTOS_TOML).unwrap();
        assert_eq!(options.output_name.as_ref(), "dispatch");
        assert_eq!(options.site_pkg_dir.as_ref(), "pkg");
    }

    #[test]
    fn the_site_is_found_above_the_binary_when_not_below_the_working_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let project = tmp.path().join("project");
        std::fs::create_dir_all(project.join("target/site/pkg")).unwrap();
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        let install = vec![
            project.join("target/release"),
            project.join("target"),
            project.clone(),
        ];
        assert_eq!(
            locate_site(Path::new("target/site"), "pkg", Some(&elsewhere), &install),
            Some(project.join("target/site"))
        );
        std::fs::create_dir_all(elsewhere.join("target/site/pkg")).unwrap();
        assert_eq!(
            locate_site(Path::new("target/site"), "pkg", Some(&elsewhere), &install),
            Some(elsewhere.join("target/site"))
        );
        assert_eq!(
            locate_site(Path::new("nowhere"), "pkg", Some(&elsewhere), &install),
            None
        );
    }
}
