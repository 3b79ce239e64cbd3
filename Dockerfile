# baas server image. Uses an external PostgreSQL (BAAS_DATABASE_URL); see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 10001 baas
WORKDIR /app
COPY pyproject.toml README.md ./
COPY baas ./baas
COPY dashboard ./dashboard
COPY migrations ./migrations
RUN pip install .

USER baas
ENV BAAS_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8090
CMD ["baas", "serve", "--http", "0.0.0.0:8090"]
