"""Writes the ONNX backend test cases shipped with the `onnx` wheel as plain
files the Rust harness (tests/onnx-conformance/main.rs) reads without a
protobuf parser.

Suites:
  node               every operator case (onnx.backend.test.case.node: the
                     cases `generate-data` writes to data/node in onnx's source
                     tree; the wheel ships their generators, not their files)
  node-const         the node cases with more than one input again, every
                     input but the first made an initializer (the way
                     exporters write shapes, axes, pads, scales and weights;
                     tract needs many of them constant)
  simple             the small multi-node models (onnx.backend.test.case.model)
  pytorch-converted  PyTorch modules exported to ONNX (data/ in the wheel)
  pytorch-operator   PyTorch operators exported to ONNX (data/ in the wheel)
  light              weight-reduced AlexNet, DenseNet-121, Inception v1/v2,
                     ResNet-50, ShuffleNet, SqueezeNet, VGG-19, ZFNet-512 with
                     the expected outputs the wheel ships; their inputs are made
                     as onnx's backend runner makes them (generate_dummy_data)

Each case becomes <out>/<suite>/<case>/ with model.onnx and case.json:
  {"suite", "name", "op", "rtol", "atol",
   "skip": null | "why the harness cannot feed or compare it",
   "data_sets": [{"inputs": [T...], "outputs": [T...]}]}
where T is {"name", "dtype", "shape", "file"} with the values raw
little-endian in <file> (dtype one of f32 f64 i8 i16 i32 i64 u8 u16 u32 u64
bool), or {"name", "dtype": "str", "shape", "values": [...]} for strings.

Usage: make_cases.py OUT [--light]   (about 10 s for every case but light)
"""

import argparse
import json
import os
import re
import shutil
import sys
import warnings

import numpy as np
import onnx
from onnx import numpy_helper
from onnx.backend.test.case import model as model_cases
from onnx.backend.test.case import node as node_cases

DATA = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")

# numpy dtypes the WIT boundary (wit/world.wit, `values`) can carry.
DTYPES = {
    np.dtype("float32"): "f32",
    np.dtype("float64"): "f64",
    np.dtype("int8"): "i8",
    np.dtype("int16"): "i16",
    np.dtype("int32"): "i32",
    np.dtype("int64"): "i64",
    np.dtype("uint8"): "u8",
    np.dtype("uint16"): "u16",
    np.dtype("uint32"): "u32",
    np.dtype("uint64"): "u64",
    np.dtype("bool"): "bool",
}


class Unfeedable(Exception):
    """A value the WIT boundary cannot carry (the case is listed, not run)."""


def as_array(value, elem_type=None):
    if isinstance(value, onnx.TensorProto):
        value = numpy_helper.to_array(value)
    if isinstance(value, (list, dict)) or value is None:
        raise Unfeedable("sequence, map or optional value")
    array = np.asarray(value)
    if elem_type is not None and elem_type != onnx.TensorProto.UNDEFINED:
        # float8, int4, bfloat16 and friends come as numpy types of their own
        # (ml_dtypes) or as the integer type that stores them.
        np_type = onnx.helper.tensor_dtype_to_np_dtype(elem_type)
        if np.dtype(np_type) != array.dtype and array.dtype.kind not in "OUS":
            raise Unfeedable(f"element type {onnx.TensorProto.DataType.Name(elem_type)}")
        if elem_type not in (onnx.TensorProto.STRING,) and np.dtype(np_type) not in DTYPES:
            raise Unfeedable(f"element type {onnx.TensorProto.DataType.Name(elem_type)}")
    return array


def write_tensor(case_dir, file, name, array):
    entry = {"name": name, "shape": list(array.shape)}
    if array.dtype.kind in "OUS":
        values = [v.decode() if isinstance(v, bytes) else str(v) for v in array.reshape(-1)]
        return {**entry, "dtype": "str", "values": values}
    if array.dtype not in DTYPES:
        raise Unfeedable(f"element type {array.dtype}")
    np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tofile(os.path.join(case_dir, file))
    return {**entry, "dtype": DTYPES[array.dtype], "file": file}


def value_types(values):
    """The element type of each graph input/output (None if not a tensor)."""
    return [v.type.tensor_type.elem_type if v.type.HasField("tensor_type") else None for v in values]


def write_case(out, suite, name, op, model_bytes, model, data_sets, rtol, atol, skip=None):
    case_dir = os.path.join(out, suite, name)
    os.makedirs(case_dir, exist_ok=True)
    with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
        f.write(model_bytes)
    # Graph inputs that are initializers are not fed (older models list them).
    inits = {i.name for i in model.graph.initializer}
    graph_inputs = [i for i in model.graph.input if i.name not in inits]
    case = {"suite": suite, "name": name, "op": op, "rtol": rtol, "atol": atol, "skip": skip, "data_sets": []}
    try:
        if skip:
            raise Unfeedable(skip)
        for k, (inputs, outputs) in enumerate(data_sets):
            written = {"inputs": [], "outputs": []}
            for side, values, infos in (("inputs", inputs, graph_inputs), ("outputs", outputs, model.graph.output)):
                types = value_types(infos)
                for j, value in enumerate(values):
                    if types[j] is None:
                        raise Unfeedable("sequence, map or optional value")
                    array = as_array(value, types[j])
                    tag = "in" if side == "inputs" else "out"
                    written[side].append(write_tensor(case_dir, f"{tag}_{k}_{j}.bin", infos[j].name, array))
            case["data_sets"].append(written)
    except Unfeedable as e:
        case["skip"] = str(e)
        case["data_sets"] = []
    with open(os.path.join(case_dir, "case.json"), "w") as f:
        json.dump(case, f)


