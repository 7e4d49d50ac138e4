"""Curator tooling: change reports, file templates, JSON Schema, the browser editor's config, audits.

Everything here reads the content through `catalog`; nothing parses content YAML itself.
"""
