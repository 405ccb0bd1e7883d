"""Every function's handler resolves from its synthesized asset exactly as Lambda resolves it.

Lambda puts the function's asset and each layer's ``python/`` folder on ``sys.path`` and imports
``<module>.<attribute>`` from the ``Handler`` string. A handler string that names a missing module or
attribute (``app.lambda_handler`` against a function that defines ``handler``) fails every invocation
in AWS, while local tests that call the function directly stay green; this test catches it at synth.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from infra_synth import REPO, Synth
from kefu_dev.local.emulator import MotoServer

from kefu.resources import FUNCTIONS

# Lambda imports the handler in a fresh interpreter: so does this probe (a module named ``app``
# exists in every function folder, and the test process has the repository's kefu imported already).
_PROBE = """
import importlib, json, sys
module_name, _, attribute = sys.argv[1].rpartition(".")
module = importlib.import_module(module_name)
target = getattr(module, attribute, None)
kefu = sys.modules.get("kefu")
print(json.dumps({
    "callable": callable(target),
    "attributes": sorted(name for name in vars(module) if "handler" in name),
    "module_file": module.__file__,
    "kefu_file": getattr(kefu, "__file__", None),
}))
"""


def _asset_folder(synth: Synth, code: dict[str, Any]) -> Path:
    key = code["S3Key"]
    digest = key.removesuffix(".zip") if isinstance(key, str) else None
    assert digest, f"function code is not a file asset: {code}"
    folder = synth.outdir / f"asset.{digest}"
    assert folder.is_dir(), f"asset {digest} was not staged in {synth.outdir}"
    return folder


def _layer_paths(synth: Synth, function: dict[str, Any]) -> list[Path]:
    resources = synth.json["Resources"]
    paths = []
    for layer in function["Properties"].get("Layers", []):
        content = resources[layer["Ref"]]["Properties"]["Content"]
        paths.append(_asset_folder(synth, content) / "python")
    return paths


def _functions(synth: Synth) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in synth.json["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
        and str(_variables(resource).get("POWERTOOLS_SERVICE_NAME", "")).startswith("kefu-")
    }


def _variables(function: dict[str, Any]) -> dict[str, Any]:
    variables: dict[str, Any] = function["Properties"].get("Environment", {}).get("Variables", {})
    return variables


def _probe_environment(function: dict[str, Any], endpoint_url: str) -> dict[str, str]:
    """The function's own variables from the template (references to other resources become placeholder
    names), the AWS calls of the init phase sent to the local emulation, and the platform secret given
    inline: the probe checks that the module loads with what the stack sets, not that the secret exists."""
    variables = {
        name: value if isinstance(value, str) else f"probe-{name.lower()}"
        for name, value in _variables(function).items()
    }
    variables.pop("KEFU_PLATFORM_SECRET_ARN", None)
    return {
        "PATH": os.environ.get("PATH", ""),
        **variables,
        "KEFU_PLATFORM_SECRET": "probe-secret",
        "KEFU_AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "cn-north-1",
        "AWS_LAMBDA_FUNCTION_NAME": str(variables.get("POWERTOOLS_SERVICE_NAME", "probe")),
    }


def test_every_function_handler_imports_from_its_asset(demo: Synth, moto_server: MotoServer) -> None:
    functions = _functions(demo)
    assert len(functions) >= 5
    for logical_id, function in functions.items():
        handler = function["Properties"]["Handler"]
        asset = _asset_folder(demo, function["Properties"]["Code"])
        layers = _layer_paths(demo, function)
        kefu_layer = [path for path in layers if (path / "kefu").is_dir()]
        assert kefu_layer, f"{logical_id}: no layer carries the kefu package"
        # The dependency layer is a placeholder in this synth: third-party packages come from this
        # interpreter's site-packages, which PYTHONPATH (asset, then layers) is searched before.
        env = {
            **_probe_environment(function, moto_server.endpoint_url),
            "PYTHONPATH": os.pathsep.join(str(p) for p in [asset, *layers]),
        }
        probe = subprocess.run(
            [sys.executable, "-c", _PROBE, handler],
            capture_output=True, text=True, env=env, cwd=asset, timeout=120,
        )  # fmt: skip
        failure = probe.stderr[-3000:] + probe.stdout[-500:]
        assert probe.returncode == 0, f"{logical_id}: importing {handler} failed:\n{failure}"
        found = json.loads(probe.stdout.strip().splitlines()[-1])
        assert found["callable"], f"{logical_id}: {handler} is not a callable; module has {found['attributes']}"
        assert Path(found["module_file"]).resolve().is_relative_to(asset.resolve())
        # The kefu package came from the layer asset, not from the repository checkout.
        assert Path(found["kefu_file"]).resolve().is_relative_to(kefu_layer[0].resolve())


def test_probe_fails_on_a_handler_the_module_does_not_define(demo: Synth, tmp_path: Path) -> None:
    """The probe itself can fail: a function folder whose app.py defines only ``handler``."""
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return None\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, "app.lambda_handler"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    assert found["callable"] is False and found["attributes"] == ["handler"]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_folders_define_the_handler_their_spec_names(name: str) -> None:
    spec = FUNCTIONS[name]
    source = (REPO / "functions" / name / f"{spec.module}.py").read_text(encoding="utf-8")
    assert f"def {spec.attribute}(" in source


def test_one_spec_drives_the_stack_and_the_local_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Change a function's timeout in one place (kefu.resources.FUNCTIONS): the template and the local pool follow."""
    from infra_synth import merchant, synthesize
    from kefu_dev.local.handlers import FunctionPool, handler_path

    changed = dataclasses.replace(FUNCTIONS["webhook"], timeout_s=7, memory_mb=640)
    monkeypatch.setitem(FUNCTIONS, "webhook", changed)
    synth = synthesize(merchant("hair-dye-demo"), tmp_path)
    [webhook] = [f for f in _functions(synth).values() if _variables(f)["POWERTOOLS_SERVICE_NAME"] == "kefu-webhook"]
    assert webhook["Properties"]["Timeout"] == 7 and webhook["Properties"]["MemorySize"] == 640
    assert webhook["Properties"]["Handler"] == changed.handler
    pool = FunctionPool("webhook", {})
    try:
        assert pool.timeout_s == 7
    finally:
        pool.close()
    assert handler_path("webhook") == REPO / "functions" / "webhook" / "app.py"


