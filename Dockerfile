# The Commission app image. docker-compose.yml runs it beside PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/commission

# Dependencies first, so that code changes do not reinstall them.
COPY pyproject.toml README.md ./
COPY app/__init__.py app/__init__.py
RUN pip install -e . && useradd --system --home-dir /srv/commission commission

COPY . .
RUN chown -R commission /srv/commission
USER commission

EXPOSE 8000
# Migrations run at every start; they are a no-op when the schema is current.
CMD ["sh", "-c", "commission db upgrade && exec commission serve --host 0.0.0.0 --port 8000"]
