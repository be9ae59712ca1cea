"""The workflow on a real SLURM cluster through ``profiles/slurm``.

A one-node cluster with accounting (munge, MariaDB, slurmdbd, slurmctld, slurmd; see
tests/slurm/cluster.py) is started on 127.0.0.1 in a temporary directory. A tiny simulated
cohort is run twice on the same targets: locally (``snakemake --cores 2``) and through
``snakemake --profile profiles/slurm`` (snakemake-executor-plugin-slurm, i.e. ``sbatch``,
``sacct``, ``sacctmgr``). The tests then check with ``sacct`` that every job ran on SLURM
and completed, and that the SLURM run's outputs are byte-equal to the local run's.

Skips with a reason when SLURM is not installed (``make install-slurm``) or the user is not
root; with ``MIRSCOPE_REQUIRE_SLURM=1`` (CI, ``make test-cluster``) it fails instead.
Takes about 3-4 minutes on 2 cores.
"""

from __future__ import annotations

import collections
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from slurm.cluster import ACCOUNT, PARTITION, SlurmTestCluster, missing_executables

REPO = Path(__file__).resolve().parents[1]
SPECIES = "hsa"

#: Outputs both runs build, relative to the outdir. Extend this as stages land; every job
#: that leads to them runs on SLURM and every non-log file they produce is compared.
TARGETS = (
    *(
        f"reference/bowtie/{SPECIES}_hairpin.{suffix}"
        for suffix in ("1.ebwt", "2.ebwt", "3.ebwt", "4.ebwt", "rev.1.ebwt", "rev.2.ebwt")
    ),
    f"reference/{SPECIES}_mature_loci.tsv",
    "counts/mature_umi_counts.tsv",
    "counts/mature_read_counts.tsv",
    "counts/hairpin_umi_counts.tsv",
    "counts/hairpin_read_counts.tsv",
    "counts/isomir_counts.tsv",
)

OUTDIR = "results"
TARGET_PATHS = [f"{OUTDIR}/{t}" for t in TARGETS]

#: Output subdirectories that hold run records (timings, log lines), not results.
NOT_COMPARED = ("logs", "benchmarks")

PATIENTS = 4  # the simulator's minimum; every job costs a Snakemake start-up
READS_PER_SAMPLE = 2000

pytestmark = [pytest.mark.slurm, pytest.mark.slow]


def _unavailable_reason() -> str | None:
    missing = missing_executables()
    if missing:
        pkgs = sorted(set(missing.values()))
        return (
            f"SLURM test cluster needs {', '.join(sorted(missing))} "
            f"(Debian: {' '.join(pkgs)}; `make install-slurm`)"
        )
    if os.geteuid() != 0:
        return "SLURM test cluster runs its daemons as root (slurmd launches the jobs)"
    return None


@pytest.fixture(scope="module")
def slurm_available() -> None:
    reason = _unavailable_reason()
    if reason is None:
        return
    if os.environ.get("MIRSCOPE_REQUIRE_SLURM") == "1":
        pytest.fail(f"MIRSCOPE_REQUIRE_SLURM=1 but {reason}")
    pytest.skip(reason)


def _snakemake(
    workdir: Path, args: list[str], env: dict[str, str], log: Path, hint: str = ""
) -> None:
    """Run the repository's workflow in ``workdir``; fail with the log's tail on error."""
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile")]
    cmd += ["--configfile", "config.yaml", *args, *TARGET_PATHS]
    with open(log, "w") as fh:
        res = subprocess.run(
            cmd, cwd=workdir, env=env, stdout=fh, stderr=subprocess.STDOUT, timeout=900
        )
    if res.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        pytest.fail(f"{shlex.join(cmd)} failed ({res.returncode}) in {workdir}:\n{tail}{hint}")


def _job_stats(log: Path) -> collections.Counter:
    """Jobs per rule from the 'Job stats' table Snakemake prints before running."""
    lines = log.read_text().splitlines()
    start = lines.index("Job stats:") + 3  # header, dashes
    counts = collections.Counter()
    for line in lines[start:]:
        fields = line.split()
        if len(fields) != 2 or fields[0] == "total":
            break
        counts[fields[0]] = int(fields[1])
    return counts


def _profile_default_resources() -> list[str]:
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    return list(profile.get("default-resources") or [])


def _result_files(outdir: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(outdir)): p.read_bytes()
        for p in sorted(outdir.rglob("*"))
        if p.is_file() and p.relative_to(outdir).parts[0] not in NOT_COMPARED
    }


