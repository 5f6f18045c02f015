//! Hostile pickles (tests/fixtures/hostile, written by tests/fixtures/make_pickles.py):
//! each one fails to load with a load error naming the problem, and nothing panics.

use std::path::{Path, PathBuf};

use wasmflow_flavor_sklearn::data::{Column, Frame, Input, Matrix};
use wasmflow_flavor_sklearn::error::Error;
use wasmflow_flavor_sklearn::estimators::{ALLOWED, Method, Model};
use wasmflow_flavor_sklearn::{load_model, pickle};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile")
}

/// The load error of `bytes`.
fn refusal(bytes: &[u8]) -> String {
    match pickle::read(bytes, &|class| ALLOWED.contains(&class)) {
        Err(Error::Load(message)) => message,
        other => panic!("not a load error: {other:?}"),
    }
}

/// Each committed hostile pickle, with what its error must say.
const CASES: &[(&str, &[&str])] = &[
    ("os-system-reduce", &["global os.system is refused", "GLOBAL"]),
    ("posix-system", &["global posix.system is refused", "STACK_GLOBAL"]),
    ("builtins-eval", &["global builtins.eval is refused"]),
    ("builtins-exec", &["global builtins.exec is refused"]),
    ("subprocess-popen", &["global subprocess.Popen is refused"]),
    // Protocol 2 writes Python 2 module names: __builtin__ is read as builtins.
    ("builtins-import", &["global builtins.__import__ is refused"]),
    ("getattr-chain", &["global builtins.getattr is refused"]),
    ("dotted-stack-global", &["global sklearn.pipeline.os.system is not supported"]),
    ("stack-global-not-string", &["STACK_GLOBAL needs a module and a name that are strings"]),
    ("smuggled-state", &["global posix.system is refused"]),
    ("allowed-type-called", &["global numpy.ndarray may not be called", "REDUCE"]),
    ("huge-binunicode8", &["length of 1152921504606846976 bytes is declared but only 4 are left", "BINUNICODE8"]),
    ("huge-binbytes8", &["length of 1152921504606846976 bytes is declared but only 4 are left", "BINBYTES8"]),
    ("huge-array", &["does not match its 8 data bytes"]),
    ("shared-expansion", &["expands to too many values"]),
    ("cycle", &["nests deeper than"]),
    ("memo-missing", &["memo entry 7 is missing", "BINGET"]),
    ("truncated", &["truncated"]),
    ("not-a-pickle", &["does not start like a pickle"]),
    ("out-of-band-buffer", &["out-of-band buffers are not supported", "NEXT_BUFFER"]),
    ("protocol-6", &["pickle protocol 6 is not supported"]),
    ("persistent-id", &["persistent ids are not supported"]),
];

#[test]
fn every_hostile_pickle_is_refused_with_a_clear_error() {
    for (name, needles) in CASES {
        let bytes = std::fs::read(fixtures().join(format!("{name}.pkl"))).unwrap();
        let message = refusal(&bytes);
        for needle in *needles {
            assert!(message.contains(needle), "{name}: {message:?} lacks {needle:?}");
        }
        println!("{name}: {message}");
    }
    let committed = std::fs::read_dir(fixtures()).unwrap().filter(|e| e.as_ref().unwrap().path().is_file()).count();
    assert_eq!(committed, CASES.len(), "every committed hostile pickle has a case");
}

/// A pickle body as byte strings, each repeated so many times.
type Parts = &'static [(&'static [u8], usize)];

#[test]
fn generated_nesting_width_and_copying_are_refused_quickly() {
    let started = std::time::Instant::now();
    let cases: [(&str, Parts, &str); 5] = [
        // 100k MARK + EMPTY_LIST, then 100k APPENDS: lists nested 100k deep.
        ("marks", &[(b"(]", 100_000), (b"e", 100_000)], "nested MARKs"),
        // The same nesting without MARK: 100k EMPTY_LIST then 100k APPEND.
        ("lists", &[(b"]", 100_000), (b"a", 99_999)], "nests deeper than"),
        // Two million NONEs: the stack is bounded too.
        ("wide", &[(b"N", 2 << 20)], "items on the stack"),
        // A 50k-item list memoized, then set(list) 20k times: 10^9 copies unless bounded.
        (
            "copies",
            &[
                (b"\x8c\x08builtins\x8c\x03set\x93\x94(", 1),
                (b"N", 50_000),
                (b"l\x94", 1),
                (b"h\x00h\x01\x85R0", 20_000),
            ],
            "copies its values too often",
        ),
        // One object given 100k BUILD states, in a list 100k times: bounded when converted.
        (
            "states",
            &[
                (b"\x8c\x1bsklearn.preprocessing._data\x8c\x0eStandardScaler\x93)\x81\x94", 1),
                (b"}b", 100_000),
                (b"(", 1),
                (b"h\x00", 100_000),
                (b"l", 1),
            ],
            "expands to too many values",
        ),
    ];
    for (name, parts, needle) in cases {
        let mut bytes = b"\x80\x04".to_vec();
        parts.iter().for_each(|(part, times)| bytes.extend(part.repeat(*times)));
        bytes.push(b'.');
        let message = refusal(&bytes);
        assert!(message.contains(needle), "{name}: {message}");
    }
    assert!(started.elapsed().as_secs() < 20, "took {:?}", started.elapsed());
}

#[test]
fn cut_and_corrupted_real_pickles_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/protocols");
    let real = std::fs::read(dir.join("mixed-columntransformer-cloudpickle-p5.pkl")).unwrap();
    for cut in 0..real.len() {
        refusal(&real[..cut]);
    }
    // Random bytes changed (three at a time, in three models): an error or a
    // different model, which then builds and predicts or fails, never panics.
    let frame = Frame {
        names: ["color", "size", "weight", "height"].map(String::from).to_vec(),
        columns: vec![
            Column::Str(vec!["red".into()]),
            Column::Str(vec!["S".into()]),
            Column::F64(vec![70.0]),
            Column::F64(vec![f64::NAN]),
        ],
    };
    let mut seed = 12345u64;
    let mut next = move || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    for file in ["diabetes-tree", "iris-logreg-pipeline", "mixed-columntransformer"] {
        let real = std::fs::read(dir.join(format!("{file}-cloudpickle-p5.pkl"))).unwrap();
        for _ in 0..3000 {
            let mut bad = real.clone();
            for _ in 0..3 {
                let at = next() % bad.len();
                bad[at] = next() as u8;
            }
            let Ok(root) = pickle::read(&bad, &|class| ALLOWED.contains(&class)) else { continue };
            for method in [Method::Predict, Method::PredictProba] {
                let Ok(model) = Model::build(&root, method) else { continue };
                for cols in [4, 10] {
                    let _ = model.predict(Input::Matrix(Matrix { rows: 2, cols, data: vec![0.5; 2 * cols] }));
                }
                let _ = model.predict(Input::Frame(frame.clone()));
            }
        }
    }
}

#[test]
fn a_hostile_model_directory_fails_at_load() {
    let dir = fixtures().join("mlmodel-os-system");
    let text = std::fs::read_to_string(dir.join("MLmodel")).unwrap();
    let mlmodel: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let flavor = mlmodel["flavors"]["sklearn"].to_string();
    let pyfunc = mlmodel["flavors"]["python_function"].to_string();
    let Err(Error::Load(message)) = load_model(&dir, &flavor, &pyfunc) else { panic!("loaded") };
    assert!(message.starts_with("model.pkl: ") && message.contains("global posix.system is refused"), "{message}");
}
