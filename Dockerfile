# The deskwatch image used by docker-compose.yml: the CLI, the flows and the bundled seeds,
# installed from a wheel (as users install it), never from the source tree.
FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN pip wheel --no-deps --wheel-dir /dist .

FROM python:3.11-slim
# the Prefect client, pinned to the Prefect server's version (docker-compose.yml passes it)
ARG PREFECT_VERSION=3.9.1
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PREFECT_HOME=/var/lib/deskwatch/prefect \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    DO_NOT_TRACK=1
COPY --from=build /dist /dist
RUN pip install /dist/*.whl "prefect==${PREFECT_VERSION}" \
    && rm -rf /dist \
    && useradd --system --home-dir /var/lib/deskwatch --create-home deskwatch
USER deskwatch
WORKDIR /var/lib/deskwatch
CMD ["deskwatch", "serve"]
