"""The Open Inference Protocol (V2) through the real clients, against a running
`wasmflow serve` (tests/e2e/v2.rs starts it and runs this script with the
venv's python): tritonclient[http] (binary tensors by default, and JSON) and
kserve's InferenceRESTClient. Usage: v2_clients.py HOST:PORT REPO_DIR.
Checks every answer against the fixtures' expected predictions; exits non-zero
with the failed assertion."""

import asyncio
import json
import sys
from pathlib import Path

import numpy as np
import tritonclient.http as triton
from tritonclient.utils import InferenceServerException
import httpx
from kserve import InferenceRESTClient, InferInput, InferRequest, RESTConfig

address, repo = sys.argv[1], Path(sys.argv[2])
iris = json.loads((repo / "models/expected/iris-onnx.json").read_text())
rf = json.loads((repo / "models/expected/sklearn-iris-rf.json").read_text())
iris_x = np.array(iris["inputs"], dtype=np.float32)
rf_x = np.array(rf["data"], dtype=np.float64)


def triton_checks():
    client = triton.InferenceServerClient(url=address)
    assert client.is_server_live()
    assert not client.is_server_ready(), "the broken model is not ready"
    assert client.is_model_ready("iris-onnx") and client.is_model_ready("rf")
    assert not client.is_model_ready("broken")
    assert client.get_server_metadata()["name"] == "wasmflow"
    meta = client.get_model_metadata("rf")
    assert [i["name"] for i in meta["inputs"]] == rf["columns"], meta
    assert all(i["shape"] == [-1, 1] and i["datatype"] == "FP64" for i in meta["inputs"]), meta
    meta = client.get_model_metadata("iris-onnx")
    assert meta["inputs"] == [{"name": "input-0", "datatype": "FP32", "shape": [-1, 4], "parameters": {"content_type": "np"}}], meta
    assert [(o["name"], o["datatype"]) for o in meta["outputs"]] == [("label", "INT64"), ("probabilities", "FP32")]

    # Binary tensors both ways (the client's default), then JSON both ways.
    for binary in (True, False):
        x = triton.InferInput("input-0", list(iris_x.shape), "FP32")
        x.set_data_from_numpy(iris_x, binary_data=binary)
        outputs = [triton.InferRequestedOutput(n, binary_data=binary) for n in ("label", "probabilities")]
        result = client.infer("iris-onnx", [x], outputs=outputs)
        assert result.as_numpy("label").dtype == np.int64
        assert result.as_numpy("label").tolist() == iris["outputs"]["label"], f"binary={binary}"
        np.testing.assert_allclose(result.as_numpy("probabilities"), np.array(iris["outputs"]["probabilities"]), atol=iris["tolerance"])

    # A column signature: one input per column, shape [-1, 1]; no outputs asked: all, binary.
    inputs = []
    for j, name in enumerate(rf["columns"]):
        column = triton.InferInput(name, [len(rf_x), 1], "FP64")
        column.set_data_from_numpy(rf_x[:, j : j + 1].copy())
        inputs.append(column)
    result = client.infer("rf", inputs)
    assert result.as_numpy("output-0").tolist() == rf["outputs"]

    codes = triton.InferInput("code", [2, 1], "BYTES")
    codes.set_data_from_numpy(np.array([[b"fr"], [b"zz"]], dtype=np.object_))
    result = client.infer("lookup", [codes])
    assert result.as_numpy("name").tolist() == [b"France", b"unknown"], result.get_response()
    np.testing.assert_allclose(result.as_numpy("risk"), [0.1, 0.5])

    def status_of(model, inputs):
        try:
            client.infer(model, inputs)
        except InferenceServerException as e:
            return e.status(), e.message()
        raise AssertionError(f"{model}: no error")

    status, message = status_of("rf", inputs[:1])
    assert status == "400" and "missing inputs" in message, (status, message)
    wrong = triton.InferInput("input-0", [1, 4], "FP64")
    wrong.set_data_from_numpy(iris_x[:1].astype(np.float64))
    status, message = status_of("iris-onnx", [wrong])
    assert status == "400" and "dtype" in message, (status, message)
    assert status_of("nope", inputs)[0] == "404"


async def kserve_checks():
    base = f"http://{address}"
    client = InferenceRESTClient(RESTConfig(protocol="v2", timeout=60))
    try:
        assert await client.is_server_live(base)
        assert await client.is_model_ready(base, "iris-onnx")
        assert not await client.is_model_ready(base, "broken")
        for binary in (True, False):
            x = InferInput("input-0", list(iris_x.shape), "FP32")
            x.set_data_from_numpy(iris_x, binary_data=binary)
            response = await client.infer(base, InferRequest("iris-onnx", infer_inputs=[x]), model_name="iris-onnx")
            outputs = {o.name: o.as_numpy() for o in response.outputs}
            assert outputs["label"].tolist() == iris["outputs"]["label"], f"binary={binary}"
        columns = []
        for j, name in enumerate(rf["columns"]):
            column = InferInput(name, [len(rf_x), 1], "FP64")
            column.set_data_from_numpy(rf_x[:, j : j + 1].copy(), binary_data=True)
            columns.append(column)
        response = await client.infer(base, InferRequest("rf", infer_inputs=columns), model_name="rf")
        assert response.outputs[0].as_numpy().tolist() == rf["outputs"]
        try:
            await client.infer(base, InferRequest("rf", infer_inputs=columns[1:]), model_name="rf")
            raise AssertionError("a missing column was accepted")
        except httpx.HTTPStatusError as e:
            assert e.response.status_code == 400 and "missing inputs" in e.response.json()["error"], e.response.text
    finally:
        await client.close()


triton_checks()
asyncio.run(kserve_checks())
print("v2 clients: all checks passed")
