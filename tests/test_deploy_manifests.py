"""The Kubernetes manifests and the image fit together and fit the code (no cluster or Docker
daemon here: this checks what can be checked offline, the references between the pieces)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

from tests.conftest import PROJECT_DIR

DEPLOY = PROJECT_DIR / "bot" / "deploy"


def documents() -> list[dict]:
    found = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        found += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    return found


def pod_specs(docs: list[dict]) -> dict[str, dict]:
    specs = {}
    for doc in docs:
        if doc["kind"] == "Deployment":
            specs[doc["metadata"]["name"]] = doc["spec"]["template"]
        elif doc["kind"] == "CronJob":
            specs[doc["metadata"]["name"]] = doc["spec"]["jobTemplate"]["spec"]["template"]
    return specs


def test_every_service_and_ingress_reaches_pods_that_exist() -> None:
    docs = documents()
    specs = pod_specs(docs)
    assert {"rasa", "actions", "web", "retention"} <= set(specs)
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    assert deployments["rasa"]["spec"]["replicas"] >= 2 and deployments["actions"]["spec"]["replicas"] >= 2
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    for name, service in services.items():
        matching = [spec for spec in specs.values()
                    if service["spec"]["selector"].items() <= spec["metadata"]["labels"].items()]
        assert matching, f"service {name} selects no pods"
        port_names = {p["name"] for spec in matching for c in spec["spec"]["containers"] for p in c.get("ports", [])}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names
    for ingress in (d for d in docs if d["kind"] == "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                assert path["backend"]["service"]["name"] in services


def test_every_container_gets_the_shared_settings_and_runs_code_that_exists() -> None:
    docs = documents()
    config = {d["metadata"]["name"]: d for d in docs if d["kind"] in ("ConfigMap", "Secret")}
    for name, spec in pod_specs(docs).items():
        for container in spec["spec"]["containers"]:
            refs = [next(iter(ref.values()))["name"] for ref in container["envFrom"]]
            assert all(ref in config for ref in refs), name
            args = container["args"]
            if args[:2] == ["python", "-m"]:
                assert importlib.util.find_spec(args[2]) is not None, f"{name}: no module {args[2]}"
            for value in args:
                if value.endswith((".yml", ".yaml")) and "/" in value:
                    assert (PROJECT_DIR / value).is_file(), f"{name}: no file {value}"
            if name != "retention":
                assert "readinessProbe" in container and "livenessProbe" in container, name


def test_the_production_endpoints_use_only_variables_the_config_map_sets() -> None:
    import re

    endpoints = (DEPLOY / "endpoints.production.yml").read_text(encoding="utf-8")
    needed = set(re.findall(r"\$\{(\w+)\}", endpoints))
    docs = documents()
    given = set()
    for doc in docs:
        if doc["kind"] == "ConfigMap":
            given |= set(doc["data"])
        elif doc["kind"] == "Secret":
            given |= set(doc["stringData"])
    assert needed <= given, f"not set in config.yaml: {sorted(needed - given)}"
    assert "CHANGE-ME" in yaml.safe_dump(docs)  # placeholders only, never a real secret


def test_the_image_copies_what_it_runs() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    for needed in ("requirements.lock", "libvoikko1", "voikko-fi", "xmlsec1"):
        assert needed in dockerfile
    assert "python:3.10" in dockerfile
    assert Path(PROJECT_DIR / "requirements.lock").is_file()


def test_the_ingress_limits_per_address_what_the_nginx_template_limits() -> None:
    """The doors nginx.conf.template limits per address (tests/test_proxy_limits.py) are limited in
    Kubernetes too (the REST channel is not published there)."""
    limited: dict[str, bool] = {}
    for ingress in (d for d in documents() if d["kind"] == "Ingress"):
        notes = ingress["metadata"].get("annotations") or {}
        has_limit = any(key.endswith(("/limit-rps", "/limit-rpm")) for key in notes)
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                limited[path["path"]] = has_limit and path["pathType"] == "Prefix"  # Prefix: "/session/" too
    for door in ("/socket.io/", "/auth/", "/auth/own/", "/team/api/session", "/console/api/session", "/management/api/session"):
        assert limited.get(door), door
