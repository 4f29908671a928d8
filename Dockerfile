# Huikuan: a runnable image. Point DATABASE_URL at PostgreSQL >= 14 in production; without it
# the service starts an embedded PostgreSQL in /data (fine for a trial, not for production).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN groupadd --system huikuan && useradd --system --gid huikuan --home-dir /home/huikuan \
        --create-home huikuan \
    && mkdir /data && chown huikuan:huikuan /data
COPY --from=build /install /usr/local
ENV HUIKUAN_HOST=0.0.0.0 \
    HUIKUAN_PORT=8000 \
    HUIKUAN_DATA_DIR=/data \
    PYTHONUNBUFFERED=1
USER huikuan
WORKDIR /home/huikuan
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
ENTRYPOINT ["huikuan"]
CMD ["serve"]
