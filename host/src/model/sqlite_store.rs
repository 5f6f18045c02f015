//! MLflow's SQLAlchemy store in SQLite (`sqlite:///mlflow.db`, MLflow 3's default),
//! read directly from its tables: `registered_models`, `model_versions`,
//! `registered_model_aliases`, `runs`, `logged_models`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::store::{ModelVersion, Run, Store, no_such_model, no_such_version};
use super::uri::Selector;

/// Versions MLflow has deleted keep a row with this stage.
const DELETED_STAGE: &str = "Deleted_Internal";

pub struct SqliteStore {
    path: PathBuf,
    db: Connection,
}

impl SqliteStore {
    pub fn open(path: &Path) -> anyhow::Result<SqliteStore> {
        if !path.is_file() {
            bail!("no MLflow SQLite store at {}: the file does not exist", path.display());
        }
        let path = path.canonicalize().with_context(|| format!("cannot open {}", path.display()))?;
        let db = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| anyhow::anyhow!("cannot open the SQLite store {}: {e}", path.display()))?;
        let store = SqliteStore { path, db };
        if !store.has_table("model_versions")? || !store.has_table("runs")? {
            bail!("{} is not an MLflow tracking database (no runs / model_versions tables)", store.path.display());
        }
        Ok(store)
    }

    fn has_table(&self, name: &str) -> anyhow::Result<bool> {
        self.query(|db| {
            db.query_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", [name], |_| Ok(()))
                .optional()
                .map(|r| r.is_some())
        })
    }

    /// Runs a query; SQLite errors become one line naming the store.
    fn query<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> anyhow::Result<T> {
        f(&self.db).map_err(|e| anyhow::anyhow!("cannot read the SQLite store {}: {e}", self.path.display()))
    }

    fn version_row(&self, name: &str, version: u64) -> anyhow::Result<Option<ModelVersion>> {
        self.query(|db| {
            db.query_row(
                "SELECT version, source, storage_location FROM model_versions
                 WHERE name = ?1 AND version = ?2 AND COALESCE(current_stage, '') != ?3",
                params![name, version as i64, DELETED_STAGE],
                row_to_version,
            )
            .optional()
        })
    }

    fn strings(&self, sql: &str, args: impl rusqlite::Params) -> anyhow::Result<Vec<String>> {
        self.query(|db| {
            let mut statement = db.prepare(sql)?;
            let rows = statement.query_map(args, |row| {
                row.get::<_, rusqlite::types::Value>(0).map(|v| match v {
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    other => format!("{other:?}"),
                })
            })?;
            rows.collect()
        })
    }

    fn versions(&self, name: &str) -> anyhow::Result<Vec<String>> {
        self.strings(
            "SELECT version FROM model_versions WHERE name = ?1 AND COALESCE(current_stage, '') != ?2
             ORDER BY version",
            params![name, DELETED_STAGE],
        )
    }

    fn aliases(&self, name: &str) -> anyhow::Result<Vec<String>> {
        self.strings(
            "SELECT alias || ' -> ' || version FROM registered_model_aliases WHERE name = ?1 ORDER BY alias",
            [name],
        )
    }
}

fn row_to_version(row: &rusqlite::Row<'_>) -> rusqlite::Result<ModelVersion> {
    Ok(ModelVersion {
        version: row.get::<_, i64>(0)? as u64,
        source: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
        storage_location: row.get(2)?,
    })
}

impl Store for SqliteStore {
    fn describe(&self) -> String {
        format!("the SQLite store {}", self.path.display())
    }

    fn model_version(&self, name: &str, selector: &Selector) -> anyhow::Result<ModelVersion> {
        let exists = self.query(|db| {
            db.query_row("SELECT 1 FROM registered_models WHERE name = ?1", [name], |_| Ok(())).optional()
        })?;
        if exists.is_none() {
            return Err(no_such_model(name, &self.describe()));
        }
        let found = match selector {
            Selector::Version(v) => self.version_row(name, *v)?,
            Selector::Alias(alias) => {
                let version: Option<i64> = self.query(|db| {
                    db.query_row(
                        "SELECT version FROM registered_model_aliases WHERE name = ?1 AND alias = ?2",
                        [name, alias],
                        |row| row.get(0),
                    )
                    .optional()
                })?;
                match version {
                    Some(v) => Some(self.version_row(name, v as u64)?.with_context(|| {
                        format!(
                            "alias '{alias}' of '{name}' points to version {v}, which is not in {}",
                            self.describe()
                        )
                    })?),
                    None => return Err(no_such_version(name, selector, &self.describe(), &self.aliases(name)?)),
                }
            }
            Selector::Latest | Selector::Stage(_) => {
                let stage = match selector {
                    Selector::Stage(s) => s.to_lowercase(),
                    _ => String::new(),
                };
                self.query(|db| {
                    db.query_row(
                        "SELECT version, source, storage_location FROM model_versions
                         WHERE name = ?1 AND COALESCE(current_stage, '') != ?2
                           AND (?3 = '' OR lower(current_stage) = ?3)
                         ORDER BY version DESC LIMIT 1",
                        params![name, DELETED_STAGE, stage],
                        row_to_version,
                    )
                    .optional()
                })?
            }
        };
        found.ok_or_else(|| no_such_version(name, selector, &self.describe(), &self.versions(name).unwrap_or_default()))
    }

    fn logged_model(&self, model_id: &str) -> anyhow::Result<String> {
        let location: Option<String> = if self.has_table("logged_models")? {
            self.query(|db| {
                db.query_row(
                    "SELECT artifact_location FROM logged_models
                     WHERE model_id = ?1 AND COALESCE(lifecycle_stage, 'active') != 'deleted'",
                    [model_id],
                    |row| row.get(0),
                )
                .optional()
            })?
        } else {
            None
        };
        location.with_context(|| format!("logged model '{model_id}' not found in {}", self.describe()))
    }

    fn run(&self, run_id: &str) -> anyhow::Result<Run> {
        let run = self.query(|db| {
            db.query_row(
                "SELECT artifact_uri, experiment_id FROM runs WHERE run_uuid = ?1
                 AND COALESCE(lifecycle_stage, 'active') != 'deleted'",
                [run_id],
                |row| {
                    Ok(Run {
                        artifact_uri: row.get::<_, Option<String>>(0)?.unwrap_or_default(),
                        experiment_id: row.get::<_, i64>(1)?.to_string(),
                    })
                },
            )
            .optional()
        })?;
        run.with_context(|| format!("run '{run_id}' not found in {}", self.describe()))
    }

    fn run_logged_model(&self, run_id: &str, run: &Run, name: &str) -> anyhow::Result<Option<String>> {
        if !self.has_table("logged_models")? {
            return Ok(None);
        }
        self.query(|db| {
            db.query_row(
                "SELECT artifact_location FROM logged_models
                 WHERE source_run_id = ?1 AND name = ?2 AND CAST(experiment_id AS TEXT) = ?3
                   AND COALESCE(lifecycle_stage, 'active') != 'deleted'
                 ORDER BY creation_timestamp_ms DESC LIMIT 1",
                [run_id, name, &run.experiment_id],
                |row| row.get(0),
            )
            .optional()
        })
    }

    fn local_roots(&self) -> Vec<PathBuf> {
        self.path.parent().map(Path::to_path_buf).into_iter().collect()
    }
}
