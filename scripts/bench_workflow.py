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
   unless ``--skip-peer``;
5. times miRge3 0.1.4 on the same file in its QIAseq mode (UMI deduplication), the tool a
   user would pick instead, unless ``--skip-mirge3``; installed with its human miRBase
   library by ``make bench-mirge3`` (scripts/install_mirge3.sh), else skipped with a note.

Prints the workflow's reads/s, its time against the floor's and the peers', and the
per-rule table. Usage::

    PYTHONPATH=src python scripts/bench_workflow.py [--reads N] [--profile plasma|demo|real]
        [--workdir DIR] [--cores 2] [--skip-peer] [--peer-bin DIR]
        [--skip-mirge3] [--mirge3-bin DIR]
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
#: miRge3's venv (scripts/install_mirge3.sh); its library is <venv>/mirge3-lib.
MIRGE3_VENV = Path(os.environ.get("MIRGE3_VENV", REPO / ".venv-mirge3"))


def mirge3_command(mirge3_bin: Path, fastq: str, out: Path, cores: int) -> list[str]:
    """miRge3 0.1.4 on one QIAseq FASTQ.gz as its documentation runs QIAseq data: the 3'
    adapter trimmed, the 12-nt UMI after it kept (``-qumi``), then cut (``-umi 0,12``) and
    PCR duplicates removed (``-udd``); miRBase, human, ``-cpu`` as snakemake's cores."""
    lib = mirge3_bin.parent / "mirge3-lib"
    cmd = [str(mirge3_bin / "miRge3.0"), "-s", str(Path(fastq).resolve()), "-lib", str(lib)]
    cmd += ["-on", "human", "-db", "miRBase", "-o", str(out.parent), "-onam", out.name]
    cmd += ["-cpu", str(cores), "-a", bench_reads.ADAPTER, "-umi", "0,12", "-udd", "-qumi"]
    return cmd


def run_mirge3(mirge3_bin: Path, fastq: str, wf: Path, cores: int) -> dict:
    """Run miRge3 from scratch on ``fastq``; wall and CPU seconds (it and every process it
    waited for), peak RSS of its process tree, and its miRNA counts (miR.Counts.csv)."""
    out = wf / "mirge3"
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = mirge3_command(mirge3_bin, fastq, out, cores)
    env = dict(os.environ)
    # its cutadapt and the ASCII samtools wrapper first (install_mirge3.sh); bowtie from PATH
    env["PATH"] = f"{mirge3_bin}:{env['PATH']}"
    env["PYTHONWARNINGS"] = "ignore"
    with open(wf / "mirge3.log", "w") as log:
        log.write(" ".join(cmd) + "\n")
        log.flush()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=wf, env=env, stdout=log, stderr=log)
        tree_peak = bench_reads._tree_rss_peak(proc)
        seconds = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    counts_csv = out / "miR.Counts.csv"
    # miRge3 exits 0 after most of its errors: the count table is the proof it ran
    if proc.returncode or not counts_csv.exists():
        sys.exit(f"miRge3 failed: see {wf / 'mirge3.log'}")
    counts = pd.read_csv(counts_csv, index_col=0).iloc[:, 0]
    report = pd.read_csv(out / "annotation.report.csv", index_col=0).iloc[0]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "tree_rss_mb": tree_peak / 2**20,
        "command": cmd,
        "counts": counts.sort_values(ascending=False),
        "report": report,
    }


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
    p.add_argument("--skip-mirge3", action="store_true", help="do not run miRge3")
    p.add_argument(
        "--mirge3-bin",
        type=Path,
        default=MIRGE3_VENV / "bin",
        help="miRge3.0 and its library's venv bin (make bench-mirge3); default %(default)s",
    )
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
    mirge = None
    mirge3_exe = args.mirge3_bin / "miRge3.0"
    mirge3_lib = args.mirge3_bin.parent / "mirge3-lib" / "human" / ".built"
    if args.skip_mirge3:
        pass
    elif not mirge3_exe.exists():
        print(f"miRge3 skipped: {mirge3_exe} not found; run make bench-mirge3", flush=True)
    elif not mirge3_lib.exists():
        print(f"miRge3 skipped: {mirge3_lib.parent} not built; run make bench-mirge3", flush=True)
    else:
        mirge = run_mirge3(args.mirge3_bin, info["fastq"], wf, args.cores)

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
    if mirge:
        print(f"{'miRge3 0.1.4 (QIAseq, UMI)':<28}{mirge['seconds']:>10.2f}", end="")
        print(f"{'':>8}{mirge['tree_rss_mb']:>13.0f}{mirge['cpu_seconds']:>9.1f}")
        print(f"  miRge3: {' '.join(mirge['command'][1:])}")
        r, top = mirge["report"], mirge["counts"]
        print(
            f"  miRge3 counts: {int(top.sum()):,} miRNA molecules (of {int(r.iloc[0]):,} reads, "
            f"{int(r.iloc[1]):,} after trimming and UMI deduplication); top "
            + ", ".join(f"{name} {int(c):,}" for name, c in top.head(3).items())
        )
        ours = pd.read_csv(target, sep="\t", index_col=0)[SAMPLE].sort_values(ascending=False)
        print(
            f"  workflow counts: {int(ours.sum()):,} miRNA molecules; top "
            + ", ".join(f"{name} {int(c):,}" for name, c in ours.head(3).items())
        )
    print(f"\nworkflow reads/s: {n / wall:,.0f}")
    print(f"workflow / floor time: {wall / floor['seconds']:.2f}x")
    if peer:
        print(f"peer / workflow time: {peer['seconds'] / wall:.1f}x (workflow that much faster)")
    if mirge:
        print(f"miRge3 / workflow time: {mirge['seconds'] / wall:.2f}x")
    cpus = f"workflow {cpu:.1f}, floor {floor['cpu_seconds']:.1f}"
    if peer:
        cpus += f", peer {peer['cpu_seconds']:.1f}"
    if mirge:
        cpus += f", miRge3 {mirge['cpu_seconds']:.1f}"
    print(f"CPU seconds (all processes): {cpus}")
    print(f"workflow / floor CPU: {cpu / floor['cpu_seconds']:.2f}x", end="")
    print(f"; peer / workflow CPU: {peer['cpu_seconds'] / cpu:.1f}x" if peer else "")
    if mirge:
        print(f"miRge3 / workflow CPU: {mirge['cpu_seconds'] / cpu:.2f}x")
    count, trim = rules["mirscope_count"]["s"], rules["mirscope_trim"]["s"]
    print(f"mirscope_count / mirscope_trim: {count / trim:.2f}")
    print(f"largest rule max RSS: {max(r['max_rss'] for r in rules.values()):.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
