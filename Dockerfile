FROM python:3.11-slim-bookworm
ENV UV_PYTHON_DOWNLOADS=never PYTHONUNBUFFERED=1
WORKDIR /app
RUN pip install --no-cache-dir uv
COPY pyproject.toml uv.lock README.md ./
COPY ropa ./ropa
COPY schema ./schema
COPY examples ./examples
RUN uv sync --frozen --no-dev
ENV PATH="/app/.venv/bin:$PATH"
EXPOSE 8000
CMD ["ropa", "serve"]
