"""The local emulation patches moto's internals: a moto outside the range they were written for is refused."""

from __future__ import annotations

import tomllib
from pathlib import Path

import moto
import pytest
from kefu_dev.local.moto_fixes import SUPPORTED_MOTO, UnsupportedMoto, check_version


def test_installed_moto_is_supported() -> None:
    check_version(moto.__version__)


@pytest.mark.parametrize("version", ["5.1.9", "5.3.0", "6.0.0", "4.2.14"])
def test_other_versions_are_refused_with_what_to_do(version: str) -> None:
    with pytest.raises(UnsupportedMoto, match="make env"):
        check_version(version)


def test_pyproject_pins_the_same_range() -> None:
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    [pin] = [d for d in pyproject["project"]["optional-dependencies"]["dev"] + pyproject["project"]["dependencies"]
             if d.startswith("moto")]
    (low_major, low_minor), (high_major, high_minor) = SUPPORTED_MOTO
    assert f">={low_major}.{low_minor}" in pin and f"<{high_major}.{high_minor}" in pin
