# mirscope: the two set-up commands of the README live here.
#   make demo   install everything, simulate the demo cohort, run the workflow, build the report
#   make test   install everything (plus R for the agreement tests) and run pytest
# Everything a machine needs is installed by these targets: Debian packages with apt-get
# (root), Python packages into .venv pinned by requirements.lock.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
CORES ?= 2
DEMO_DIR ?= resources/demo
DEMO_SEED ?= 5
DEMO_READS ?= 20000
PYTEST_ARGS ?=

APT_TOOLS := bowtie samtools sra-toolkit optimir python3-venv pigz
APT_TEST := chromium python3-mirtop
APT_SLURM := slurm-wlm slurmdbd munge mariadb-server mariadb-client
APT_R := r-base-core r-bioc-deseq2 r-cran-glmnet r-cran-survival r-cran-survminer \
         r-cran-maxstat r-cran-cmprsk

.PHONY: bench bench-workflow bench-mirge3 bench-20m install install-system install-r install-slurm install-test venv demo demo-data test lint clean-demo help

help:
	@echo "make demo   - install, simulate the demo cohort and run the workflow on it"
	@echo "make test   - install (with R for agreement tests) and run the test suite"
	@echo "make lint   - ruff format --check, ruff check, snakemake --lint"

install: install-system venv

# apt-get only for what is missing, so a second run costs a second. Without root we stop
# with the packages to ask an administrator for, or the conda route (envs/).
install-system:
	@bash scripts/install_debian.sh $(APT_TOOLS)

install-r:
	@bash scripts/install_debian.sh $(APT_R)

# Headless Chromium for the report's browser check (tests/test_workflow.py); miRTop's
# mirtop (Debian's own Python) validates the mirGFF3 files (tests/test_mirgff3.py).
install-test:
	@bash scripts/install_debian.sh $(APT_TEST)

# Debian packages for the throw-away SLURM cluster of tests/test_slurm.py (the test starts
# and stops the daemons itself, on 127.0.0.1, in a temp dir; nothing is configured system-wide).
install-slurm:
	@bash scripts/install_debian.sh $(APT_SLURM)

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

demo-data: install
	# simulated anew when missing or made with another seed (the seed is stamped in .seed)
	@if [ ! -f $(DEMO_DIR)/samples.tsv ] || [ "$$(cat $(DEMO_DIR)/.seed 2>/dev/null)" != "$(DEMO_SEED)" ]; then \
	  rm -rf $(DEMO_DIR); \
	  $(VENV)/bin/mirscope simulate --out $(DEMO_DIR) --seed $(DEMO_SEED) --reads-per-sample $(DEMO_READS) \
	  && echo $(DEMO_SEED) > $(DEMO_DIR)/.seed; \
	fi
	# a demo simulated by an older mirscope gets the current companion tables (cheap)
	$(VENV)/bin/mirscope simulate --out $(DEMO_DIR) --seed $(DEMO_SEED) --companion-only
	$(VENV)/bin/mirscope validate --config config/config.yaml

demo: demo-data
	source $(VENV)/bin/activate && snakemake --cores $(CORES) --configfile config/config.yaml
	source $(VENV)/bin/activate && snakemake --cores $(CORES) --configfile config/config.yaml \
	  --report results/demo/report.html

# .venv-bench: umi_tools for the tests that compare with UMI-tools and the nf-core-style chain.
test: install install-r install-slurm install-test .venv-bench/bin/umi_tools lint
	source $(VENV)/bin/activate && MIRSCOPE_REQUIRE_SLURM=1 pytest $(PYTEST_ARGS)

# snakemake --lint needs a config whose sheets exist: the demo's (simulated if missing).
lint: demo-data
	$(VENV)/bin/ruff format --check src tests scripts
	$(VENV)/bin/ruff check src tests scripts
	source $(VENV)/bin/activate && snakemake --lint --configfile config/config.yaml

clean-demo:
	rm -rf $(DEMO_DIR) results/demo .snakemake

# Benchmarks (scripts/bench_reads.py): mirscope's chain against the nf-core/smrnaseq-style
# chain (umi_tools, cutadapt, bowtie, samtools) and the `gzip -dc | wc -l` floor, in one run.
# The peer's Python tools live in their own venv; umi_tools 1.1.6 only builds from source.
.venv-bench/bin/umi_tools:
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install --quiet 'setuptools<70' wheel cython
	.venv-bench/bin/pip install --quiet --no-build-isolation umi_tools==1.1.6 cutadapt==5.2

bench: install .venv-bench/bin/umi_tools
	$(VENV)/bin/python scripts/bench_reads.py --reads 2000000 --profile demo plasma

# The workflow's counts target through `snakemake --cores 2` on a 6M-read plasma-like sample,
# against the floor and the nf-core-style chain in the same run, with each rule's share.
bench-workflow: install .venv-bench/bin/umi_tools
	$(VENV)/bin/python scripts/bench_workflow.py --reads 6000000 --profile plasma --peer-bin .venv-bench/bin

# miRge3 0.1.4, the second peer of bench-workflow, in its own venv (.venv-mirge3, or
# MIRGE3_VENV) with a human miRBase v22 library; bench_workflow.py runs it when present.
bench-mirge3: install-system
	bash scripts/install_mirge3.sh

bench-20m: install
	$(VENV)/bin/python scripts/bench_reads.py --reads 20000000 --profile demo plasma --skip-peer
