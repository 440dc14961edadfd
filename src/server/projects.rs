//! The project folders under `DISPATCH_PROJECTS_ROOT`: listing them,
//! creating one, and turning a name into a folder that is surely inside the
//! root (no `..`, no symbolic link out).

use std::{
    io,
    path::{Path, PathBuf},
};

use crate::protocol::project::validate_name;

#[derive(Debug, thiserror::Error)]
pub(crate) enum ProjectError {
    #[error("{0}")]
    BadName(String),
    #[error("There is no project \"{0}\".")]
    NotFound(String),
    #[error("A project \"{0}\" already exists.")]
    Exists(String),
    #[error("Cannot use the projects folder {}: {source}. Check DISPATCH_PROJECTS_ROOT and its permissions.", path.display())]
    Io { path: PathBuf, source: io::Error },
}

/// Most projects listed; a root with more shows the first, by name.
const MAX_LISTED: usize = 500;

#[derive(Clone, Debug)]
pub struct Projects {
    root: PathBuf,
}

impl Projects {
    pub(crate) fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    fn io(&self, source: io::Error) -> ProjectError {
        ProjectError::Io {
            path: self.root.clone(),
            source,
        }
    }

    /// The projects, by name: the root's folders that are not hidden and
    /// not symbolic links. A root that does not exist yet has none.
    pub(crate) fn list(&self) -> Result<Vec<String>, ProjectError> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(self.io(error)),
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| validate_name(name).is_ok_and(|valid| valid == name))
            .collect();
        names.sort_by_key(|name| name.to_lowercase());
        names.truncate(MAX_LISTED);
        Ok(names)
    }

    /// Creates the folder of a new project (and the root, the first time).
    pub(crate) fn create(&self, name: &str) -> Result<String, ProjectError> {
        let name = validate_name(name).map_err(ProjectError::BadName)?;
        std::fs::create_dir_all(&self.root).map_err(|e| self.io(e))?;
        match std::fs::create_dir(self.root.join(name)) {
            Ok(()) => Ok(name.to_owned()),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                Err(ProjectError::Exists(name.to_owned()))
            }
            Err(error) => Err(self.io(error)),
        }
    }

    /// The folder of an existing project.
    pub(crate) fn dir(&self, name: &str) -> Result<PathBuf, ProjectError> {
        let valid = validate_name(name).map_err(ProjectError::BadName)?;
        if valid != name {
            return Err(ProjectError::BadName(
                "A project name has no spaces around it.".into(),
            ));
        }
        let dir = self.root.join(name);
        match std::fs::symlink_metadata(&dir) {
            Ok(meta) if meta.is_dir() => Ok(dir),
            _ => Err(ProjectError::NotFound(name.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projects_are_created_listed_and_found() {
        let tmp = tempfile::tempdir().unwrap();
        let projects = Projects::new(tmp.path().join("projects"));
        assert_eq!(projects.list().unwrap(), Vec::<String>::new());
        assert_eq!(projects.create("web").unwrap(), "web");
        assert_eq!(projects.create(" Api ").unwrap(), "Api");
        assert!(matches!(
            projects.create("web"),
            Err(ProjectError::Exists(_))
        ));
        assert_eq!(projects.list().unwrap(), ["Api", "web"]);
        assert_eq!(
            projects.dir("web").unwrap(),
            tmp.path().join("projects/web")
        );
        assert!(matches!(
            projects.dir("nope"),
            Err(ProjectError::NotFound(_))
        ));
    }

    #[test]
    fn nothing_outside_the_root_is_reachable() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("projects");
        let projects = Projects::new(root.clone());
        std::fs::create_dir_all(root.join(".hidden")).unwrap();
        std::fs::write(root.join("file"), "x").unwrap();
        std::os::unix::fs::symlink(tmp.path(), root.join("escape")).unwrap();
        assert_eq!(projects.list().unwrap(), Vec::<String>::new());
        for name in [
            "..",
            "../projects",
            ".hidden",
            "escape",
            "file",
            "a/b",
            "/etc",
            " web",
        ] {
            assert!(projects.dir(name).is_err(), "{name}");
        }
        for name in ["..", "../x", "a/b", ".x", ""] {
            assert!(
                matches!(projects.create(name), Err(ProjectError::BadName(_))),
                "{name}"
            );
        }
        assert!(!tmp.path().join("x").exists());
    }
}
