"""PLUS Store's headless admin: the catalog, the curator tooling and the operator commands."""