def test_the_library_layer_holds_what_deploys_and_no_tooling(demo: Synth) -> None:
    """The kefu layer: the library only (no local twin, CLI or evaluation), small, and importing no kefu_dev."""
    resources = demo.json["Resources"]
    [layer] = [r for r in resources.values()
               if r["Type"] == "AWS::Lambda::LayerVersion" and r["Properties"].get("Description") == "the kefu library"]
    root = _asset_folder(demo, layer["Properties"]["Content"]) / "python"
    packages = sorted(p.name for p in root.iterdir())
    assert packages == ["kefu"], packages
    kefu = root / "kefu"
    for tooling in ("local", "cli", "evaluation"):
        assert not (kefu / tooling).exists(), f"dev tooling {tooling}/ is in the deployed layer"
    for required in ("reception/brain.py", "sizing/advise.py", "wiring.py", "data/models"):
        assert (kefu / required).exists(), required
    sources = [p for p in kefu.rglob("*.py")]
    assert not [p for p in sources if re.search(r"^\s*(from|import) kefu_dev", p.read_text(encoding="utf-8"), re.M)]
    size = sum(p.stat().st_size for p in kefu.rglob("*") if p.is_file())
    print(f"kefu library layer: {len(sources)} modules, {size / 1e6:.2f} MB unzipped")
    assert size < 8_000_000  # the library itself; dependencies and the encoder have layers of their own
