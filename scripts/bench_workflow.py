#!/usr/bin/env python
"""Benchmark the workflow as a user runs it: ``snakemake --cores 2`` on the counts target.

``scripts/bench_reads.py`` times the chain's package functions in one process; a user runs
``snakemake``, which adds its own start-up, a process per rule, the reference and the
merge into matrices. This script simulates one QIAseq FASTQ.gz (``--profile``, default
``plasma``, and ``--reads``, default 6,000,000; the same files as bench_reads.py), writes
a minimal config for it (a sample sheet with one local ``fastq``) and, in this one
invocation:

1. builds the reference (``mirscope reference``, bowtie-build): not timed, done once;
2. times ``gzip -dc | wc -l`` on the file (the floor);
3. times ``snakemake --cores N <outdir>/counts/mature_umi_counts.tsv --configfile ...``
   from scratch (per-sample outputs removed first), and reads each rule's Snakemake
   benchmark file (wall seconds, peak RSS, CPU seconds) for its share of the run;
4. times the nf-core/smrnaseq-style chain of bench_reads.py on the same file (the peer),
   unless ``--skip-peer``.

Prints the workflow's reads/s, its time against the floor's and the peer's, and the
per-rule table. Usage::

    PYTHONPATH=src python scripts/bench_workflow.py [--reads N] [--profile plasma|demo]
        [--workdir DIR] [--cores 2] [--skip-peer] [--peer-bin DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_reads  # noqa: E402

REPO = bench_reads.REPO
SAMPLE = "S1"
#: Rules of the per-sample chain, in order; each writes benchmarks/<rule>/<sample>.tsv.
RULES = ("mirscope_trim", "bowtie_align_hairpin", "mirscope_count")


def write_config(wf: Path, fastq: str) -> Path:
    """The smallest config for one local FASTQ (config/README.md, "The smallest config")."""
    wf.mkdir(parents=True, exist_ok=True)
    (wf / "samples.tsv").write_text(f"sample_id\tfastq\n{SAMPLE}\t{Path(fastq).resolve()}\n")
    cfg = wf / "config.yaml"
    cfg.write_text(f"samples: {wf / 'samples.tsv'}\npreset: qiaseq\noutdir: {wf / 'results'}\n")
    return cfg


def snakemake(targets: list[str], cfg: Path, wf: Path, cores: int) -> float:
    """Run snakemake on ``targets`` (before ``--configfile``, which takes several values);
    return its wall seconds. The .snakemake metadata goes to ``wf``, not the repository."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    cmd = ["snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(wf)]
    cmd += ["--cores", str(cores), *targets, "--configfile", str(cfg)]
    with open(wf / "snakemake.log", "a") as log:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=log)
        tree_peak = bench_reads._tree_rss_peak(proc)
        seconds = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        sys.exit(f"snakemake failed: see {wf / 'snakemake.log'}")
    snakemake.tree_rss_mb = tree_peak / 2**20
    # CPU of snakemake and every job it waited for: less sensitive to other load than wall
    snakemake.cpu_seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reads", type=int, default=6_000_000, help="simulated reads")
    p.add_argument("--profile", default="plasma", choices=["demo", "plasma", "real"])
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--cores", type=int, default=2, help="snakemake --cores, and the peer's")
    p.add_argument("--workdir", type=Path, default=REPO / "resources" / "bench")
    p.add_argument("--skip-peer", action="store_true", help="only the workflow and the floor")
    p.add_argument("--peer-bin", type=Path, help="umi_tools, cutadapt (see bench_reads.py)")
    args = p.parse_args(argv)
    args.threads = args.cores
    if args.peer_bin:
        os.environ["MIRSCOPE_BENCH_BIN"] = str(args.peer_bin)
    peer_bin = Path(os.environ.get("MIRSCOPE_BENCH_BIN", bench_reads.BENCH_BIN))
    if not args.skip_peer and not (peer_bin / "umi_tools").exists():
        print(f"umi_tools missing in {peer_bin}: see bench_reads.py", file=sys.stderr)
        return 2
    n = args.reads
    info = bench_reads.prepare(args.workdir, n, args.seed, args.profile)
    wf = (args.workdir / f"workflow_{args.profile}_{n}").resolve()
    cfg = write_config(wf, info["fastq"])
    out = wf / "results"
    ref = [f"{out}/reference/hsa_mature_loci.tsv", f"{out}/reference/bowtie/hsa_hairpin.1.ebwt"]
    ref_seconds = snakemake(ref, cfg, wf, args.cores)
    print(f"reference (not timed below): {ref_seconds:.1f} s", flush=True)
    for d in ("trimmed", "align", "counts", "benchmarks", "logs"):
        shutil.rmtree(out / d, ignore_errors=True)

    floor = bench_reads.run_child("floor", args, n, args.profile)
    target = f"{out}/counts/mature_umi_counts.tsv"
    wall = snakemake([target], cfg, wf, args.cores)
    tree_mb = snakemake.tree_rss_mb
    cpu = snakemake.cpu_seconds
    load_after_workflow = bench_reads.load_text()
    peer = None if args.skip_peer else bench_reads.run_child("peer", args, n, args.profile)

    rules = {}
    for rule in RULES:
        b = pd.read_csv(out / "benchmarks" / rule / f"{SAMPLE}.tsv", sep="\t").iloc[0]
        rules[rule] = {"s": float(b["s"]), "max_rss": float(b["max_rss"]), "cpu": b["cpu_time"]}
    print(f"\nworkflow: snakemake --cores {args.cores} counts target, profile {args.profile}")
    print(f"reads: {n:,}  ({os.cpu_count()} CPUs on this machine)")
    print(f"load average (1/5/15 min) after the workflow: {load_after_workflow}; at the end:")
    print(f"  {bench_reads.load_text()} (other work on the machine slows wall time)")
    print(f"{'step':<28}{'seconds':>10}{'share':>8}{'max RSS MiB':>13}{'CPU s':>9}")
    for rule, r in rules.items():
        print(
            f"{rule:<28}{r['s']:>10.2f}{r['s'] / wall:>8.1%}{r['max_rss']:>13.0f}"
            f"{float(r['cpu']):>9.1f}"
        )
    rest = wall - sum(r["s"] for r in rules.values())
    print(f"{'other (snakemake, matrix)':<28}{rest:>10.2f}{rest / wall:>8.1%}")
    print(f"{'workflow total':<28}{wall:>10.2f}{1:>8.0%}{tree_mb:>13.0f}  (all processes)")
    print(f"{'floor: gzip -dc | wc -l':<28}{floor['seconds']:>10.2f}")
    if peer:
        print(f"{'nf-core-style chain (peer)':<28}{peer['seconds']:>10.2f}")
        steps = ", ".join(f"{k} {v:.1f}s" for k, v in peer["steps"].items())
        print(f"  peer steps: {steps}")
    print(f"\nworkflow reads/s: {n / wall:,.0f}")
    print(f"workflow / floor time: {wall / floor['seconds']:.2f}x")
    if peer:
        print(f"peer / workflow time: {peer['seconds'] / wall:.1f}x (workflow that much faster)")
    cpus = f"workflow {cpu:.1f}, floor {floor['cpu_seconds']:.1f}"
    if peer:
        cpus += f", peer {peer['cpu_seconds']:.1f}"
    print(f"CPU seconds (all processes): {cpus}")
    print(f"workflow / floor CPU: {cpu / floor['cpu_seconds']:.2f}x", end="")
    print(f"; peer / workflow CPU: {peer['cpu_seconds'] / cpu:.1f}x" if peer else "")
    count, trim = rules["mirscope_count"]["s"], rules["mirscope_trim"]["s"]
    print(f"mirscope_count / mirscope_trim: {count / trim:.2f}")
    print(f"largest rule max RSS: {max(r['max_rss'] for r in rules.values()):.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
