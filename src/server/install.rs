//! Where an installed tree's files are looked for besides the working
//! directory: the folders above the running binary, so that
//! `target/release/dispatch` (or `/app/dispatch` in the image) finds its
//! `Leptos.toml`, its site and its `node_modules` from any directory.

use std::path::{Path, PathBuf};

/// The folders above the running binary, nearest first.
pub(crate) fn executable_ancestors() -> Vec<PathBuf> {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.canonicalize().ok())
        .map(|exe| exe.ancestors().skip(1).map(Path::to_path_buf).collect())
        .unwrap_or_default()
}
