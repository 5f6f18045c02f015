"""`mlflow.exceptions.MlflowException`: raised by a model, it answers with its
own error code and message, as `mlflow models serve` does."""

INVALID_PARAMETER_VALUE = "INVALID_PARAMETER_VALUE"
BAD_REQUEST = "BAD_REQUEST"
INTERNAL_ERROR = "INTERNAL_ERROR"


class MlflowException(Exception):
    """An error with an MLflow error code (`INTERNAL_ERROR` unless given, as in MLflow)."""

    def __init__(self, message, error_code=INTERNAL_ERROR, **kwargs):
        self.message = str(message)
        self.error_code = error_code if isinstance(error_code, str) else INTERNAL_ERROR
        super().__init__(self.message)

    @classmethod
    def invalid_parameter_value(cls, message, **kwargs):
        return cls(message, error_code=INVALID_PARAMETER_VALUE, **kwargs)
