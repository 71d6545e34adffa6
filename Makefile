# seg3d — the two commands: `make demo` and `make test`.
PYTHON ?= python3
# CPU build of torch from the local wheel cache; `make test TORCH=torch` on a CUDA machine.
TORCH ?= torch==2.13.0
export MPLBACKEND ?= Agg

.PHONY: install install-demo test sync-check lint pytest nbs docs-preview demo bench clean

install:
	@$(PYTHON) -c "import torch" 2>/dev/null || $(PYTHON) -m pip install -q "$(TORCH)"
	@$(PYTHON) -m pip install -q -e ".[dev]"
	@bash tools/install_browser.sh

install-demo:
	@$(PYTHON) -c "import torch" 2>/dev/null || $(PYTHON) -m pip install -q "$(TORCH)"
	@(command -v seg3d_demo >/dev/null && $(PYTHON) -c "import nilearn" 2>/dev/null) || $(PYTHON) -m pip install -q -e ".[demo]"

sync-check:
	@bash tools/check_sync.sh

# Exported modules: lines ≤ 120 characters, no `;`-chained statements (ruff; nbdev's generated lines left out).
lint:
	@$(PYTHON) tools/lint.py

# Two test workers (pytest-xdist) share the CPUs (tests/conftest.py gives each its share of threads): much of the suite
# is one-threaded Python, kernel and tool start-up, so two at a time keep both cores busy. TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
pytest:
	$(PYTHON) -m pytest -q -rs -n $(TEST_WORKERS) --dist loadgroup tests

test: install sync-check lint pytest

# Re-execute every notebook in place (a real kernel, all cells) and store its outputs: the website shows them.
nbs: install
	$(PYTHON) tools/run_notebooks.py --inplace
	$(PYTHON) tools/make_readme.py

docs-preview: install
	$(PYTHON) tools/docs_preview.py

clean:
	rm -rf _proc _docs _preview .pytest_cache build *.egg-info nbs/_scratch _scratch

demo: install-demo
	seg3d_demo demo_out

bench: install
	cd bench && $(PYTHON) run_all.py
