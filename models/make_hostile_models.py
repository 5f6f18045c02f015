"""Hostile model directories for tests/e2e/hostile_models.rs (issue 17, item 5).

Each is a real MLflow model directory from models/ with one file made hostile,
written to tests/fixtures/hostile/<case>/. Every one must fail `wasmflow serve`
at start-up with a one-line error, without a crash, without reading outside the
model directory and without an unbounded allocation. (Symlinks out of the model
directory are made by the test itself: git would store them as links.)

    python models/make_hostile_models.py      # needs numpy and onnx (models/requirements.txt)
"""

import io
import json
import pathlib
import shutil
import struct
import zipfile

import numpy as np
import onnx

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests/fixtures/hostile"
SKOPS_MODEL = ROOT / "models/sklearn/iris-rf"
ONNX_MODEL = ROOT / "models/iris-onnx"


def npy_header(descr, shape):
    """A version-1.0 .npy header declaring `shape`, padded as numpy pads it."""
    text = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, repr(tuple(shape)))
    pad = 64 - (10 + len(text) + 1) % 64
    text = text + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")


def first_array(node):
    """The first NdArrayNode with a file of a skops schema (depth first)."""
    if isinstance(node, dict):
        if node.get("__loader__") == "NdArrayNode" and "file" in node:
            return node
        for value in node.values():
            found = first_array(value)
            if found is not None:
                return found
    elif isinstance(node, list):
        for value in node:
            found = first_array(value)
            if found is not None:
                return found
    return None


def skops_case(name, edit):
    """Copies the skops model and rewrites its archive through `edit(schema, files)`."""
    dest = OUT / name
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(SKOPS_MODEL, dest)
    with zipfile.ZipFile(SKOPS_MODEL / "model.skops") as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist()}
    schema = json.loads(files.pop("schema.json"))
    edit(schema, files)
    with zipfile.ZipFile(dest / "model.skops", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("schema.json", json.dumps(schema))
        for filename, data in files.items():
            archive.writestr(filename, data)


def zip_bomb(schema, files):
    # 512 MiB of float64 zeros behind a true header: about 0.5 MB deflated.
    node = first_array(schema)
    count = 64 << 20
    files[node["file"]] = npy_header("<f8", (count,)) + bytes(8 * count)


def huge_shape(schema, files):
    # A header declaring 10^12 float64 values in front of 8 bytes of data.
    node = first_array(schema)
    files[node["file"]] = npy_header("<f8", (10**12,)) + bytes(8)


def path_traversal(schema, files):
    # The array's file names a path outside the archive.
    first_array(schema)["file"] = "../../../../../../etc/passwd"


def onnx_huge_initializer():
    # An initializer declaring 10^10 floats, holding 4 bytes.
    dest = OUT / "onnx-huge-initializer"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(ONNX_MODEL, dest)
    model = onnx.load(str(dest / "model.onnx"))
    tensor = onnx.TensorProto(name="huge", data_type=onnx.TensorProto.FLOAT, dims=[100000, 100000])
    tensor.raw_data = np.zeros(1, dtype=np.float32).tobytes()
    model.graph.initializer.append(tensor)
    onnx.save(model, str(dest / "model.onnx"))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    skops_case("skops-zip-bomb", zip_bomb)
    skops_case("skops-npy-huge-shape", huge_shape)
    skops_case("skops-path-traversal", path_traversal)
    onnx_huge_initializer()
    for case in sorted(OUT.iterdir()):
        size = sum(f.stat().st_size for f in case.rglob("*") if f.is_file())
        print(f"{case.relative_to(ROOT)}: {size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
