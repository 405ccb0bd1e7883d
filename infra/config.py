"""Which merchant to synthesize: ``-c merchant=<name | path.json>`` or ``-c merchantConfig='{...}'``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kefu.deploy_config import (
    MerchantConfig,
    MerchantConfigError,
    load_merchant_config,
    parse_merchant_config,
)

MERCHANTS_DIR = Path(__file__).resolve().parent / "merchants"

__all__ = ["MERCHANTS_DIR", "MerchantConfig", "MerchantConfigError", "config_from_context", "merchant_path"]


def merchant_path(name_or_path: str) -> Path:
    """``hair-dye-demo`` → infra/merchants/hair-dye-demo.json; anything with a '/' or '.json' is a path."""
    if "/" in name_or_path or name_or_path.endswith(".json"):
        return Path(name_or_path)
    return MERCHANTS_DIR / f"{name_or_path}.json"


def config_from_context(merchant: Any, inline: Any = None) -> MerchantConfig:
    if inline is not None:
        data = json.loads(inline) if isinstance(inline, str) else inline
        return parse_merchant_config(data, "context merchantConfig")
    if not merchant:
        known = ", ".join(sorted(p.stem for p in MERCHANTS_DIR.glob("*.json")))
        raise MerchantConfigError("cdk context", [f"pass -c merchant=<name or path.json> (known: {known})"])
    return load_merchant_config(merchant_path(str(merchant)))
