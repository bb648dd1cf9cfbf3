"""gunicorn settings for the container (and any production host); every value comes from the environment.

    gunicorn -c gunicorn.conf.py digitsite.wsgi:application

WEB_CONCURRENCY worker processes × GUNICORN_THREADS threads each. Workers load the active
classifier lazily (first /readyz or recognition), once per process. Prometheus metrics are
collected across workers through PROMETHEUS_MULTIPROC_DIR (see digitsite/metrics.py).
"""

import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # noqa: S104 - inside the container network
workers = _int("WEB_CONCURRENCY", 2)
threads = _int("GUNICORN_THREADS", 2)
worker_class = "gthread"
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# gunicorn's control socket (in $HOME by default) is not used; the app user's home is read-only.
control_socket_disable = True
# Heartbeat files in memory, not on the container's overlay filesystem.
_SHM = "/dev/shm"  # noqa: S108 - gunicorn's documented choice for heartbeat files in containers
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or (_SHM if os.path.isdir(_SHM) else None)
# X-Forwarded-* are trusted only from these addresses (the compose proxy network by default in the image).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips

# Django's RequestLogMiddleware logs one structured line per request; gunicorn's access log would repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
if os.environ.get("DJANGO_LOG_FORMAT", "json").strip().lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "digitsite.observability.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False},
            "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def on_starting(server):
    """Start each run with an empty Prometheus multiprocess folder (stale files would add old samples)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))


def child_exit(server, worker):
    """A finished worker's live gauges must not be summed any more (counters and histograms are kept)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
