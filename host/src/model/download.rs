//! The local copy of models downloaded from a tracking server's artifact proxy:
//! `<cache dir>/models/<key>/`, written into a temporary directory and renamed
//! into place, so a failed or interrupted download leaves nothing behind.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use super::store::ArtifactProxy;

/// Where models are cached: `<cache dir>/models`, or the system temp directory
/// when there is no cache directory.
pub fn models_dir(cache_dir: Option<&Path>) -> PathBuf {
    match cache_dir {
        Some(dir) => dir.join("models"),
        None => std::env::temp_dir().join("wasmflow-models"),
    }
}

/// The cache entry of one artifact location of one server.
fn entry(root: &Path, server: &str, path: &str) -> PathBuf {
    let digest = hex::encode(Sha256::digest(format!("{server}\n{path}")));
    let readable: String = path
        .rsplit('/')
        .find(|s| s.starts_with("m-"))
        .or_else(|| path.rsplit('/').find(|s| !s.is_empty() && *s != "artifacts"))
        .unwrap_or("model")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .take(40)
        .collect();
    root.join(format!("{readable}-{}", &digest[..16]))
}

/// The local directory holding the artifacts at `mlflow-artifacts:/<path>` of `server`,
/// downloaded on first use. MLflow never rewrites a logged model's artifacts, so a
/// complete entry is reused; registry lookups (aliases, latest) are always fresh.
pub fn fetch(server: &dyn ArtifactProxy, path: &str, root: &Path) -> anyhow::Result<PathBuf> {
    let path = path.trim_matches('/');
    let dest = entry(root, server.base(), path);
    if dest.join("MLmodel").is_file() {
        tracing::info!("using the cached copy {} of mlflow-artifacts:/{path}", dest.display());
        return Ok(dest);
    }
    std::fs::create_dir_all(root).with_context(|| format!("cannot create the model cache {}", root.display()))?;
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let temp = root.join(format!(".partial-{}-{nanos}", std::process::id()));
    tracing::info!("downloading mlflow-artifacts:/{path} from {} into {}", server.base(), dest.display());
    let result = std::fs::create_dir(&temp)
        .with_context(|| format!("cannot create {}", temp.display()))
        .and_then(|()| download_dir(server, path, &temp, 0))
        .and_then(|count| {
            if count == 0 {
                bail!("no artifacts at mlflow-artifacts:/{path} on the tracking server {}", server.base());
            }
            Ok(())
        });
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&temp);
        return Err(e);
    }
    if let Err(e) = std::fs::rename(&temp, &dest) {
        let _ = std::fs::remove_dir_all(&temp);
        // Another wasmflow may have finished the same download first.
        if !dest.join("MLmodel").is_file() {
            return Err(anyhow::anyhow!("cannot move the download into {}: {e}", dest.display()));
        }
    }
    Ok(dest)
}

/// Downloads a directory recursively; returns the number of files.
fn download_dir(server: &dyn ArtifactProxy, path: &str, into: &Path, depth: usize) -> anyhow::Result<usize> {
    if depth > 32 {
        bail!("artifact directories nest too deeply at mlflow-artifacts:/{path}");
    }
    let mut count = 0;
    for (name, is_dir) in server.list_artifacts(path)? {
        let child = format!("{path}/{name}");
        let local = into.join(&name);
        if is_dir {
            std::fs::create_dir(&local).with_context(|| format!("cannot create {}", local.display()))?;
            count += download_dir(server, &child, &local, depth + 1)?;
        } else {
            server.download_artifact(&child, &local)?;
            count += 1;
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rest_store::RestStore;

    #[test]
    fn entries_are_per_server_and_path_and_readable() {
        let root = Path::new("/c");
        let a = entry(root, "http://a", "1/models/m-abc/artifacts");
        assert!(a.file_name().unwrap().to_str().unwrap().starts_with("m-abc-"), "{a:?}");
        assert_ne!(a, entry(root, "http://b", "1/models/m-abc/artifacts"));
        assert_ne!(a, entry(root, "http://a", "1/models/m-abd/artifacts"));
    }

    #[test]
    fn a_failed_download_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cache");
        // Nothing listens on port 9 of localhost (discard), so the listing fails.
        let server = RestStore::new("http://127.0.0.1:9").unwrap();
        let err = fetch(&server, "1/models/m-x/artifacts", &root).unwrap_err().to_string();
        assert!(err.contains("cannot reach the tracking server http://127.0.0.1:9"), "{err}");
        let left: Vec<_> = std::fs::read_dir(&root).map(|d| d.flatten().collect()).unwrap_or_default();
        assert!(left.is_empty(), "{left:?}");
    }
}
