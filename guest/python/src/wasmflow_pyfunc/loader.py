"""Loads a models-from-code model as MLflow's `mlflow.pyfunc.loaders.code_model`
does: runs the code file from the model directory (with `code_paths` on
`sys.path` and `model_config` set), takes the model `mlflow.models.set_model`
named, builds the `PythonModelContext` (artifact paths, model configuration)
and calls `load_context`.

Every failure is one line naming the file and line: a module the sandbox does
not have, an exception in the file or in `load_context`, a cloudpickled
`python_model.pkl` (not code; how to re-log it), a missing `set_model`.
"""

import inspect
import json
import linecache
import os
import sys
import traceback
import typing

import mlflow.models
from componentize_py_types import Err
from mlflow.pyfunc import PythonModel, PythonModelContext
from wit_world.exports import predictor as wit

MODELS_FROM_CODE = "https://mlflow.org/docs/latest/ml/model/models-from-code/"

# (load-request key, Loaded) of `snapshot.preload`, reused by `model.load`.
_preloaded = None


class Loaded:
    """A loaded model and how MLflow calls its `predict`."""

    def __init__(self, model, context, code_file):
        self.model = model
        self.context = context
        self.code_file = code_file
        parameters = inspect.signature(model.predict).parameters
        names = [p for p in parameters if p not in ("self", "params")]
        # MLflow's `_is_context_in_predict_function_signature`.
        self.with_context = "context" in parameters or len(names) == 2
        self.with_params = "params" in parameters
        self.input_hint = _input_hint(model, names)


def _input_hint(model, names):
    """The type hint of `predict`'s input (a function model: its first argument)."""
    if isinstance(model, FunctionModel):
        func = model.func
        arguments = list(inspect.signature(func).parameters)
        name = arguments[0] if arguments else None
    else:
        func = model.predict
        name = names[-1] if names else None
    try:
        return typing.get_type_hints(func).get(name) if name else None
    except Exception:
        return None


class FunctionModel(PythonModel):
    """A function given to `set_model`, wrapped as MLflow's `_FunctionPythonModel`."""

    def __init__(self, func):
        self.func = func

    def predict(self, model_input, params=None):
        return self.func(model_input)


def _key(request):
    return (request.model_dir, request.flavor_config, request.pyfunc_config, request.model_config)


def preload(request):
    """`snapshot.preload`: load now, keep the model for `load`, and keep the
    model directory's Python sources for tracebacks (`_keep_sources`)."""
    global _preloaded
    _preloaded = (_key(request), load(request))
    _keep_sources(request.model_dir)


# Bounds on what `_keep_sources` holds in the snapshot.
_MAX_SOURCE_FILES = 1000
_MAX_SOURCE_BYTES = 8 << 20


def _keep_sources(model_dir):
    """Puts every `.py` file of the model directory (the code file and its
    `code_paths`) into `linecache`, with no modification time so that it is
    never checked against the file again.

    A snapshot keeps the file handles the interpreter's libc and WASI adapter
    opened while it loaded (componentize-py resets them after its own
    pre-initialisation, not after ours). Once snapshotted into a self-contained
    component, with no model directory mounted, the first file access under the
    model directory at request time would use a handle that no longer exists
    and trap the instance: a traceback (MLflow's `stack_trace`) reads the lines
    of the model file. With the sources cached, formatting one reads no file."""
    total = 0
    kept = 0
    for root, dirs, files in os.walk(model_dir):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith(".py") or kept >= _MAX_SOURCE_FILES:
                continue
            path = os.path.join(root, name)
            try:
                with open(path, encoding="utf-8") as f:
                    source = f.read(_MAX_SOURCE_BYTES - total + 1)
            except (OSError, UnicodeDecodeError):
                continue
            if total + len(source) > _MAX_SOURCE_BYTES:
                return
            total += len(source)
            kept += 1
            lines = source.splitlines(keepends=True)
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            linecache.cache[path] = (len(source), None, lines, path)


def load(request):
    """`model.load`: the preloaded model for the same request, else a fresh load."""
    if _preloaded is not None and _preloaded[0] == _key(request):
        return _preloaded[1]
    try:
        return _load(request)
    except Err:
        raise
    except Exception as e:  # a bug here, not in the model: still one line
        raise Err(wit.Error_Load(f"python_function: {type(e).__name__}: {e}"))


