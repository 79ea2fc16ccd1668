# SalesMeet production image: the web (gunicorn), the Celery worker and beat
# all run from it; docker-compose.yml chooses the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=salesmeet.settings.production \
    SALESMEET_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app
RUN useradd --create-home --uid 1000 salesmeet

COPY . .
# Editable, so that BASE_DIR (templates/, static/, locale/) is /app for every process.
RUN pip install -e .

# collectstatic needs settings, not secrets: a throwaway key for this step only.
RUN SECRET_KEY="build-step-only-$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
    python manage.py collectstatic --noinput --verbosity 0 \
 && mkdir -p /app/var && chown -R salesmeet /app/var

USER salesmeet
EXPOSE 8000
CMD ["gunicorn", "salesmeet.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
