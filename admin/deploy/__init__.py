"""Deploying the PLUS Store on more than one machine: the nginx front, precompressed static files."""