def _fail(message):
    raise Err(wit.Error_Load(message))


def _load(request):
    pyfunc = json.loads(request.pyfunc_config or "{}") or {}
    model_config = _model_config(pyfunc.get("config"), json.loads(request.model_config or "{}"))
    model_dir = request.model_dir
    code = pyfunc.get("model_code_path")
    if not code:
        if pyfunc.get("python_model"):
            _fail(
                f"python_function: {pyfunc['python_model']} is a cloudpickled PythonModel, which wasmflow "
                "does not run (unpickling runs arbitrary code); log the model as code instead: put the class "
                "in a file that ends with `mlflow.models.set_model(MyModel())` and call "
                "`mlflow.pyfunc.log_model(name=..., python_model=\"my_model.py\", ...)` "
                f"(models from code, {MODELS_FROM_CODE})"
            )
        _fail(
            f"python_function: loader_module {pyfunc.get('loader_module')!r} is not a Python model wasmflow runs "
            "(it runs models from code: `loader_module: mlflow.pyfunc.loaders.code_model`)"
        )
    code_file = os.path.join(model_dir, os.path.basename(code))
    if not os.path.isfile(code_file):
        _fail(f"python_function: the model's code file {os.path.basename(code)} is missing")
    code_dir = pyfunc.get("code")
    if code_dir:
        path = os.path.join(model_dir, code_dir)
        if path not in sys.path:
            sys.path.insert(0, path)

    model = _run_code_file(code_file, model_config, model_dir)
    if not isinstance(model, PythonModel):
        model = FunctionModel(model)
    artifacts = {
        name: os.path.join(model_dir, info["path"]) for name, info in (pyfunc.get("artifacts") or {}).items()
    }
    context = PythonModelContext(artifacts=artifacts, model_config=model_config)
    try:
        model.load_context(context)
    except Exception as e:
        _fail(f"python_function: load_context failed: {_where(e, model_dir)}")
    return Loaded(model, context, code_file)


def _model_config(saved, overrides):
    """MLflow's `_get_overridden_pyfunc_model_config`: the `config` saved in the
    pyfunc flavor, with the keys it has overridden by the served `model_config`
    (`SERVING_MODEL_CONFIG`); `None` when the model was saved without one."""
    if not saved:
        return None
    config = dict(saved)
    if isinstance(overrides, dict):
        config.update({k: v for k, v in overrides.items() if k in config})
    return config


def _run_code_file(code_file, model_config, model_dir):
    """Runs the code file as a fresh module; returns what it passed to `set_model`."""
    mlflow.models._current["model"] = None
    mlflow.models._current["config"] = model_config
    name = os.path.basename(code_file)
    try:
        with open(code_file, encoding="utf-8") as f:
            source = f.read()
        module = type(sys)("code_model")
        module.__file__ = code_file
        sys.modules["code_model"] = module
        exec(compile(source, code_file, "exec"), module.__dict__)
    except ImportError as e:
        missing = getattr(e, "name", None)
        if isinstance(e, ModuleNotFoundError) and missing:
            _fail(
                f"python_function: {_line(e, model_dir, name)}imports {missing}, which the sandbox does not have "
                "(wasmflow runs pure-Python models: the standard-library modules frozen into its component "
                "and the model's code_paths; no numpy, pandas, scikit-learn or other compiled packages)"
            )
        _fail(f"python_function: {_where(e, model_dir)}")
    except SyntaxError as e:
        _fail(f"python_function: {name} line {e.lineno}: SyntaxError: {e.msg}")
    except Exception as e:
        _fail(f"python_function: {_where(e, model_dir)}")
    finally:
        mlflow.models._current["config"] = None
    model = mlflow.models._current["model"]
    if model is None:
        _fail(
            f"python_function: {name} does not call mlflow.models.set_model(): if the model is logged as code, "
            "ensure the model is set using mlflow.models.set_model() within the code file"
        )
    return model


def _line(e, model_dir, default_name):
    """`file.py line N: ` of the innermost frame in the model directory."""
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename.startswith(model_dir)]
    if not frames:
        return f"{default_name}: "
    frame = frames[-1]
    return f"{os.path.relpath(frame.filename, model_dir)} line {frame.lineno}: "


def _where(e, model_dir):
    """`file.py line N: Type: message` for an exception raised by model code."""
    return f"{_line(e, model_dir, 'the model')}{type(e).__name__}: {e}"
