.PHONY: demo test lint

demo:  ## run the product: demo data, web server, Celery worker
	bash scripts/demo.sh

test:  ## the whole test suite on throwaway PostgreSQL and Redis
	bash scripts/test.sh

lint:
	.venv/bin/ruff check .
