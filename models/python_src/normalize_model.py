"""Text normalisation with `re` and `unicodedata`, typed with hints (list[str])."""

import re
import unicodedata

import mlflow

SPACES = re.compile(r"\s+")
PUNCTUATION = re.compile(r"[^\w\s-]")


class Normalize(mlflow.pyfunc.PythonModel):
    def predict(self, model_input: list[str], params=None) -> list[str]:
        out = []
        for text in model_input:
            text = unicodedata.normalize("NFKD", text)
            text = "".join(c for c in text if not unicodedata.combining(c))
            text = PUNCTUATION.sub("", text.lower())
            out.append(SPACES.sub(" ", text).strip())
        return out


mlflow.models.set_model(Normalize())
