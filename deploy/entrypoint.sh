#!/bin/sh
# Container entrypoint. `serve` (the default command): collect static files, run the one-time
# start-up steps under a lock shared by every replica (migrate, train the default classifier
# when none is active and the single-digit verifier when its file is missing), then replace this shell with gunicorn. Any other command runs as given,
# e.g. `docker compose run --rm web python manage.py createsuperuser`.
set -eu

if [ "${1:-serve}" != "serve" ]; then
  exec "$@"
fi

python manage.py collectstatic --noinput --verbosity 0
python manage.py deploy_prepare
exec gunicorn --config gunicorn.conf.py digitsite.wsgi:application
