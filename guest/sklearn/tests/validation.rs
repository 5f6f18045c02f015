//! sklearn's input validation, native: every fixture model fed what sklearn 1.9.1
//! refuses or accepts (models/expected/validation/*.json, written by
//! models/make_sklearn_validation.py from the real models: a NaN cell, an infinite
//! cell, no rows), and every recorded `mlflow models serve` answer of
//! tests/conformance/sklearn-* replayed on the model: a 200 gives the same
//! predictions, a 400 BAD_REQUEST the `ValueError` text at the end of MLflow's
//! stack trace, as the flavor's `evaluation` error (which the host answers with
//! MLflow's BAD_REQUEST body).

use std::path::{Path, PathBuf};

use serde_json::Value;
use wasmflow_flavor_sklearn::data::{Column, Frame, Input, Matrix};
use wasmflow_flavor_sklearn::error::Error;
use wasmflow_flavor_sklearn::estimators::Model;
use wasmflow_flavor_sklearn::load_model;
use wasmflow_flavor_sklearn::npy::{Data, NdArray};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load(model: &str) -> Model {
    let text = std::fs::read_to_string(repo().join("models/sklearn").join(model).join("MLmodel")).unwrap();
    let mlmodel: Value = serde_saphyr::from_str(&text).unwrap();
    let (flavor, pyfunc) =
        (mlmodel["flavors"]["sklearn"].to_string(), mlmodel["flavors"]["python_function"].to_string());
    load_model(&repo().join("models/sklearn").join(model), &flavor, &pyfunc).unwrap_or_else(|e| panic!("{model}: {e}"))
}

/// A cell: null is NaN; the strings "inf" / "-inf" stand for JSON's Infinity tokens.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Null => Some(f64::NAN),
        Value::String(s) if s == "inf" => Some(f64::INFINITY),
        Value::String(s) if s == "-inf" => Some(f64::NEG_INFINITY),
        other => other.as_f64(),
    }
}

/// `columns` + `rows` as the frame MLflow's server builds (typed by the first row,
/// as the fixtures are), or a float64 matrix when there are no column names.
fn input(columns: Option<&Vec<Value>>, rows: &[Vec<Value>], template: &[Value]) -> Input {
    let Some(names) = columns else {
        let data = rows.iter().flat_map(|r| r.iter().map(|v| number(v).unwrap())).collect();
        return Input::Matrix(Matrix { rows: rows.len(), cols: template.len(), data });
    };
    let columns = (0..names.len())
        .map(|j| match number(&template[j]) {
            Some(_) => Column::F64(rows.iter().map(|r| number(&r[j]).unwrap()).collect()),
            None => Column::Str(rows.iter().map(|r| r[j].as_str().unwrap_or("None").to_string()).collect()),
        })
        .collect();
    Input::Frame(Frame { names: names.iter().map(|n| n.as_str().unwrap().to_string()).collect(), columns })
}

fn same_outputs(what: &str, got: &NdArray, want: &[Value]) {
    let want: Vec<Value> = want.iter().flat_map(|v| v.as_array().cloned().unwrap_or_else(|| vec![v.clone()])).collect();
    match &got.data {
        Data::F64(v) => {
            assert_eq!(v.len(), want.len(), "{what}");
            for (a, e) in v.iter().zip(&want) {
                let e = number(e).unwrap();
                assert!(
                    a == &e || (a.is_nan() && e.is_nan()) || (a - e).abs() <= 1e-9 * e.abs().max(1.0),
                    "{what}: {a} vs {e}"
                );
            }
        }
        Data::I64(v) => assert_eq!(v.iter().map(|&x| Value::from(x)).collect::<Vec<_>>(), want, "{what}"),
        Data::Str(v) => assert_eq!(v.iter().map(|x| Value::from(x.as_str())).collect::<Vec<_>>(), want, "{what}"),
        other => panic!("{what}: unexpected output {other:?}"),
    }
}

