//! `/invocations` bodies: the first byte picks the content type (JSON, CSV,
//! parquet, garbage), the rest is the body, parsed without a signature and
//! against a tensor and a column signature.
//!
//! Shared by the fuzz target and the crash regression test that replays
//! `fuzz/regressions/request_body/`: one definition of what a run does.

use std::sync::LazyLock;

use wasmflow_protocol::{Signature, parse_invocation};

static SIGNATURES: LazyLock<[Signature; 2]> = LazyLock::new(|| {
    let tensor = r#"[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]"#;
    let columns = r#"[{"type": "double", "name": "a", "required": true}, {"type": "string", "name": "b", "required": false}, {"type": "datetime", "name": "c", "required": false}]"#;
    let params = r#"[{"name": "k", "type": "long", "default": 1, "shape": null}]"#;
    [
        Signature::from_json_strs(Some(tensor), None, None).unwrap(),
        Signature::from_json_strs(Some(columns), None, Some(params)).unwrap(),
    ]
});

/// One fuzz input: must return (any result), never panic, hang or overflow.
pub fn run(data: &[u8]) {
    let Some((&kind, body)) = data.split_first() else { return };
    let content_type = match kind % 4 {
        0 => "application/json",
        1 => "text/csv",
        2 => "application/x-parquet",
        _ => "application/json; format=pandas-split",
    };
    let _ = parse_invocation(Some(content_type), body, None);
    for signature in SIGNATURES.iter() {
        let _ = parse_invocation(Some(content_type), body, Some(signature));
    }
}
