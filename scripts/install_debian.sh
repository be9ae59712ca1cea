#!/usr/bin/env bash
# Install the named Debian packages that are not installed yet.
# Why a script: `make demo` and `make test` must work on a fresh Debian machine and cost
# nothing on a machine that already has everything; without root we say what to do instead.
set -euo pipefail
missing=()
for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "mirscope: apt-get not found; install these yourself: ${missing[*]}" >&2
    echo "  or run the workflow with conda environments: snakemake --sdm conda (see envs/)" >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "mirscope: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    echo "  ask an administrator for: sudo apt-get install ${missing[*]}" >&2
    echo "  or run the workflow with conda environments: snakemake --sdm conda (see envs/)" >&2
    exit 1
fi
echo "mirscope: installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
