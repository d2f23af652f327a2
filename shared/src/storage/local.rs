//! Which local files a reader may open: in development `gs://bucket/name` is
//! `<root>/bucket/name`, and nothing outside the root is ever opened, whatever
//! symlinks or `..` the path holds; plain paths only where the caller allows them.

use std::path::{Path, PathBuf};

use crate::domain::ObjectUri;
use crate::{Error, Result};

/// Which plain local paths (`file://…`, `/path`) a reader opens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LocalFiles {
    /// Only files under the local bucket root (services: locations come from stored data).
    #[default]
    UnderRoot,
    /// Any file the process can read (a command line whose operator named the file).
    Anywhere,
}

/// The real path of `relative` under `root`, refused when it resolves outside `root`.
// NB: canonicalising both sides resolves every symlink and `..`; the file opened is the
// resolved one, so a link inside the root pointing out of it is refused, not followed.
pub(super) fn under_root(root: &Path, relative: &Path, uri: &ObjectUri) -> Result<PathBuf> {
    let root = std::fs::canonicalize(root)
        .map_err(|e| Error::NotFound(format!("{uri}: the local bucket root {} is unusable: {e}", root.display())))?;
    resolve_within(&root, &root.join(relative), uri)
}

/// A plain local path, allowed by `mode` and the root.
pub(super) fn plain_path(path: &Path, root: Option<&Path>, mode: LocalFiles, uri: &ObjectUri) -> Result<PathBuf> {
    match (mode, root) {
        (LocalFiles::Anywhere, _) => std::fs::canonicalize(path)
            .or_else(|_| std::path::absolute(path))
            .map_err(|e| Error::invalid(format!("{uri}: cannot resolve the path: {e}"))),
        (LocalFiles::UnderRoot, Some(root)) => {
            let root = std::fs::canonicalize(root).map_err(|e| {
                Error::NotFound(format!("{uri}: the local bucket root {} is unusable: {e}", root.display()))
            })?;
            resolve_within(&root, path, uri)
        }
        (LocalFiles::UnderRoot, None) => {
            Err(Error::invalid(format!("{uri}: local files are not readable here (only under LOCAL_BUCKET_ROOT)")))
        }
    }
}

fn resolve_within(root: &Path, path: &Path, uri: &ObjectUri) -> Result<PathBuf> {
    let real = std::fs::canonicalize(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound(format!("{uri}: object not found")),
        _ => Error::NotFound(format!("{uri}: cannot resolve the path: {e}")),
    })?;
    if !real.starts_with(root) {
        return Err(Error::NotFound(format!("{uri}: resolves outside the local bucket root")));
    }
    Ok(real)
}
