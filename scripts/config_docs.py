#!/usr/bin/env python
"""Print the config/README.md table for one section of the config schema.

Why: the schema is where defaults and descriptions are written; this keeps the README's
tables from being retyped by hand (tests/test_config.py checks every key is documented).

    python scripts/config_docs.py de clustering
"""

from __future__ import annotations

import json
import sys

from mirscope.inputs.config import load_schema


def _allowed(spec: dict) -> str:
    if "enum" in spec:
        return ", ".join(str(v) for v in spec["enum"])
    items = spec.get("items", {})
    if "enum" in items:
        return "any of " + ", ".join(str(v) for v in items["enum"])
    parts = []
    if "minimum" in spec:
        parts.append(f"≥{spec['minimum']}")
    if "exclusiveMinimum" in spec:
        parts.append(f">{spec['exclusiveMinimum']}")
    if "maximum" in spec:
        parts.append(f"≤{spec['maximum']}")
    return " ".join(parts)


def _rows(prefix: str, spec: dict) -> list[str]:
    rows = []
    for key, sub in spec.get("properties", {}).items():
        name = f"{prefix}.{key}"
        typ = sub.get("type", "")
        typ = "/".join(typ) if isinstance(typ, list) else typ
        default = f"`{json.dumps(sub['default'])}`" if "default" in sub else ""
        desc = " ".join(str(sub.get("description", "")).split()).replace("|", "\\|")
        rows.append(f"| `{name}` | {typ} | {default} | {_allowed(sub)} | {desc} |")
        if typ == "object" and sub.get("properties"):
            rows.extend(_rows(name, sub))
    return rows


def section(name: str) -> str:
    spec = load_schema("config.schema.yaml")["properties"][name]
    desc = " ".join(str(spec.get("description", "")).split())
    lines = [f"### `{name}`", "", desc, "", "| key | type | default | allowed | meaning |"]
    lines.append("|---|---|---|---|---|")
    lines.extend(_rows(name, spec))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(section(arg))
