//! A damaged or unusable compile cache never stops `wasmflow serve` (issue 17,
//! item 2): a cached component with a flipped byte or cut short is noticed (its
//! CRC trailer), logged, recompiled and replaced; a cache directory that cannot
//! be written is logged and the component is compiled in memory.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::support::Server;

const MODEL: &str = "models/sklearn/iris-rf";

fn iris_row() -> serde_json::Value {
    json!({"dataframe_split": {
        "columns": ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"],
        "data": [[5.1, 3.5, 1.4, 0.2]]}})
}

/// Serves the model from `cache`, checks one prediction, and returns the log.
fn serve_once(cache: &Path) -> String {
    let server = Server::start_with_cache(MODEL, cache, &["-w", "1"]);
    let answer = server.invoke_json(&iris_row());
    assert_eq!(answer.status, 200, "{}\n{}", answer.body, server.log());
    assert_eq!(answer.json()["predictions"], json!([0]));
    server.log()
}

fn artifacts(cache: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(cache)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    found.sort();
    found
}

fn fresh_cache(name: &str) -> PathBuf {
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cache-faults").join(name);
    let _ = std::fs::remove_dir_all(&cache);
    cache
}

#[test]
fn a_cached_component_with_a_flipped_byte_or_cut_short_is_recompiled() {
    for damage in ["flip", "truncate"] {
        let cache = fresh_cache(damage);
        let first = serve_once(&cache);
        assert!(first.contains("compiling the sklearn component"), "{first}");
        let cached = artifacts(&cache);
        assert_eq!(cached.len(), 1, "{cached:?}");
        let original = std::fs::read(&cached[0]).unwrap();
        let mut damaged = original.clone();
        match damage {
            "flip" => damaged[original.len() / 2] ^= 0x40,
            _ => damaged.truncate(original.len() / 2),
        }
        std::fs::write(&cached[0], &damaged).unwrap();
        let second = serve_once(&cache);
        assert!(second.contains("ignoring corrupt cached component"), "{damage}:\n{second}");
        assert!(second.contains("compiling the sklearn component"), "{damage}:\n{second}");
        assert_eq!(std::fs::read(&cached[0]).unwrap(), original, "{damage}: the artifact is replaced");
        let third = serve_once(&cache);
        assert!(!third.contains("compiling the sklearn component"), "{damage}: the cache serves again\n{third}");
    }
}

#[test]
fn a_cache_directory_that_cannot_be_written_compiles_in_memory() {
    // A file where the directory should be: no one, root included, can create it.
    let cache = fresh_cache("unwritable");
    std::fs::create_dir_all(cache.parent().unwrap()).unwrap();
    std::fs::write(&cache, b"not a directory").unwrap();
    let log = serve_once(&cache);
    assert!(log.contains("cannot cache the compiled sklearn component"), "{log}");
    std::fs::remove_file(&cache).unwrap();
}
