"""Clausewise: securities-contract clauses as YAML rules, evaluated by durable_rules."""

__version__ = "0.1.0"
