//! Checks, before tract reads a graph, that every graph output names a value
//! the graph defines (an input, an initializer or a node's output). tract 0.23
//! indexes its name table with the output's name and panics on a name it does
//! not hold (`tract-onnx` model.rs, found by `fuzz/run onnx`): inside the
//! component a panic is a trap, so a model with a dangling output would fail to
//! load with a trap instead of a message naming the output.

use std::collections::HashSet;

use tract_onnx::pb::ModelProto;

/// `Err` naming the first graph output that nothing in the graph defines.
pub fn check_outputs_defined(model: &ModelProto) -> Result<(), String> {
    let Some(graph) = model.graph.as_ref() else { return Ok(()) };
    let mut defined: HashSet<&str> = graph.input.iter().map(|i| i.name.as_str()).collect();
    defined.extend(graph.initializer.iter().map(|t| t.name.as_str()));
    defined.extend(graph.node.iter().flat_map(|n| n.output.iter().map(String::as_str)));
    match graph.output.iter().find(|o| !defined.contains(o.name.as_str())) {
        Some(output) => {
            Err(format!("graph output {:?} is not an input, an initializer or a node's output", output.name))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use tract_onnx::pb::{GraphProto, NodeProto, ValueInfoProto};

    use super::*;

    fn model(outputs: &[&str]) -> ModelProto {
        let value = |name: &str| ValueInfoProto { name: name.into(), ..Default::default() };
        let node = NodeProto {
            op_type: "Relu".into(),
            input: vec!["x".into()],
            output: vec!["y".into()],
            ..Default::default()
        };
        let graph = GraphProto {
            input: vec![value("x")],
            node: vec![node],
            output: outputs.iter().map(|name| value(name)).collect(),
            ..Default::default()
        };
        ModelProto { graph: Some(graph), ..Default::default() }
    }

    #[test]
    fn outputs_must_name_a_defined_value() {
        assert_eq!(check_outputs_defined(&model(&["y", "x"])), Ok(()));
        let error = check_outputs_defined(&model(&["y", "nowhere"])).unwrap_err();
        assert!(error.contains("\"nowhere\""), "{error}");
    }
}
