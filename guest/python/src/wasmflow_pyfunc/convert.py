"""One `predict` call as MLflow's pyfunc wrapper makes it: the WIT batch becomes
what MLflow hands a Python model, `predict` is called with or without `context`
and `params`, and the answer is written as `mlflow models serve` writes it.

Inputs (what the model receives):
- a table → `frame.DataFrame` (columns in signature order; `int`, `float`,
  `bool`, `str`, `bytes` cells; missing optional cells `None`/`nan`);
- tensors → nested lists (one unnamed tensor) or a dict of name → nested lists;
- JSON (type-hinted models, LLM-style bodies, composite columns) → the parsed
  JSON, except that records reach an un-hinted model as a `DataFrame`, as
  pandas builds one from them.
- a model hinted `list[str]` or `list[dict[...]]` that gets a table gets the
  first string column / the records, as MLflow's `_convert_input`.

Params: a dict of name → value (`None` when the request has none). Answers: a
`DataFrame` as records, a `Series` as one-column records, anything else as
Python's `json` writes it (tuples as lists, `NaN` bare, bytes as base64 and
dates as ISO text like MLflow's `NumpyEncoder`).
"""

import base64
import datetime
import json
import traceback
import typing

from componentize_py_types import Err
from mlflow.exceptions import MlflowException
from wit_world.exports import predictor as wit

from wasmflow_pyfunc.frame import DataFrame, Series


def predict(loaded, batch, params):
    """Runs the model on `batch`; returns the answer as JSON text."""
    model_input = _input(batch, loaded.input_hint)
    try:
        model_input = _convert_hinted(loaded, model_input)
        kwargs = {"params": _params(params)} if loaded.with_params else {}
        if loaded.with_context:
            result = loaded.model.predict(loaded.context, model_input, **kwargs)
        else:
            result = loaded.model.predict(model_input, **kwargs)
    except MlflowException as e:
        # As MLflow's scoring server re-raises it, with the data it was given.
        raise Err(_mlflow_error(e, f"Failed to predict data '{_data_str(model_input)}'. \nError: {e.message}"))
    except Exception as e:
        raise Err(wit.Error_Evaluation(_model_traceback(e, loaded.code_file)))
    try:
        return json.dumps(_jsonable(result), default=_encode)
    except (TypeError, ValueError) as e:
        raise Err(wit.Error_Internal(f"the model's answer cannot be written as JSON: {e}"))


def _mlflow_error(e, message):
    """An `MlflowException`'s code → the WIT error (`BAD_REQUEST` has no case of
    its own: it answers MLflow's evaluation message, the text in `stack_trace`)."""
    if e.error_code == "INVALID_PARAMETER_VALUE":
        return wit.Error_InvalidInput(message)
    if e.error_code == "BAD_REQUEST":
        return wit.Error_Evaluation(message)
    return wit.Error_Internal(message)


def _data_str(data):
    """`str(data)` as MLflow prints the input in its messages; a DataFrame
    roughly in pandas' layout (index, then right-aligned columns)."""
    if not isinstance(data, DataFrame):
        return str(data)
    columns = [[str(n)] + [" " + _cell(v) for v in data[n]] for n in data.columns]
    columns.insert(0, [""] + [str(i) for i in range(len(data))])
    widths = [max(len(c) for c in column) for column in columns]
    rows = []
    for r in range(len(data) + 1):
        first = columns[0][r].ljust(widths[0])
        rows.append(" ".join([first] + [c[r].rjust(w) for c, w in zip(columns[1:], widths[1:])]))
    return "\n".join(rows)


def _cell(value):
    return repr(value) if isinstance(value, float) else str(value)


def _model_traceback(e, code_file):
    """The traceback from the first frame of the model's own code on."""
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != code_file:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(e), e, tb if tb is not None else e.__traceback__))


def _values(values):
    if isinstance(values, wit.Values_Bytes):
        return [bytes(v) for v in values.value]
    return list(values.value)


def _nested(flat, shape):
    """Row-major values → nested lists of `shape`."""
    if len(shape) <= 1:
        return list(flat) if shape else flat[0]
    step = len(flat) // shape[0] if shape[0] else 0
    return [_nested(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def _input(batch, hint):
    if isinstance(batch, wit.Batch_Table):
        return DataFrame({c.name: _values(c.values) for c in batch.value}, [c.name for c in batch.value])
    if isinstance(batch, wit.Batch_Tensors):
        tensors = batch.value
        if len(tensors) == 1 and tensors[0].name is None:
            return _nested(_values(tensors[0].values), list(tensors[0].shape))
        return {t.name: _nested(_values(t.values), list(t.shape)) for t in tensors}
    data = json.loads(batch.value)
    records = isinstance(data, list) and data and all(isinstance(r, dict) for r in data)
    if hint is None and records:
        return DataFrame.from_records(data)
    return data


def _is_list_of(hint, inner):
    return typing.get_origin(hint) is list and (typing.get_args(hint) or [None])[0] == inner


def _is_list_of_str_dict(hint):
    if typing.get_origin(hint) is not list or not typing.get_args(hint):
        return False
    item = typing.get_args(hint)[0]
    return typing.get_origin(item) is dict and (typing.get_args(item) or [None])[0] is str


def _convert_hinted(loaded, model_input):
    """MLflow's `_PythonModelPyfuncWrapper._convert_input` for a table."""
    hint = loaded.input_hint
    if not isinstance(model_input, DataFrame) or hint is None:
        return model_input
    if _is_list_of(hint, str):
        column = next((n for n in model_input.columns if model_input and isinstance(model_input[n][0], str)), None)
        if column is None:
            raise MlflowException.invalid_parameter_value("Expected model input to contain at least one string column")
        return list(model_input[column])
    if _is_list_of_str_dict(hint):
        return model_input.to_dict(orient="records")
    return model_input


def _scalar(scalar):
    if isinstance(scalar, wit.Scalar_Datetime):
        try:
            return datetime.datetime.fromisoformat(scalar.value)
        except ValueError:
            return scalar.value
    return scalar.value


def _params(params):
    if not params:
        return None
    out = {}
    for p in params:
        if isinstance(p.value, wit.ParamValue_List):
            out[p.name] = [_scalar(s) for s in p.value.value]
        else:
            out[p.name] = _scalar(p.value.value)
    return out


def _jsonable(result):
    """MLflow's `_get_jsonable_obj` with `pandas_orient="records"`."""
    if isinstance(result, DataFrame):
        return result.to_dict(orient="records")
    if isinstance(result, Series):
        name = result.name if result.name is not None else 0
        return [{name: v} for v in result]
    return result


def _encode(o):
    """MLflow's `NumpyEncoder` for the types pure Python has."""
    if isinstance(o, (bytes, bytearray)):
        return base64.encodebytes(o).decode("ascii")
    if isinstance(o, (datetime.date, datetime.datetime, datetime.time)):
        return o.isoformat()
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")