@pytest.fixture(scope="module")
def runs(slurm_available, tmp_path_factory):
    """Simulate a cohort, run it locally and on the test cluster; yield what the tests need."""
    base = tmp_path_factory.mktemp("slurm")
    env = dict(os.environ)
    # The jobs' shells (sbatch --export=ALL) must find mirscope, snakemake and the tools.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    # One simulated cohort, copied into both working directories (same bytes in).
    subprocess.run(
        [Path(sys.executable).parent / "mirscope", "simulate", "--out", "sim"]
        + ["--seed", "7", "--patients", str(PATIENTS)]
        + ["--reads-per-sample", str(READS_PER_SAMPLE)],
        cwd=base,
        env=env,
        check=True,
        capture_output=True,
    )
    config = {"samples": "sim/samples.tsv", "preset": "qiaseq", "outdir": OUTDIR, "seed": 7}
    runs = {}
    for name in ("local", "slurm"):
        work = base / name
        shutil.copytree(base / "sim", work / "sim")
        (work / "config.yaml").write_text(yaml.safe_dump(config))
        runs[name] = work

    _snakemake(runs["local"], ["--cores", "2"], env, base / "local.log")

    # Not under tmp_path: munged wants every directory above its socket searchable by all.
    cluster_root = Path(tempfile.mkdtemp(prefix="mirscope-slurm-"))
    cluster_root.chmod(0o755)
    # The node declares twice the machine's CPUs: most of a tiny job is the start-up of
    # Snakemake inside it (single-threaded), so two 2-thread jobs may share 2 cores.
    cluster = SlurmTestCluster(cluster_root, cpus=2 * (os.cpu_count() or 1))
    with cluster:
        resources = [
            *_profile_default_resources(),
            f"slurm_account={ACCOUNT}",
            f"slurm_partition={PARTITION}",
        ]
        _snakemake(
            runs["slurm"],
            [
                "--profile",
                str(REPO / "profiles" / "slurm"),
                "--default-resources",
                *resources,
                # Test speed only: poll sacct soon after submitting (default 40 s).
                "--slurm-init-seconds-before-status-checks",
                "2",
                "--slurm-keep-successful-logs",
            ],
            cluster.client_env(env),
            base / "slurm.log",
            hint=f"\nSLURM daemon logs: {cluster.root / 'log'}; job logs: .snakemake/slurm_logs",
        )
        sacct = cluster.run_client(
            "sacct",
            "--allusers",
            "--allocations",
            "--parsable2",
            "--noheader",
            "--starttime=2000-01-01",
            "--format=JobID,JobName,Comment,State,Account,Partition,NodeList,ExitCode",
        ).stdout
        pids = dict(cluster.pids)
    # Kept on failure (the daemons' logs are in <root>/log); removed once all went well.
    shutil.rmtree(cluster_root, ignore_errors=True)
    yield {
        "base": base,
        "local": runs["local"] / OUTDIR,
        "slurm": runs["slurm"] / OUTDIR,
        "local_log": base / "local.log",
        "slurm_log": base / "slurm.log",
        "sacct": [line.split("|") for line in sacct.splitlines() if line],
        "pids": pids,
    }


def test_every_job_ran_on_slurm_and_completed(runs):
    rows = runs["sacct"]
    assert rows, "sacct lists no jobs: nothing was submitted to SLURM"
    run_ids = set(re.findall(r"SLURM run ID: (\S+)", runs["slurm_log"].read_text()))
    assert len(run_ids) == 1, f"expected one SLURM run ID in the snakemake log, got {run_ids}"
    per_rule = collections.Counter()
    for job_id, name, comment, state, account, partition, node, exit_code in rows:
        assert name in run_ids, f"job {job_id} ({name}) was not submitted by this run"
        assert state == "COMPLETED", f"job {job_id} ({comment}) ended {state} ({exit_code})"
        assert (account, partition, node) == (ACCOUNT, PARTITION, "localhost")
        rule = re.match(r"rule_(.+?)(_wildcards_.*)?$", comment)
        assert rule, f"job {job_id}: comment {comment!r} does not name a rule"
        per_rule[rule.group(1)] += 1
    # The same jobs as the local run, each exactly once: nothing ran outside SLURM.
    assert per_rule == _job_stats(runs["local_log"])
    assert {"mirscope_reference", "bowtie_build_hairpin", "mirscope_matrix"} <= set(per_rule)


def test_slurm_outputs_equal_local_run(runs):
    local, slurm = _result_files(runs["local"]), _result_files(runs["slurm"])
    for target in TARGETS:
        assert target in local, f"local run did not produce {target}"
    assert sorted(slurm) == sorted(local)
    differing = [name for name in local if local[name] != slurm[name]]
    assert not differing, f"SLURM outputs differ from the local run's: {differing}"


def test_daemons_stopped_after_run(runs):
    """The fixture stopped every daemon it started (by pid); none survives the test."""
    assert set(runs["pids"]) == {"munged", "mariadbd", "slurmdbd", "slurmctld", "slurmd"}
    for name, pid in runs["pids"].items():
        stat = Path(f"/proc/{pid}/stat")
        alive = stat.exists() and stat.read_text().split()[2] != "Z"
        assert not alive, f"{name} (pid {pid}) still runs"
