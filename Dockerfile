# Huikuan: a runnable image. Set DATABASE_URL to PostgreSQL >= 14: the image leaves out the
# embedded PostgreSQL (the `embedded` extra), so without it every command stops and says so.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY app ./app
# The versions constraints.txt pins (`make lock`), as in every fresh clone's venv.
RUN pip install --no-cache-dir --prefix=/install -c constraints.txt .

FROM python:3.11-slim
RUN groupadd --system huikuan && useradd --system --gid huikuan --home-dir /home/huikuan \
        --create-home huikuan
COPY --from=build /install /usr/local
ENV HUIKUAN_HOST=0.0.0.0 \
    HUIKUAN_PORT=8000 \
    PYTHONUNBUFFERED=1
USER huikuan
WORKDIR /home/huikuan
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
ENTRYPOINT ["huikuan"]
CMD ["serve"]
