#!/usr/bin/env python3
"""Writes auto-approve.json: workflows/approval.json cut down to Start -> RiskTier -> Allow for every tier (for bench/workflow-bench.sh)."""
import json, sys

source, target = sys.argv[1], sys.argv[2]
definition = json.load(open(source))
definition["id"] = "auto-approve-v1"
definition["definitionId"] = "auto-approve"
definition["name"] = "Auto-approve (benchmark)"
definition["description"] = "Allows every held command at once; measures the workflow runtime, not people."
definition["variables"] = []
root = definition["root"]
keep = [a for a in root["activities"] if a["id"] in ("start", "tier", "low-allow")]
allow = next(a for a in keep if a["id"] == "low-allow")
allow["reason"]["expression"]["value"] = "auto-approved (benchmark workflow)"
root["activities"] = keep
root["connections"] = [{"source": {"activity": "start", "port": "Done"}, "target": {"activity": "tier", "port": "In"}, "vertices": []}] + [
    {"source": {"activity": "tier", "port": port}, "target": {"activity": "low-allow", "port": "In"}, "vertices": []}
    for port in ("Low", "Medium", "High", "Critical")
]
json.dump(definition, open(target, "w"), indent=2)
