# syntax=docker/dockerfile:1
# digitsite production image (linux/amd64): gunicorn + whitenoise, data on volumes under /data.
#   docker build -t digitsite .        (or: docker compose up -d --build)

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# ---- build: install the pinned runtime requirements into a virtualenv (a cached layer:
# it is rebuilt only when requirements.txt changes).
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt \
    && find /opt/venv -depth -type d -name tests -path "*/site-packages/*/tests" -prune -exec rm -rf {} +

# ---- runtime: the virtualenv and the application, run as an unprivileged user.
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="digitsite" \
      org.opencontainers.image.description="Reads handwritten numbers from images with classical machine learning"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_DEBUG=0 \
    DIGITSITE_VAR_DIR=/data \
    MEDIA_ROOT=/data/media \
    CLASSIFIERS_MODEL_DIR=/data/models \
    STATIC_ROOT=/app/staticfiles \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    MPLCONFIGDIR=/tmp/matplotlib \
    GUNICORN_BIND=0.0.0.0:8000 \
    FORWARDED_ALLOW_IPS=*

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /data/media /data/models /app/staticfiles \
    && chown -R app:app /data /app/staticfiles

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Application code stays owned by root (read-only for the app user); only /data and staticfiles are writable.
COPY . /app

USER 10001:10001
EXPOSE 8000
VOLUME ["/data/media", "/data/models"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=300s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["serve"]
