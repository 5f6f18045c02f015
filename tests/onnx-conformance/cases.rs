//! The backend test cases on disk: written by `make_cases.py` (Python with the
//! `onnx` wheel) into the test's scratch directory, read back here as WIT
//! tensors, with no protobuf parser on the Rust side.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde_json::Value;
use wasmflow::runtime::bindings::{Tensor, Values};

/// One case: a model and the data sets it is checked with.
pub struct Case {
    pub dir: PathBuf,
    pub suite: String,
    pub name: String,
    /// The operator a node case tests (for model suites, the model's name).
    pub op: String,
    pub rtol: f64,
    pub atol: f64,
    /// Why the harness cannot feed or compare this case (it is counted, not run).
    pub skip: Option<String>,
    json: Value,
}

/// Expected outputs of one data set: the tensors plus their element type names.
pub struct DataSet {
    pub inputs: Vec<Tensor>,
    pub outputs: Vec<Tensor>,
}

impl Case {
    /// `suite/name`, the key of the expected-passes list.
    pub fn key(&self) -> String {
        format!("{}/{}", self.suite, self.name)
    }

    /// The data sets, read from the case directory.
    pub fn data_sets(&self) -> anyhow::Result<Vec<DataSet>> {
        let sets = self.json["data_sets"].as_array().context("data_sets")?;
        sets.iter()
            .map(|set| {
                let side = |key: &str| -> anyhow::Result<Vec<Tensor>> {
                    set[key].as_array().context("tensors")?.iter().map(|t| tensor(&self.dir, t)).collect()
                };
                Ok(DataSet { inputs: side("inputs")?, outputs: side("outputs")? })
            })
            .collect()
    }
}

/// Every case under `root` (`<suite>/<case>/case.json`) of the given suites, sorted.
pub fn read_all(root: &Path, suites: &[&str]) -> anyhow::Result<Vec<Case>> {
    let mut cases = Vec::new();
    for suite in suites {
        let dir = root.join(suite);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let dir = entry?.path();
            let text = std::fs::read_to_string(dir.join("case.json"))
                .with_context(|| format!("cannot read {}", dir.display()))?;
            let json: Value = serde_json::from_str(&text)?;
            let text_of = |k: &str| json[k].as_str().unwrap_or_default().to_string();
            cases.push(Case {
                suite: text_of("suite"),
                name: text_of("name"),
                op: text_of("op"),
                rtol: json["rtol"].as_f64().unwrap_or(1e-3),
                atol: json["atol"].as_f64().unwrap_or(1e-7),
                skip: json["skip"].as_str().map(str::to_string),
                dir,
                json,
            });
        }
    }
    cases.sort_by_key(Case::key);
    Ok(cases)
}

/// One tensor of case.json: raw little-endian values in a file, or strings inline.
fn tensor(dir: &Path, entry: &Value) -> anyhow::Result<Tensor> {
    let shape: Vec<u64> = entry["shape"].as_array().context("shape")?.iter().filter_map(Value::as_u64).collect();
    let dtype = entry["dtype"].as_str().context("dtype")?;
    let values = if dtype == "str" {
        let texts = entry["values"].as_array().context("values")?;
        Values::Utf8(texts.iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect())
    } else {
        let file = dir.join(entry["file"].as_str().context("file")?);
        let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
        decode(dtype, &bytes)?
    };
    Ok(Tensor { name: entry["name"].as_str().map(str::to_string), shape, values })
}

fn decode(dtype: &str, bytes: &[u8]) -> anyhow::Result<Values> {
    macro_rules! le {
        ($t:ty) => {
            bytes
                .chunks_exact(size_of::<$t>())
                .map(|c| <$t>::from_le_bytes(c.try_into().expect("chunk size")))
                .collect()
        };
    }
    Ok(match dtype {
        "f32" => Values::F32(le!(f32)),
        "f64" => Values::F64(le!(f64)),
        "i8" => Values::I8(le!(i8)),
        "i16" => Values::I16(le!(i16)),
        "i32" => Values::I32(le!(i32)),
        "i64" => Values::I64(le!(i64)),
        "u8" => Values::U8(bytes.to_vec()),
        "u16" => Values::U16(le!(u16)),
        "u32" => Values::U32(le!(u32)),
        "u64" => Values::U64(le!(u64)),
        "bool" => Values::Boolean(bytes.iter().map(|&b| b != 0).collect()),
        other => bail!("unknown dtype {other}"),
    })
}

/// The Python that has `onnx`: `$WASMFLOW_ONNX_PYTHON`, else the interpreter of
/// the venv `$WASMFLOW_MLFLOW_BIN` lives in (CI installs `onnx` there), else
/// `python3`. `None` when none of them imports `onnx`.
pub fn python_with_onnx() -> Option<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let candidate = env("WASMFLOW_ONNX_PYTHON")
        .or_else(|| env("WASMFLOW_MLFLOW_BIN").and_then(|bin| Some(bin.parent()?.join("python"))))
        .unwrap_or_else(|| PathBuf::from("python3"));
    let imports = Command::new(&candidate).args(["-c", "import onnx"]).output().is_ok_and(|o| o.status.success());
    imports.then_some(candidate)
}

/// Writes the cases into `out` with make_cases.py, unless `out` already holds
/// what this script and interpreter wrote (a stamp file says so).
pub fn generate(python: &Path, out: &Path, light: bool) -> anyhow::Result<()> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/onnx-conformance/make_cases.py");
    let source = std::fs::read_to_string(&script)?;
    let stamp = format!("{}\n{light}\n{source}", python.display());
    let stamp_file = out.with_extension("stamp");
    if std::fs::read_to_string(&stamp_file).is_ok_and(|s| s == stamp) && out.join("suites.json").is_file() {
        return Ok(());
    }
    let mut command = Command::new(python);
    command.arg(&script).arg(out);
    if light {
        command.arg("--light");
    }
    let status = command.status().context("cannot run make_cases.py")?;
    if !status.success() {
        bail!("make_cases.py failed ({status})");
    }
    std::fs::write(stamp_file, stamp)?;
    Ok(())
}
