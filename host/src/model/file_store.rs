//! MLflow's file store (`./mlruns`): experiments, runs and logged models in
//! `<exp>/…/meta.yaml`, the registry in `models/<name>/meta.yaml` (aliases) and
//! `models/<name>/version-<N>/meta.yaml`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::Value;

use super::store::{ModelVersion, Run, Store, no_such_model, no_such_version};
use super::uri::Selector;

pub struct FileStore {
    root: PathBuf,
}

fn read_meta(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_saphyr::from_str(&text).map_err(|e| anyhow::anyhow!("cannot parse {}: {e}", path.display()))
}

/// A scalar field of a meta.yaml as text (MLflow writes ids as strings or numbers).
fn field(meta: &Value, key: &str) -> Option<String> {
    match meta.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}

impl FileStore {
    pub fn open(root: &Path) -> anyhow::Result<FileStore> {
        if !root.is_dir() {
            bail!("no MLflow file store at {}: the directory does not exist", root.display());
        }
        let root = root.canonicalize().with_context(|| format!("cannot open {}", root.display()))?;
        Ok(FileStore { root })
    }

    /// Experiment directories (named by their id; `models/` is the registry, `.trash` deleted).
    fn experiments(&self) -> Vec<PathBuf> {
        subdirs(&self.root)
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n != "models" && !n.to_string_lossy().starts_with('.')))
            .collect()
    }

    fn version(&self, model_dir: &Path, version: u64) -> anyhow::Result<Option<ModelVersion>> {
        let meta_path = model_dir.join(format!("version-{version}")).join("meta.yaml");
        if !meta_path.is_file() {
            return Ok(None);
        }
        let meta = read_meta(&meta_path)?;
        if field(&meta, "current_stage").as_deref() == Some("Deleted_Internal") {
            return Ok(None);
        }
        Ok(Some(ModelVersion {
            version,
            source: field(&meta, "source").unwrap_or_default(),
            storage_location: field(&meta, "storage_location"),
        }))
    }

    fn version_numbers(model_dir: &Path) -> Vec<u64> {
        let mut versions: Vec<u64> = subdirs(model_dir)
            .iter()
            .filter_map(|p| p.file_name()?.to_str()?.strip_prefix("version-")?.parse().ok())
            .collect();
        versions.sort_unstable();
        versions
    }

    /// Aliases from the registered model's meta.yaml, then from `aliases/<alias>` files.
    fn aliases(model_dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
        let mut aliases = Vec::new();
        let meta = read_meta(&model_dir.join("meta.yaml"))?;
        if let Some(Value::Object(map)) = meta.get("aliases") {
            for (alias, version) in map {
                if let Some(version) = scalar(version) {
                    aliases.push((alias.clone(), version));
                }
            }
        }
        for file in std::fs::read_dir(model_dir.join("aliases")).into_iter().flatten().flatten() {
            let alias = file.file_name().to_string_lossy().into_owned();
            if !aliases.iter().any(|(a, _)| *a == alias)
                && let Ok(version) = std::fs::read_to_string(file.path())
            {
                aliases.push((alias, version.trim().to_string()));
            }
        }
        aliases.sort();
        Ok(aliases)
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Store for FileStore {
    fn describe(&self) -> String {
        format!("the file store {}", self.root.display())
    }

    fn model_version(&self, name: &str, selector: &Selector) -> anyhow::Result<ModelVersion> {
        let model_dir = self.root.join("models").join(name);
        if name.contains(['/', '\\']) || name.starts_with('.') || !model_dir.join("meta.yaml").is_file() {
            return Err(no_such_model(name, &self.describe()));
        }
        let numbers = Self::version_numbers(&model_dir);
        let found = match selector {
            Selector::Version(v) => self.version(&model_dir, *v)?,
            Selector::Alias(alias) => {
                let aliases = Self::aliases(&model_dir)?;
                let Some((_, version)) = aliases.iter().find(|(a, _)| a == alias) else {
                    let known: Vec<String> = aliases.iter().map(|(a, v)| format!("{a} -> {v}")).collect();
                    return Err(no_such_version(name, selector, &self.describe(), &known));
                };
                let number: u64 = version
                    .parse()
                    .with_context(|| format!("alias '{alias}' of '{name}' names version '{version}', not a number"))?;
                Some(self.version(&model_dir, number)?.with_context(|| {
                    format!(
                        "alias '{alias}' of '{name}' points to version {number}, which is not in {}",
                        self.describe()
                    )
                })?)
            }
            Selector::Latest => match numbers.last() {
                Some(v) => self.version(&model_dir, *v)?,
                None => None,
            },
            Selector::Stage(stage) => {
                let mut found = None;
                for v in numbers.iter().rev() {
                    let meta = read_meta(&model_dir.join(format!("version-{v}")).join("meta.yaml"))?;
                    if field(&meta, "current_stage").is_some_and(|s| s.eq_ignore_ascii_case(stage)) {
                        found = self.version(&model_dir, *v)?;
                        break;
                    }
                }
                found
            }
        };
        let known: Vec<String> = numbers.iter().map(u64::to_string).collect();
        found.ok_or_else(|| no_such_version(name, selector, &self.describe(), &known))
    }

    fn logged_model(&self, model_id: &str) -> anyhow::Result<String> {
        for experiment in self.experiments() {
            let meta_path = experiment.join("models").join(model_id).join("meta.yaml");
            if meta_path.is_file() {
                let meta = read_meta(&meta_path)?;
                return field(&meta, "artifact_location")
                    .with_context(|| format!("{} has no artifact_location", meta_path.display()));
            }
        }
        bail!("logged model '{model_id}' not found in {}", self.describe())
    }

    fn run(&self, run_id: &str) -> anyhow::Result<Run> {
        for experiment in self.experiments() {
            let meta_path = experiment.join(run_id).join("meta.yaml");
            if !run_id.contains(['/', '\\', '.']) && meta_path.is_file() {
                let meta = read_meta(&meta_path)?;
                return Ok(Run {
                    artifact_uri: field(&meta, "artifact_uri").unwrap_or_default(),
                    experiment_id: field(&meta, "experiment_id").unwrap_or_default(),
                });
            }
        }
        bail!("run '{run_id}' not found in {}", self.describe())
    }

    fn run_logged_model(&self, run_id: &str, run: &Run, name: &str) -> anyhow::Result<Option<String>> {
        let mut best: Option<(i64, String)> = None;
        for model in subdirs(&self.root.join(&run.experiment_id).join("models")) {
            let Ok(meta) = read_meta(&model.join("meta.yaml")) else { continue };
            if field(&meta, "source_run_id").as_deref() == Some(run_id)
                && field(&meta, "name").as_deref() == Some(name)
                && let Some(location) = field(&meta, "artifact_location")
            {
                let created = field(&meta, "creation_timestamp").and_then(|t| t.parse().ok()).unwrap_or(0);
                if best.as_ref().is_none_or(|(t, _)| created > *t) {
                    best = Some((created, location));
                }
            }
        }
        Ok(best.map(|(_, location)| location))
    }

    fn local_roots(&self) -> Vec<PathBuf> {
        // The directory holding mlruns/ (paths MLflow wrote end in mlruns/…), then
        // mlruns/ itself (for a store whose directory has another name).
        self.root.parent().map(Path::to_path_buf).into_iter().chain([self.root.clone()]).collect()
    }
}
