# The deskwatch image used by docker-compose.yml: the CLI, the flows and the bundled seeds.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PREFECT_HOME=/var/lib/deskwatch/prefect \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    DO_NOT_TRACK=1
WORKDIR /opt/deskwatch
COPY pyproject.toml README.md ./
COPY deskwatch deskwatch
COPY flows flows
COPY storage storage
COPY alerts alerts
COPY ingest ingest
COPY tagging tagging
COPY diffing diffing
COPY seeds seeds
RUN pip install . \
    && useradd --system --home-dir /var/lib/deskwatch --create-home deskwatch
USER deskwatch
WORKDIR /var/lib/deskwatch
CMD ["deskwatch", "serve"]
