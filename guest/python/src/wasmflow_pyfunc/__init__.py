"""The `python_function` flavor's runtime: `loader` runs a models-from-code file
as MLflow's `code_model` loader does, `convert` turns WIT batches into what
MLflow hands the model and the answer back into JSON, `frame` is the small
DataFrame look-alike the model gets for a table, `stdlib` pre-imports the
standard library into the component's snapshot."""
