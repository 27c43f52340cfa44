.PHONY: demo test bench lint

demo:  ## run the product: demo data, web server, Celery worker
	bash scripts/demo.sh

test:  ## the whole test suite on throwaway PostgreSQL and Redis
	bash scripts/test.sh

bench:  ## benchmarks on throwaway PostgreSQL; results go in bench/README.md
	bash bench/run.sh

lint:
	.venv/bin/ruff check .
	.venv/bin/lint-imports --no-cache
