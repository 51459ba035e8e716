"""Loading the test-vector data files (tests/data/vectors/*.json), each naming its source."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parents[2] / "data" / "vectors"


@cache
def load(name: str) -> dict[str, Any]:
    doc = json.loads((VECTORS / name).read_text())
    assert doc["source"], f"{name} must name its source"
    return doc


def rows(name: str, section: str) -> list[dict[str, Any]]:
    found = load(name)[section]
    assert found, f"{name} has no {section} vectors"
    return found


def octets(field: dict[str, str]) -> bytes:
    """A vector field given either as {"text": ...} (UTF-8) or {"hex": ...}."""
    return field["text"].encode("utf-8") if "text" in field else bytes.fromhex(field["hex"])


def ids(prefix: str, items: list[dict[str, Any]]) -> list[str]:
    return [f"{prefix}-{i}-etype{item.get('enctype', '')}" for i, item in enumerate(items)]
