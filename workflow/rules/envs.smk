# The conda environment of the `mirscope` rules, made usable wherever Snakemake creates it.
#
# envs/mirscope.yaml installs mirscope with `pip: -e ../`, a path relative to the env file
# (what `conda env create -f envs/mirscope.yaml` expects). Snakemake copies the file into
# .snakemake/conda/ before creating the env, where `../` is no longer the repository. So at
# parse time the file is rewritten with every relative pip path made absolute (against
# envs/) into .snakemake/mirscope/envs/mirscope.yaml, and the `mirscope` rules name that
# copy with `conda: MIRSCOPE_ENV` (an absolute path, which the conda directive takes as
# it is; this file is included before the rule files). The absolute repository path is
# part of the file, so Snakemake's content hash gives each clone of the repository its
# own env.

import os

import yaml

MIRSCOPE_ENV_SOURCE = os.path.join(workflow.basedir, "envs", "mirscope.yaml")
MIRSCOPE_ENV = os.path.abspath(os.path.join(".snakemake", "mirscope", "envs", "mirscope.yaml"))


def _absolute_pip_entry(entry, base):
    """`-e ../` -> `-e /abs/repo`; requirement names and URLs are left alone."""
    flag, _, target = entry.rpartition(" ") if entry.startswith("-") else ("", "", entry)
    if not (target.startswith(".") or os.path.isabs(target)):
        return entry
    path = os.path.normpath(os.path.join(base, target))
    return f"{flag} {path}".strip()


def write_mirscope_env(source=MIRSCOPE_ENV_SOURCE, target=MIRSCOPE_ENV):
    with open(source) as fh:
        env = yaml.safe_load(fh)
    base = os.path.dirname(os.path.abspath(source))
    for dep in env.get("dependencies", []):
        if isinstance(dep, dict) and "pip" in dep:
            dep["pip"] = [_absolute_pip_entry(p, base) for p in dep["pip"]]
    header = "# Generated from envs/mirscope.yaml by workflow/rules/envs.smk; edit that file."
    text = f"{header}\n{yaml.safe_dump(env, sort_keys=False, default_flow_style=None)}"
    old = open(target).read() if os.path.isfile(target) else None
    if old != text:  # unchanged bytes keep the file's mtime and Snakemake's env hash
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = f"{target}.tmp"
        with open(tmp, "w") as fh:
            fh.write(text)
        os.replace(tmp, target)
    return target


write_mirscope_env()
