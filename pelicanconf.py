"""Pelican settings for the PLUS store (local builds). `plus build` reads this file.

Production overrides live in publishconf.py (`plus build --publish`).
"""

from pathlib import Path

SITENAME = "PLUS会员店"
SITE_DESCRIPTION = "工厂直供的大牌平替：为山姆、爱慕等代工的工厂，用自己的厂牌卖同款，每件商品都标出对标价和折扣。"
SITEURL = ""  # root-relative links; publishconf.py sets the public address
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh-cn"  # pages say lang="zh-CN"; Pelican wants the lowercase form

THEME = str(Path(__file__).resolve().with_name("theme"))  # absolute: also from a settings file elsewhere
THEME_STATIC_DIR = "theme"
PLUGINS = ["storefront"]

# The catalog comes in through the storefront plugin, not Pelican's readers: PATH is the content
# folder (`plus build` passes it) only so that images/ is copied; no generator reads its YAML.
PATH = "content"
ARTICLE_PATHS = []
PAGE_PATHS = []
STATIC_PATHS = ["images"]
DIRECT_TEMPLATES = []
PAGINATED_TEMPLATES = {}
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

# Curator text is untrusted: every template variable is HTML-escaped unless marked safe.
JINJA_ENVIRONMENT = {
    "autoescape": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "extensions": [],
    "auto_reload": False,  # a build reads each template once; checking its file on every page cost ~0.6 s
}

# Where the Flask checkout answers (`POST {CHECKOUT_API}/checkout`, `GET {CHECKOUT_API}/me`).
CHECKOUT_API = "/api"
# The checkout app's member pages (checkout/account.py and checkout/auth.py): the account with its
# orders, buying a year of PLUS (guests are sent to log in first, then back), log-in and sign-up.
ACCOUNT_URL = "/account/"
MEMBERSHIP_URL = "/account/membership"
LOGIN_URL = "/auth/login"
SIGNUP_URL = "/auth/signup"

# Used by `pelican -s pelicanconf.py` only (plus build passes the date with --today).
PLUS_TODAY = None

# Products a search index holds (Pagefind needs ~160 KB of memory a product while it builds one);
# None: storefront.search.SHARD_SIZE. A larger catalog gets several, searched together.
PLUS_SEARCH_SHARD = None
