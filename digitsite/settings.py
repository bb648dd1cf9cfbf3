"""Django settings for digitsite, read from the environment (see .env.example).

Local default: DEBUG on, SQLite under ./var, no environment needed.
Production: set DJANGO_DEBUG=0 and DJANGO_SECRET_KEY (there is no default secret).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from digitsite.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DIGITSITE_VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - only ever used with DEBUG on

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "digitsite",
    "classifiers",
    "recognizer",
    "augment",
    "metadata",
]

MIDDLEWARE = [
    # First: a request id and one JSON log line per request; probes answer before host checks and SSL redirects.
    "digitsite.observability.RequestLogMiddleware",
    "digitsite.health.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files from gunicorn in production (with DEBUG, runserver serves them from the app folders).
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "digitsite.urls"
WSGI_APPLICATION = "digitsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:  # local default: embedded SQLite under ./var
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")

# Static files: whitenoise serves them from gunicorn; production uses hashed, compressed copies
# made by `collectstatic` (the container entrypoint runs it). DEBUG keeps the plain storage so
# tests and `make run` need no collectstatic.
_S3_BUCKET = env_str("STORAGE_S3_BUCKET")
STORAGES = {
    # Media (uploads): a local folder (a volume in docker compose), or an S3-compatible bucket
    # through django-storages when STORAGE_S3_BUCKET is set (credentials: AWS_ACCESS_KEY_ID /
    # AWS_SECRET_ACCESS_KEY in the environment, read by boto3).
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": _S3_BUCKET,
                "endpoint_url": env_str("STORAGE_S3_ENDPOINT_URL") or None,
                "region_name": env_str("STORAGE_S3_REGION") or None,
                "location": env_str("STORAGE_S3_PREFIX") or "",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
        if _S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DJANGO_STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Image intake (digitsite/intake.py): every entry point goes through these limits.
INTAKE_MAX_BYTES = env_int("INTAKE_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
INTAKE_MAX_PIXELS = env_int("INTAKE_MAX_PIXELS", 40_000_000, minimum=1)
INTAKE_MIN_SIDE = env_int("INTAKE_MIN_SIDE", 8, minimum=1)
INTAKE_URL_TIMEOUT = env_float("INTAKE_URL_TIMEOUT", 10.0)
INTAKE_URL_MAX_REDIRECTS = env_int("INTAKE_URL_MAX_REDIRECTS", 3, minimum=0)
# UNSAFE: lets URL intake reach loopback addresses. Only the test suite switches it on,
# to serve images from a local test server; never enable it in a deployment.
INTAKE_URL_ALLOW_LOOPBACK = env_bool("INTAKE_URL_ALLOW_LOOPBACK", False)

# Django's own request-body limits sit just above the intake limit so that intake,
# not a generic 400, reports an oversize upload with the limit named.
DATA_UPLOAD_MAX_MEMORY_SIZE = INTAKE_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Classifiers (classifiers/): trained artifacts live outside the Python packages.
CLASSIFIERS_MODEL_DIR = Path(env_str("CLASSIFIERS_MODEL_DIR") or VAR_DIR / "models")
CLASSIFIERS_DEFAULT_ALGORITHM = env_str("CLASSIFIERS_DEFAULT_ALGORITHM") or "svm"
# Augmented copies per training digit for the default model and `train_classifier` (the same
# operations as the augment app): +3.6 points exact-string accuracy in the recognizer benchmark.
CLASSIFIERS_DEFAULT_AUGMENT = env_int("CLASSIFIERS_DEFAULT_AUGMENT", 2, minimum=0)

# --- Recognizer: split touching digits and drop a form's printed labels with the single-digit verifier
# (recognizer/vision/verifier.py), trained from the bundled digits and the training fonts into
# CLASSIFIERS_MODEL_DIR on first use (`ensure_verifier` does it up front). Off: splits rest on the
# classifier's confidence alone (benchmark: hard 12% -> 6% exact) and labels are read as digits.
RECOGNIZER_VERIFIER = env_bool("RECOGNIZER_VERIFIER", True)

# --- Metadata inspector (metadata/): strip EXIF and GPS from stored copies after extraction.
METADATA_STRIP_STORED = env_bool("METADATA_STRIP_STORED", True)

# --- JSON API (/api/v1/): per-client request rates (django-ninja throttling, Django's cache).
API_THROTTLE_ANON = env_str("API_THROTTLE_ANON") or "60/min"
API_THROTTLE_USER = env_str("API_THROTTLE_USER") or "600/min"

# --- Review (recognizer admin): digits below this confidence are highlighted and filtered as "low".
REVIEW_LOW_CONFIDENCE = env_float("REVIEW_LOW_CONFIDENCE", 0.8)

# --- Security behind a TLS-terminating reverse proxy. Every value comes from the environment;
# the defaults are the production ones whenever DEBUG is off, so `manage.py check --deploy` is clean.
_PROD = not DEBUG
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", _PROD):
    # Trust X-Forwarded-Proto: only ever behind a proxy that sets (and overwrites) it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", _PROD)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000 if _PROD else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", _PROD)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", _PROD)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", _PROD)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", _PROD)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Observability: request ids, JSON logs, health probes and Prometheus metrics (digitsite/observability.py,
# digitsite/health.py). Logs never carry image bytes, request bodies, cookies or secrets.
LOG_FORMAT = (env_str("DJANGO_LOG_FORMAT") or ("text" if DEBUG else "json")).strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT must be json or text; got {LOG_FORMAT!r}")
LOG_LEVEL = (env_str("DJANGO_LOG_LEVEL") or "INFO").strip().upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "digitsite.observability.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "digitsite.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # The request line is logged by RequestLogMiddleware; django.request would repeat 4xx/5xx.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}
# Off by default when running the tests or `make run` with DEBUG: one line per request is noise there.
REQUEST_LOG = env_bool("DJANGO_REQUEST_LOG", _PROD)
# /metrics answers everyone unless a token is set; then it needs `Authorization: Bearer <token>`.
METRICS_TOKEN = env_str("METRICS_TOKEN") or ""
