"""The internal doors as the run scripts, the image and the Kubernetes manifests set them: Rasa's HTTP
API never open without a token, the actions server behind its secret and reachable only from Rasa."""
from __future__ import annotations

import re
import shlex

import yaml

from tests.conftest import PROJECT_DIR
from tests.test_deploy_manifests import DEPLOY, documents, pod_specs


def rasa_commands() -> dict[str, list[str]]:
    """Every `rasa run` command line the project ships, by where it is."""
    found: dict[str, list[str]] = {}
    run = (PROJECT_DIR / "scripts" / "run").read_text(encoding="utf-8").replace("\\\n", " ")
    for line in run.splitlines():
        if "rasa run" in line:
            found["scripts/run"] = shlex.split(line.split("rasa run", 1)[1].split("&")[0])
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    cmd = re.search(r"^CMD (\[.*?\])", dockerfile.replace("\\\n", " "), re.M | re.S)
    assert cmd, "the Dockerfile has an exec-form CMD"
    found["Dockerfile"] = yaml.safe_load(cmd.group(1))
    for name, spec in pod_specs(documents()).items():
        for container in spec["spec"]["containers"]:
            if container["args"][:2] == ["rasa", "run"]:
                found[f"kubernetes/{name}"] = container["args"]
    return found


def test_rasa_never_runs_its_http_api_without_a_token():
    commands = rasa_commands()
    assert {"scripts/run", "Dockerfile", "kubernetes/rasa"} <= set(commands)
    for where, args in commands.items():
        assert "--enable-api" not in args or "--auth-token" in args, where


def test_the_actions_server_runs_token_protected_everywhere():
    run = (PROJECT_DIR / "scripts" / "run").read_text(encoding="utf-8")
    assert "rasa_sdk" not in run and "-m actions.server --interface 127.0.0.1" in run
    assert "ASSISTANT_ACTIONS_TOKEN" in run
    actions = pod_specs(documents())["actions"]["spec"]["containers"][0]["args"]
    assert actions[:3] == ["python", "-m", "actions.server"]
    for endpoints in (PROJECT_DIR / "endpoint.yml", DEPLOY / "endpoints.production.yml"):
        config = yaml.safe_load(endpoints.read_text(encoding="utf-8"))
        assert config["action_endpoint"]["headers"] == {"X-Actions-Token": "${ASSISTANT_ACTIONS_TOKEN}"}, endpoints
    secrets = next(d for d in documents() if d["kind"] == "Secret")["stringData"]
    assert "ASSISTANT_ACTIONS_TOKEN" in secrets


def _allowed_sources(policy: dict) -> list[dict]:
    return [source for rule in policy["spec"].get("ingress", []) for source in rule.get("from", [])]


def test_network_policies_let_only_the_web_app_and_the_proxy_reach_rasa_and_only_rasa_reach_actions():
    policies = [d for d in documents() if d["kind"] == "NetworkPolicy"]
    deny = [p for p in policies if p["spec"]["podSelector"]["matchLabels"] == {"app": "sote-opastaja"}]
    assert deny and not deny[0]["spec"].get("ingress") and deny[0]["spec"]["policyTypes"] == ["Ingress"]

    def sources_for(role: str) -> list[dict]:
        return [s for p in policies if p["spec"]["podSelector"]["matchLabels"].get("role") == role
                for s in _allowed_sources(p)]

    pods = {tuple(sorted(s.get("podSelector", {}).get("matchLabels", {}).items())) for s in sources_for("rasa")}
    assert pods <= {(), (("app", "sote-opastaja"), ("role", "web"))}
    namespaces = [s["namespaceSelector"] for s in sources_for("rasa") + sources_for("web") if "namespaceSelector" in s]
    assert namespaces and all(n == {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}} for n in namespaces)
    assert all(set(s) <= {"podSelector", "namespaceSelector"} and s for s in sources_for("rasa"))
    assert sources_for("actions") == [{"podSelector": {"matchLabels": {"app": "sote-opastaja", "role": "rasa"}}}]
    assert not any("podSelector" in s for s in sources_for("web"))  # only the ingress controller
    assert sources_for("retention") == []
