"""The storefront theme: Jinja templates and static files that Pelican renders with (package data)."""
