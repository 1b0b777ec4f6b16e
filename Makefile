# Two commands on a fresh machine:
#   make reproduce   set up .venv and rebuild every table of the default (demo) dataset
#   make test        set up .venv (and Slurm/R for the cluster and cross-check tests) and run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 8
ARGS ?=

.PHONY: reproduce test venv system-packages

$(BIN)/snakemake: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

venv: $(BIN)/snakemake

reproduce: venv
	$(BIN)/snakemake --cores $(CORES) $(ARGS)

# Debian packages the tests use: a one-node Slurm (munge, slurm-wlm), R's plm for an
# independent fixed-effects check, and a small TeX Live to compile the LaTeX tables.
# Installed only when missing and when we may (root).
system-packages:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  missing=""; \
	  for p in munge slurm-wlm r-cran-plm texlive-latex-base texlive-latex-recommended; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  fi; \
	else echo "not root or no apt-get: Slurm and R tests will be skipped"; fi

test: venv system-packages
	$(BIN)/python -m pytest $(ARGS)
