"""Production settings: pelicanconf.py plus the public address (`plus build --publish`).

SITEURL makes canonical URLs, Open Graph, the sitemap and the feeds absolute. Set PLUS_SITEURL
in the environment to publish under another address.
"""

import os
import runpy
from pathlib import Path

_base = runpy.run_path(str(Path(__file__).with_name("pelicanconf.py")))
globals().update({key: value for key, value in _base.items() if key.isupper()})

SITEURL = os.environ.get("PLUS_SITEURL", "https://plus.example.cn").rstrip("/")
