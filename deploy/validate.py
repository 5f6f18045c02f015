"""Validates Kubernetes manifests offline, as `kubectl apply --dry-run=server`
would on a cluster with the CRDs installed, without a cluster.

Core kinds (Deployment, Service, HorizontalPodAutoscaler, ...) are checked with
kubernetes-validate (the OpenAPI schemas of a Kubernetes release, strict: an
unknown field fails). The CRDs (KServe's ServingRuntime, ClusterServingRuntime,
InferenceService; SpinKube's SpinApp) are checked against the JSON schemas in
deploy/schemas/, and the containers a ServingRuntime declares are checked as
core v1 Containers (wrapped in a Pod).

usage: python deploy/validate.py [FILE.yaml ...]   (default: every manifest under deploy/)
Prints one line per resource; exits 1 if any is invalid.
"""

import json
import pathlib
import sys

import jsonschema
import kubernetes_validate
import referencing
import yaml

KUBERNETES = "1.33.0"
SCHEMAS = pathlib.Path(__file__).parent / "schemas"
CRDS = {
    ("serving.kserve.io/v1alpha1", "ServingRuntime"): "servingruntime.json",
    ("serving.kserve.io/v1alpha1", "ClusterServingRuntime"): "servingruntime.json",
    ("serving.kserve.io/v1beta1", "InferenceService"): "inferenceservice.json",
    ("core.spinkube.dev/v1alpha1", "SpinApp"): "spinapp.json",
}


def registry():
    resources = [
        (path.name, referencing.Resource.from_contents(json.loads(path.read_text())))
        for path in SCHEMAS.glob("*.json")
    ]
    return referencing.Registry().with_resources(resources)


def check_core(document):
    kubernetes_validate.validate(document, KUBERNETES, strict=True)


def check_crd(document, schema_file, schemas):
    schema = schemas.contents(schema_file)
    validator = jsonschema.Draft202012Validator(schema, registry=schemas)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    if errors:
        error = errors[0]
        where = "/".join(str(p) for p in error.path) or "(root)"
        raise ValueError(f"{where}: {error.message}")
    for container in document["spec"].get("containers", []):
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "check"}, "spec": {"containers": [container]}}
        check_core(pod)


def main(paths):
    schemas = registry()
    here = pathlib.Path(__file__).parent
    files = [pathlib.Path(p) for p in paths] or sorted(here.glob("**/*.yaml"))
    failed = 0
    for path in files:
        for document in yaml.safe_load_all(path.read_text()):
            if not document:
                continue
            name = f"{path}: {document.get('kind')} {document.get('metadata', {}).get('name')}"
            crd = CRDS.get((document.get("apiVersion"), document.get("kind")))
            try:
                check_crd(document, crd, schemas) if crd else check_core(document)
            except (kubernetes_validate.ValidationError, ValueError, jsonschema.ValidationError) as error:
                failed += 1
                print(f"INVALID {name}: {str(error).splitlines()[0]}")
            except kubernetes_validate.SchemaNotFoundError as error:
                failed += 1
                print(f"UNKNOWN {name}: {error}")
            else:
                print(f"valid   {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
