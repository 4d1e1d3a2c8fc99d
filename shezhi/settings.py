"""Settings, read from the environment.

Everything a deployment changes comes from environment variables (or a ``.env``-style
shell export): ``DATABASE_URL``, ``SECRET_KEY``, ``DEBUG``, ``ALLOWED_HOSTS``. The
defaults give the embedded single-machine setup: SQLite under ``var/``, the database
task backend, and static files served by whitenoise. ``SHEZHI_ENV=production`` is the one
switch for a real installation behind HTTPS (HSTS, SSL redirect, secure cookies; see
README "Installing for real"); ``SHEZHI_BEHIND_PROXY=1`` trusts the proxy's
``X-Forwarded-Proto`` and ``X-Forwarded-For``.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SHEZHI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        from django.core.management.utils import get_random_secret_key

        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


def _generated_keys(env: str, filename: str) -> list[str]:
    """Comma-separated keys from ``env``, else one Fernet key generated once into var/."""
    if value := os.environ.get(env):
        return [k.strip() for k in value.split(",") if k.strip()]
    path = VAR_DIR / filename
    if not path.exists():
        from cryptography.fernet import Fernet

        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return [k.strip() for k in path.read_text().split(",") if k.strip()]


SECRET_KEY = _secret_key()
#: Personal data at rest (shezhi.common.pii): the first key encrypts, every key decrypts;
#: rotate by putting a new key first, then ``manage.py rotate_field_keys``.
FIELD_ENCRYPTION_KEYS = _generated_keys("FIELD_ENCRYPTION_KEYS", "field_keys")
#: Key of the HMAC blind indexes (lookup of ID numbers and phones without decrypting).
BLIND_INDEX_KEY = _generated_keys("BLIND_INDEX_KEY", "blind_index_key")[0]
#: ``embedded`` (default: one machine, `make run`) or ``production`` (behind HTTPS).
SHEZHI_ENV = os.environ.get("SHEZHI_ENV", "embedded").strip().lower()
if SHEZHI_ENV not in {"embedded", "production"}:
    raise ImproperlyConfigured("SHEZHI_ENV must be 'embedded' or 'production'")
PRODUCTION = SHEZHI_ENV == "production"
#: Only behind a reverse proxy that sets (and overwrites) X-Forwarded-Proto/-For itself.
BEHIND_PROXY = _env_bool("SHEZHI_BEHIND_PROXY", False)
DEBUG = _env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when SHEZHI_ENV=production")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "shezhi.accounts",
    "shezhi.places",
    "shezhi.people",
    "shezhi.lifecircle",
    "shezhi.cases",
    "shezhi.eldercare",
    "shezhi.ops",
    "shezhi.participation",
    "shezhi.indicators",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "django_prometheus",
    "ninja",
    "simple_history",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "shezhi.common.middleware.AppErrorMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shezhi.accounts.middleware.MustChangePasswordMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "shezhi.urls"
WSGI_APPLICATION = "shezhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shezhi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "shezhi.context_processors.platform",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'shezhi.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the task worker writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
        }
    )
    # Tests use a file too, not SQLite's shared-cache memory database: the browser tests run a
    # task worker beside the live server, and only a file in WAL mode lets them share it the
    # way `make run` does (shared-cache memory databases lock whole tables instead).
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(VAR_DIR / "test.sqlite3")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes first: it refuses a locked-out username+address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Passwords of a system holding residents' ID numbers: at least 12 characters of at least
# three classes (lower case, upper case, digits, symbols), not common, not like the user's
# names. The last entry validates nothing: Django calls it when a password is changed,
# and it revokes the user's API tokens.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "shezhi.accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "shezhi.accounts.passwords.ApiTokensDieWithPassword"},
]

# Login throttling (django-axes). A username is locked out from one address after
# AXES_FAILURE_LIMIT failed logins, for AXES_COOLOFF_TIME (each further try restarts the
# clock). By username *and* address together: an attacker elsewhere cannot lock a user out
# of their own office, and a shared office address (NAT) is not locked for everyone. Every
# failure is recorded (AccessFailureLog) and shown to the 审计员 (/accounts/login-failures/).
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "shezhi.accounts.views.lockout"
AXES_CLIENT_IP_CALLABLE = "shezhi.accounts.auth.client_ip"
AXES_VERBOSE = False

#: API tokens (shezhi.accounts.models.ApiToken) expire after this many days by default;
#: nobody may issue one for longer than API_TOKEN_MAX_DAYS.
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "90"))
API_TOKEN_MAX_DAYS = int(os.environ.get("API_TOKEN_MAX_DAYS", "365"))

# Chinese first; Django's i18n lets other languages follow.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "shezhi" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing root before collectstatic
# Front-end packages installed from the npm registry at build time (`make assets`);
# only the files the pages load are exposed, never the whole node_modules tree.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "shezhi" / "static",  # the project's own CSS/JS (not an app, so listed here)
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    # Noto Sans SC (OFL) in unicode-range subsets: pages look the same on every client,
    # including intranet machines and CI's headless Chromium without CJK system fonts.
    ("vendor/noto-sans-sc", NODE_MODULES / "@fontsource-variable" / "noto-sans-sc"),
    ("vendor/echarts", NODE_MODULES / ".vendor" / "echarts"),  # only echarts.min.js (Makefile)
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the finders as well, so a checkout works before `collectstatic`.
WHITENOISE_USE_FINDERS = True
# Served at the site's root: /favicon.ico, which browsers and tools ask for there.
WHITENOISE_ROOT = BASE_DIR / "shezhi" / "public"

#: Tasks on the database (default: nothing else to run) or on Redis through django-tasks-rq
#: (``TASKS_BACKEND=django_tasks_rq.RQBackend`` and ``REDIS_URL``), for several workers on
#: several machines. ``manage.py tasks_worker`` runs the worker of whichever is set.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
TASKS = {
    "default": {
        "BACKEND": TASKS_BACKEND,
        "QUEUES": ["default"],
    }
}
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
if TASKS_BACKEND.startswith("django_tasks_rq"):
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
#: /metrics (shezhi.ops.metrics) answers these addresses (and staff); with METRICS_TOKEN
#: set, they must also present it as a bearer token.
METRICS_ALLOWED_IPS = os.environ.get("METRICS_ALLOWED_IPS", "127.0.0.1,::1").split(",")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
#: A running task's lease (shezhi.common.leases): renewed every quarter of this; when it
#: expires (its worker died) the clock retries the work or marks it failed with the reason.
TASK_LEASE_SECONDS = float(os.environ.get("TASK_LEASE_SECONDS", "120"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Preloading is a promise to browsers that cannot be taken back quickly, and intranet
    # names are not on the public list: opt in only deliberately.
    SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", False)
if BEHIND_PROXY:
    # Only true behind a proxy that sets this header itself; otherwise a client could claim
    # HTTPS and bypass the redirect.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
#: security.W021 asks for HSTS preload, which is off on purpose (see above).
SILENCED_SYSTEM_CHECKS = [] if PRODUCTION and SECURE_HSTS_PRELOAD else ["security.W021"]

# Content-Security-Policy (django-csp), in every setup, not only production: scripts and
# styles only from this server (inline ones only with the per-response nonce,
# ``nonce="{{ request.csp_nonce }}"``), no plugins, no framing, forms post only here.
# style="" attributes stay allowed (the maps and charts set them; they cannot run script).
#: Inline scripts allowed by hash until their template carries the nonce (see test_headers).
CSP_SCRIPT_HASHES: list[str] = []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE, *CSP_SCRIPT_HASHES],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"upgrade-insecure-requests": True} if PRODUCTION else {}),
    }
}

NINJA_PAGINATION_PER_PAGE = 100

# Uploaded files (case photos) live under var/ and are served only through views that
# check the reader's area, never as public MEDIA_URL files.
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_PERMISSIONS = 0o600  # photos and raw uploads: the service's user only
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Requests and events (shezhi.cases): working hours of the SLA clock (Asia/Shanghai), how
# long before a deadline to warn, and how many working hours an overdue case waits before
# it escalates one more level (community → street → district).
CASES_WORKING_HOURS = [("09:00", "12:00"), ("13:30", "17:30")]
CASES_SLA_WARN_HOURS = float(os.environ.get("CASES_SLA_WARN_HOURS", "4"))
CASES_ESCALATION_WORKING_HOURS = float(os.environ.get("CASES_ESCALATION_WORKING_HOURS", "7"))
#: Open311 GeoReport v2: this installation's jurisdiction_id and contact.
OPEN311_JURISDICTION = os.environ.get("OPEN311_JURISDICTION", "chengdu.shezhi")
OPEN311_CONTACT = os.environ.get("OPEN311_CONTACT", "12345 政务服务便民热线")

#: Logs go to stderr (journald under systemd, the terminal under `make run`); LOG_FILE adds a
#: file, reopened when logrotate moves it (WatchedFileHandler: no copytruncate needed).
LOG_FILE = os.environ.get("LOG_FILE", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        **(
            {
                "file": {
                    "class": "logging.handlers.WatchedFileHandler",
                    "filename": LOG_FILE,
                    "formatter": "plain",
                }
            }
            if LOG_FILE
            else {}
        ),
    },
    "root": {
        "handlers": ["console", *(["file"] if LOG_FILE else [])],
        "level": os.environ.get("LOG_LEVEL", "INFO"),
    },
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Shown on every map and in the docs (ODbL).
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
PLATFORM_NAME = _("社智")
