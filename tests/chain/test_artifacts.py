"""The committed ABI and bytecode are what the pinned compiler makes of the sources."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules" / "solc").exists(),
    reason="node or node_modules missing: scripts/test.sh runs npm ci first",
)
def test_committed_artifacts_match_a_fresh_compilation():
    done = subprocess.run(  # noqa: S603 - our own build script
        [shutil.which("node"), "contracts/build.js", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_the_build_pins_compiler_evm_version_and_optimizer():
    import json

    package = json.loads((ROOT / "package.json").read_text())
    for name, version in package["devDependencies"].items():
        assert version[0].isdigit(), f"{name} must be pinned to an exact version, not {version}"
    token = json.loads((ROOT / "contracts" / "artifacts" / "TrancheToken.json").read_text())
    assert token["compiler"]["version"].startswith(package["devDependencies"]["solc"] + "+")
    assert token["compiler"]["settings"] == {
        "optimizer": {"enabled": True, "runs": 200},
        "evmVersion": "prague",
    }
