//! The digest of a model directory's files, part of the per-request snapshot's
//! cache key, with a fast path for large models: reading every byte of a
//! multi-gigabyte model at each start would cost more than the start itself,
//! so the digest is remembered in the cache directory together with the list
//! it was computed from (each file's relative path, size and modification
//! time), and the files are not read again while that list is unchanged. The
//! trade-off is make's and cargo's: a file rewritten to the same size within
//! the same modification-time tick is not noticed.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::Context;
use sha2::{Digest, Sha256};

/// SHA-256 over every file of `dir` (relative path and contents, each
/// length-prefixed), from the remembered digest in `cache_dir` when the
/// files' sizes and modification times are those it was computed from.
pub fn files_digest(dir: &Path, cache_dir: Option<&Path>) -> anyhow::Result<Vec<u8>> {
    let files = files_under(dir)?;
    let Some(cache_dir) = cache_dir else { return contents_digest(&files) };
    let listing = listing_digest(&files)?;
    let remembered = remembered_path(dir, cache_dir);
    if let Ok(text) = fs::read_to_string(&remembered)
        && let Some((list, digest)) = text.trim().split_once(' ')
        && list == hex::encode(&listing)
        && let Ok(digest) = hex::decode(digest)
    {
        return Ok(digest);
    }
    let digest = contents_digest(&files)?;
    // Best effort: a cache that cannot be written only costs the next start a re-read.
    let write = || -> std::io::Result<()> {
        fs::create_dir_all(remembered.parent().expect("a file in a directory"))?;
        let partial = remembered.with_extension("partial");
        fs::write(&partial, format!("{} {}\n", hex::encode(&listing), hex::encode(&digest)))?;
        fs::rename(&partial, &remembered)
    };
    if let Err(error) = write() {
        tracing::debug!("cannot remember the digest of {} in {}: {error}", dir.display(), remembered.display());
    }
    Ok(digest)
}

/// Where the digest of `dir` is remembered: one file per canonical directory.
fn remembered_path(dir: &Path, cache_dir: &Path) -> PathBuf {
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let name = hex::encode(Sha256::digest(canonical.to_string_lossy().as_bytes()));
    cache_dir.join("model-digests").join(name)
}

fn length_prefixed(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

fn contents_digest(files: &[(String, PathBuf)]) -> anyhow::Result<Vec<u8>> {
    let mut hasher = Sha256::new();
    for (relative, path) in files {
        length_prefixed(&mut hasher, relative.as_bytes());
        length_prefixed(&mut hasher, &fs::read(path).with_context(|| format!("cannot read {}", path.display()))?);
    }
    Ok(hasher.finalize().to_vec())
}

/// Digest of the files' relative paths, sizes and modification times.
fn listing_digest(files: &[(String, PathBuf)]) -> anyhow::Result<Vec<u8>> {
    let mut hasher = Sha256::new();
    for (relative, path) in files {
        let metadata = fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        let modified = metadata.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).unwrap_or_default();
        length_prefixed(&mut hasher, relative.as_bytes());
        hasher.update(metadata.len().to_le_bytes());
        hasher.update(modified.as_nanos().to_le_bytes());
    }
    Ok(hasher.finalize().to_vec())
}

/// Every file under `dir`, recursively, as (path relative to `dir`, path),
/// sorted so the order does not depend on the file system.
fn files_under(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).with_context(|| format!("cannot list {}", current.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                files.push((relative, path));
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_listed_recursively_and_sorted() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("b").join("c")).unwrap();
        for name in ["z", "a", "b/c/d", "b/e"] {
            fs::write(dir.path().join(name), name).unwrap();
        }
        let names: Vec<_> = files_under(dir.path()).unwrap().into_iter().map(|(relative, _)| relative).collect();
        assert_eq!(names, ["a", "b/c/d", "b/e", "z"]);
    }

    #[test]
    fn an_unchanged_listing_is_not_read_again_and_a_changed_one_is() {
        let model = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let weights = model.path().join("weights.bin");
        fs::write(&weights, [1, 2, 3]).unwrap();
        let first = files_digest(model.path(), Some(cache.path())).unwrap();
        assert_eq!(first, files_digest(model.path(), None).unwrap(), "the remembered digest is the contents'");

        // New contents, same size and modification time: the remembered digest
        // is used (the file is not read), as documented.
        let modified = fs::metadata(&weights).unwrap().modified().unwrap();
        fs::write(&weights, [9, 9, 9]).unwrap();
        fs::File::options().write(true).open(&weights).unwrap().set_modified(modified).unwrap();
        assert_eq!(first, files_digest(model.path(), Some(cache.path())).unwrap());
        assert_ne!(first, files_digest(model.path(), None).unwrap());

        // A different size (or time, or a new file) is read again.
        fs::write(&weights, [1, 2, 3, 4]).unwrap();
        let changed = files_digest(model.path(), Some(cache.path())).unwrap();
        assert_ne!(first, changed);
        assert_eq!(changed, files_digest(model.path(), None).unwrap());
        fs::write(model.path().join("extra"), "x").unwrap();
        assert_ne!(changed, files_digest(model.path(), Some(cache.path())).unwrap());
    }
}