#[test]
fn every_fixture_validates_its_input_as_sklearn_does() {
    let dir = repo().join("models/expected/validation");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 100, "{} validation files", files.len());
    let (mut refused, mut accepted) = (0, 0);
    for file in files {
        let record = json(&file);
        let model = record["model"].as_str().unwrap();
        let fixture = json(&repo().join(format!("models/expected/sklearn-{model}.json")));
        let loaded = load(model);
        let rows: Vec<Vec<Value>> =
            fixture["data"].as_array().unwrap()[..2].iter().map(|r| r.as_array().unwrap().clone()).collect();
        let col = record["column"].as_u64().unwrap() as usize;
        for (case, cell) in [("nan", Value::Null), ("inf", Value::from("inf")), ("empty", Value::Null)] {
            let mut changed = rows.clone();
            if case == "empty" {
                changed.clear();
            } else {
                changed[1][col] = cell;
            }
            let what = format!("{model} / {case}");
            let got = loaded.predict(input(fixture["columns"].as_array(), &changed, &rows[0]));
            let expected = &record["cases"][case];
            match (got, expected["error"].as_str()) {
                (Err(Error::Evaluation(m)), Some(e)) => {
                    assert_eq!(m, e, "{what}");
                    refused += 1;
                }
                (Ok(out), None) => {
                    same_outputs(&what, &out, expected["outputs"].as_array().unwrap());
                    accepted += 1;
                }
                (got, e) => panic!("{what}: got {got:?}, sklearn: {e:?}"),
            }
        }
    }
    println!("{refused} inputs refused as sklearn refuses them, {accepted} accepted with sklearn's outputs");
}

/// The last exception message of a Python traceback (`ValueError: ...` to the end).
fn exception(trace: &str) -> String {
    let at = trace.rfind("\nValueError: ").expect("a ValueError") + "\nValueError: ".len();
    trace[at..].trim_end_matches('\n').to_string()
}

#[test]
fn recorded_mlflow_answers_match_the_model() {
    let mut checked = 0;
    for entry in std::fs::read_dir(repo().join("tests/conformance")).unwrap() {
        let dir = entry.unwrap().path();
        let Some(model) = dir.file_name().unwrap().to_str().unwrap().strip_prefix("sklearn-").map(str::to_string)
        else {
            continue;
        };
        let loaded = load(&model);
        for case in std::fs::read_dir(&dir).unwrap() {
            let case = case.unwrap().path();
            let recorded = json(&case);
            // JSON's Infinity tokens, which serde_json does not read.
            let body = recorded["request"]["body"]
                .as_str()
                .unwrap()
                .replace("-Infinity", "\"-inf\"")
                .replace("Infinity", "\"inf\"");
            let request: Value = serde_json::from_str(&body).unwrap();
            let Some(split) = request.get("dataframe_split") else { continue };
            let response: Value = serde_json::from_str(recorded["response"]["body"].as_str().unwrap()).unwrap();
            let rows: Vec<Vec<Value>> =
                split["data"].as_array().unwrap().iter().map(|r| r.as_array().unwrap().clone()).collect();
            let fixture = json(&repo().join(format!("models/expected/sklearn-{model}.json")));
            let template: Vec<Value> = fixture["data"][0].as_array().unwrap().clone();
            let columns = split["columns"].as_array().unwrap();
            // Typed by the fixture's column of the same name (the host types by the signature).
            let typed: Vec<Value> = columns
                .iter()
                .map(|c| {
                    let at = fixture["columns"].as_array().unwrap().iter().position(|f| f == c);
                    at.map_or(Value::from(0.0), |at| template[at].clone())
                })
                .collect();
            let what = format!("{model} / {}", case.file_name().unwrap().to_string_lossy());
            let got = loaded.predict(input(Some(columns), &rows, &typed));
            match (recorded["response"]["status"].as_u64().unwrap(), response["error_code"].as_str()) {
                (200, _) => same_outputs(
                    &what,
                    &got.unwrap_or_else(|e| panic!("{what}: {e:?}")),
                    response["predictions"].as_array().unwrap(),
                ),
                (400, Some("BAD_REQUEST")) if response.get("stack_trace").is_some() => {
                    let Err(Error::Evaluation(m)) = got else { panic!("{what}: got {got:?}") };
                    // The traceback's last line loses the message's final newline.
                    assert_eq!(m.trim_end(), exception(response["stack_trace"].as_str().unwrap()), "{what}");
                }
                // The host's schema errors (no traceback: the model was not called).
                _ => continue,
            }
            checked += 1;
        }
    }
    assert!(checked >= 40, "{checked} recorded answers");
    println!("{checked} recorded MLflow answers reproduced");
}
