"""Clausewise: securities-contract clauses as YAML rules, evaluated by durable_rules."""

__version__ = "0.1.0"

# The version of the JSON every verb writes (engine/contract.py states it; engine/schemas/output/).
SCHEMA_VERSION = "1.0"