def with_constant_parameters(model, data_sets):
    """The model with every graph input but the first made an initializer
    holding the case's value, as exporters write shapes, axes, pads, scales
    and weights; `None` when there is nothing to fold or several data sets."""
    if len(model.graph.input) < 2 or len(data_sets) != 1:
        return None
    inputs, outputs = data_sets[0]
    folded = onnx.ModelProto()
    folded.CopyFrom(model)
    del folded.graph.input[1:]
    for info, value in zip(model.graph.input[1:], inputs[1:], strict=True):
        if not info.type.HasField("tensor_type"):
            return None
        tensor = value if isinstance(value, onnx.TensorProto) else numpy_helper.from_array(np.asarray(value))
        tensor = onnx.TensorProto.FromString(tensor.SerializeToString())
        tensor.name = info.name
        folded.graph.initializer.append(tensor)
    return folded, [(inputs[:1], outputs)]


def node_suite(out):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = node_cases.collect_testcases()
    ops = {c.name: c.model.graph.node[0].op_type for c in cases if len(c.model.graph.node) == 1}
    folded_count = 0
    for c in cases:
        base = re.sub(r"_expanded(_ver\d+)?$", "", c.name)
        op = ops.get(base) or (c.model.graph.node[0].op_type if c.model.graph.node else "?")
        write_case(out, "node", c.name, op, c.model.SerializeToString(), c.model, c.data_sets, c.rtol, c.atol)
        folded = with_constant_parameters(c.model, c.data_sets)
        if folded:
            model, data_sets = folded
            write_case(out, "node-const", c.name, op, model.SerializeToString(), model, data_sets, c.rtol, c.atol)
            folded_count += 1
    return len(cases), folded_count


def simple_suite(out):
    cases = [c for c in model_cases.collect_testcases() if c.kind == "simple"]
    for c in cases:
        write_case(out, "simple", c.name, c.name, c.model.SerializeToString(), c.model, c.data_sets, c.rtol, c.atol)
    return len(cases)


def read_pb(path):
    proto = onnx.TensorProto()
    with open(path, "rb") as f:
        proto.ParseFromString(f.read())
    return proto


def stored_suite(out, suite):
    """Cases stored as files in the wheel: model.onnx + test_data_set_*/*.pb."""
    root = os.path.join(DATA, suite)
    names = sorted(os.listdir(root)) if os.path.isdir(root) else []
    for name in names:
        with open(os.path.join(root, name, "model.onnx"), "rb") as f:
            model_bytes = f.read()
        model = onnx.load_from_string(model_bytes)
        data_sets = []
        skip = None
        if None in value_types(model.graph.input) + value_types(model.graph.output):
            skip = "sequence, map or optional value"
        else:
            for ds in sorted(d for d in os.listdir(os.path.join(root, name)) if d.startswith("test_data_set_")):
                ds_dir = os.path.join(root, name, ds)
                files = os.listdir(ds_dir)
                count = lambda prefix: len([f for f in files if f.startswith(prefix)])  # noqa: E731
                ins = [read_pb(os.path.join(ds_dir, f"input_{j}.pb")) for j in range(count("input_"))]
                outs = [read_pb(os.path.join(ds_dir, f"output_{j}.pb")) for j in range(count("output_"))]
                data_sets.append((ins, outs))
        op = name.removeprefix("test_")
        write_case(out, suite, name, op, model_bytes, model, data_sets, 1e-3, 1e-7, skip)
    return len(names)


def light_suite(out):
    from onnx.backend.test.runner import Runner

    real = [c for c in model_cases.collect_testcases() if c.kind == "real"]
    for c in real:
        path = os.path.join(DATA, "light", f"light_{c.model_name}.onnx")
        with open(path, "rb") as f:
            model_bytes = f.read()
        model = onnx.load_from_string(model_bytes)
        inits = {i.name for i in model.graph.initializer}
        inputs = [
            Runner.generate_dummy_data(x, seed=0, name=c.model_name, random=False)
            for x in model.graph.input
            if x.name not in inits
        ]
        outputs = []
        for i in range(len(model.graph.output)):
            proto = onnx.TensorProto()
            with open(os.path.join(DATA, "light", f"light_{c.model_name}_output_{i}.pb"), "rb") as f:
                proto.ParseFromString(f.read())
            outputs.append(proto)
        write_case(out, "light", c.name, c.model_name, model_bytes, model, [(inputs, outputs)], c.rtol, c.atol)
    return len(real)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--light", action="store_true", help="also write the light models")
    args = parser.parse_args()
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    counts = {}
    counts["node"], counts["node-const"] = node_suite(args.out)
    counts["simple"] = simple_suite(args.out)
    for suite in ("pytorch-converted", "pytorch-operator"):
        counts[suite] = stored_suite(args.out, suite)
    if args.light:
        counts["light"] = light_suite(args.out)
    with open(os.path.join(args.out, "suites.json"), "w") as f:
        json.dump({"onnx": onnx.__version__, "counts": counts}, f)
    print(f"onnx {onnx.__version__}: wrote {counts} to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
