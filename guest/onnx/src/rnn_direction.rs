//! tract 0.23 runs an RNN, GRU or LSTM node with `direction="reverse"` forward:
//! its `ops/rec/common.rs` never reads `direction` (two directions are right:
//! the second one runs backward). Until tract reads it, the flavor rewrites such
//! a node before tract parses the graph: the input sequence reversed (a `Slice`
//! with step -1 along the sequence axis), the node run forward, its `Y` output
//! reversed back. `Y_h` and `Y_c`, the state after the last step processed, are
//! the same either way. (The ONNX backend cases `test_*_reverse` check it, in
//! tests/onnx-conformance.)

use tract_onnx::pb::{AttributeProto, ModelProto, NodeProto, TensorProto};

/// `Slice` takes its bounds as inputs from opset 10 on.
const SLICE_WITH_INPUTS: i64 = 10;
/// `TensorProto.DataType.INT64`.
const INT64: i32 = 7;

/// Rewrites every reverse recurrent node of the main graph; returns how many.
pub fn rewrite(model: &mut ModelProto) -> usize {
    let opset =
        model.opset_import.iter().filter(|o| o.domain.is_empty() || o.domain == "ai.onnx").map(|o| o.version).max();
    if opset.unwrap_or(0) < SLICE_WITH_INPUTS {
        return 0;
    }
    let Some(graph) = model.graph.as_mut() else { return 0 };
    let mut rewritten = 0;
    let mut nodes = Vec::with_capacity(graph.node.len());
    for (k, mut node) in std::mem::take(&mut graph.node).into_iter().enumerate() {
        let recurrent = matches!(node.op_type.as_str(), "RNN" | "GRU" | "LSTM") && node.domain.is_empty();
        let Some(direction) = node.attribute.iter_mut().find(|a| a.name == "direction") else {
            nodes.push(node);
            continue;
        };
        if !recurrent || direction.s != b"reverse" || node.input.first().is_none_or(String::is_empty) {
            nodes.push(node);
            continue;
        }
        direction.s = b"forward".to_vec();
        // X is [seq, batch, input] (layout 0) or [batch, seq, input] (layout 1);
        // Y is [seq, dirs, batch, hidden] or [batch, seq, dirs, hidden].
        let axis = node.attribute.iter().find(|a| a.name == "layout").map_or(0, |a: &AttributeProto| a.i);
        let prefix = format!("wasmflow_reverse_{k}");
        let bounds: Vec<String> = [("starts", -1), ("ends", i64::MIN), ("axes", axis), ("steps", -1)]
            .into_iter()
            .map(|(name, value)| {
                let name = format!("{prefix}_{name}");
                graph.initializer.push(TensorProto {
                    name: name.clone(),
                    dims: vec![1],
                    data_type: INT64,
                    int64_data: vec![value],
                    ..TensorProto::default()
                });
                name
            })
            .collect();
        let x = std::mem::replace(&mut node.input[0], format!("{prefix}_x"));
        nodes.push(reverse(&format!("{prefix}_x_slice"), x, format!("{prefix}_x"), &bounds));
        match node.output.first().filter(|y| !y.is_empty()).cloned() {
            Some(y) => {
                node.output[0] = format!("{prefix}_y");
                nodes.push(node);
                nodes.push(reverse(&format!("{prefix}_y_slice"), format!("{prefix}_y"), y, &bounds));
            }
            None => nodes.push(node),
        }
        rewritten += 1;
    }
    graph.node = nodes;
    rewritten
}

/// `Slice(from, starts, ends, axes, steps) -> to`.
fn reverse(name: &str, from: String, to: String, bounds: &[String]) -> NodeProto {
    let mut input = vec![from];
    input.extend(bounds.iter().cloned());
    NodeProto { name: name.into(), op_type: "Slice".into(), input, output: vec![to], ..NodeProto::default() }
}
