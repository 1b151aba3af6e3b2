.PHONY: run test setup

## make run: install what is missing, load the demo, start web + worker + beat
run: setup
	bash scripts/run.sh

## make test: install what is missing, run ruff, mypy, import-linter, makemigrations --check and pytest
test: setup
	bash scripts/test.sh

setup:
	bash scripts/setup.sh
