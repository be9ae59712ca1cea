#!/usr/bin/env python
"""Benchmark reads -> UMI counts: mirscope vs the nf-core/smrnaseq-style chain vs gzip.

Simulates N QIAseq reads (default 2,000,000) with the simulator's ``--profile``: ``demo``
(the demo cohort's abundances, fixed duplication) or ``plasma`` (what a real plasma library
looks like at depth: miR-451a holding 32% of the miRNA molecules, duplication rising with
depth from a library of fixed size, rare N calls; calibrated on the public QIAseq plasma
file SRR17084832, see :data:`mirscope.simulate.reads.PLASMA_TOP_SHARES`). Several
``--reads`` and ``--profile`` values run one after the other, with a summary at the end.
For each, it runs at equal cores (``--threads``, default 2), in this one invocation:

(a) mirscope, as the workflow runs it: trim + collapse, writing the unique inserts
    (``mirscope.reads.trim``, 2 threads), bowtie on hairpins (two passes, one thread,
    ``mirscope.counts.align``), assignment + directional UMI counting (``mirscope.counts.count``);
(b) the nf-core/smrnaseq-style QIAseq chain, built from the same public tools:
    ``umi_tools extract`` (regex), ``cutadapt -a AACTGTAGGCACCATCAAT -m 15``,
    ``bowtie -t -k 50 --best --strata -e 99999`` to mature sequences, ``samtools
    sort/index``, ``umi_tools dedup``, ``samtools idxstats``;
(c) the floor: ``gzip -dc | wc -l``.

Each chain runs in its own child process so its memory is its own: peak RSS is the largest
single process's (GNU time), tree RSS the largest sum over the chain's processes at once
(sampled every 0.1 s). Prints reads/s, peak RSS, ratios, and each chain's counts against
the simulator's truth (molecules per miRNA). Index building is not timed (done once).

umi_tools must be installed in ``.venv-bench`` (``make bench`` does it)::

    python3 -m venv .venv-bench
    .venv-bench/bin/pip install 'setuptools<70' wheel cython
    .venv-bench/bin/pip install --no-build-isolation umi_tools==1.1.6 cutadapt==5.2

Usage: ``python scripts/bench_reads.py [--reads N ...] [--profile demo|plasma ...]
[--workdir DIR] [--skip-peer] [--peer-bin DIR]``; ``scripts/bench_workflow.py`` runs the
same comparison through ``snakemake``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

REPO = Path(__file__).resolve().parents[1]
BENCH_BIN = Path(os.environ.get("MIRSCOPE_BENCH_BIN", REPO / ".venv-bench" / "bin"))
ADAPTER = "AACTGTAGGCACCATCAAT"
PEER_REGEX = f".+(?P<discard_1>{ADAPTER}){{s<=2}}(?P<umi_1>.{{12}})(?P<discard_2>.*)"


def peak_rss_mb() -> float:
    """Largest resident set of this process or any waited-for child, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def prepare(work: Path, n_reads: int, seed: int, profile: str = "demo") -> dict:
    """Simulate the reads and build both bowtie indexes (not timed)."""
    from mirscope.fetch.reference import load_reference
    from mirscope.simulate import simulate_sample_reads

    work.mkdir(parents=True, exist_ok=True)
    stem = f"sim_{n_reads}_{seed}" if profile == "demo" else f"sim_{profile}_{n_reads}_{seed}"
    fastq = work / f"{stem}.fastq.gz"
    truth_path = work / f"{stem}.truth.tsv"
    if not (fastq.exists() and truth_path.exists()):
        t = time.perf_counter()
        truth = simulate_sample_reads(fastq, n_reads, seed=seed, profile=profile)
        pd.DataFrame(
            {"mirna": truth.names, "molecules": truth.molecules, "reads": truth.reads}
        ).to_csv(truth_path, sep="\t", index=False)
        print(
            f"simulated {n_reads:,} {profile} reads in {time.perf_counter() - t:.1f} s", flush=True
        )
    ref = load_reference("hsa")
    refdir = work / "ref"
    refdir.mkdir(exist_ok=True)
    loci = refdir / "hsa_mature_loci.tsv"
    if not (refdir / "hsa_hairpin.1.ebwt").exists():
        for kind, seqs in (("hairpin", ref.hairpin), ("mature", ref.mature)):
            fa = refdir / f"hsa_{kind}.fa"
            fa.write_text("".join(f">{k}\n{v}\n" for k, v in sorted(seqs.items())))
            subprocess.run(["bowtie-build", "-q", str(fa), str(refdir / f"hsa_{kind}")], check=True)
        loci.write_text(
            "mature\tmature_id\thairpin\tstart\tend\n"
            + "".join(
                f"{x.mature}\t{x.mature_id}\t{x.hairpin}\t{x.start}\t{x.end}\n" for x in ref.loci
            )
        )
    return {"fastq": str(fastq), "truth": str(truth_path), "ref": str(refdir)}


def chain_mirscope(fastq: str, ref: str, out: Path, threads: int) -> dict:
    """(a) FASTQ.gz -> mature UMI counts with mirscope's package functions and bowtie."""
    from mirscope.counts.align import align_inserts
    from mirscope.counts.assign import Assigner
    from mirscope.reads.trim import TrimSettings
    from mirscope.stages.count import write_sample_counts
    from mirscope.stages.trim import trim_fastq

    out.mkdir(parents=True, exist_ok=True)
    steps = {}
    t0 = time.perf_counter()
    trim_fastq(
        fastq,
        TrimSettings.from_preset("qiaseq"),
        sample="bench",
        molecules_out=out / "molecules.tsv.gz",
        stats_out=out / "trim.json",
        inserts_out=out / "inserts.fa",
        threads=threads,  # as the workflow's mirscope_trim rule (threads: 2)
    )
    t1 = time.perf_counter()
    steps["trim"] = t1 - t0
    # the code of the workflow's bowtie_align_hairpin rule (`mirscope align`), one bowtie thread
    align_inserts(
        out / "inserts.fa", f"{ref}/hsa_hairpin", out / "hairpin.bam", log_path=out / "align.log"
    )
    t2 = time.perf_counter()
    steps["align"] = t2 - t1
    assigner = Assigner.from_files(f"{ref}/hsa_hairpin.fa", f"{ref}/hsa_mature_loci.tsv")
    write_sample_counts(
        out / "molecules.tsv.gz",
        out / "hairpin.bam",
        assigner,
        sample_id="bench",
        mature_out=out / "mature.tsv",
        hairpin_out=out / "hairpin.tsv",
        isomir_out=out / "isomirs.tsv",
        stats_out=out / "align_stats.json",
    )
    steps["count"] = time.perf_counter() - t2
    return {"seconds": time.perf_counter() - t0, "steps": steps, "counts": str(out / "mature.tsv")}


def _sh(cmd: str, log) -> None:
    subprocess.run(["bash", "-o", "pipefail", "-c", cmd], check=True, stdout=log, stderr=log)


def chain_peer(fastq: str, ref: str, out: Path, threads: int) -> dict:
    """(b) the nf-core/smrnaseq-style QIAseq chain, step by step as nf-core/smrnaseq runs it for QIAseq."""
    out.mkdir(parents=True, exist_ok=True)
    env_path = f"{BENCH_BIN}:{os.environ['PATH']}"
    os.environ["PATH"] = env_path
    steps = {}
    t0 = time.perf_counter()
    with open(out / "peer.log", "w") as log:
        cmds = {
            "umi_tools_extract": (
                f"umi_tools extract --extract-method=regex --bc-pattern='{PEER_REGEX}'"
                f" -I {fastq} -S {out}/extracted.fastq.gz -L {out}/extract.log"
            ),
            "cutadapt": (
                f"cutadapt -j {threads} -a {ADAPTER} -m 15 -o {out}/trimmed.fastq.gz"
                f" {out}/extracted.fastq.gz"
            ),
            "bowtie_mature": (
                f"gzip -dc {out}/trimmed.fastq.gz | bowtie -t -k 50 --best --strata -e 99999"
                f" -p {threads} -x {ref}/hsa_mature -q - -S"
                f" | samtools sort -@ {threads} -o {out}/sorted.bam -"
                f" && samtools index {out}/sorted.bam"
            ),
            "umi_tools_dedup": (
                f"umi_tools dedup -I {out}/sorted.bam -S {out}/dedup.bam -L {out}/dedup.log"
                f" && samtools index {out}/dedup.bam"
            ),
            "idxstats": (
                f"samtools idxstats {out}/dedup.bam > {out}/dedup.idxstats"
                f" && samtools idxstats {out}/sorted.bam > {out}/sorted.idxstats"
            ),
        }
        for name, cmd in cmds.items():
            t = time.perf_counter()
            _sh(cmd, log)
            steps[name] = time.perf_counter() - t
    seconds = time.perf_counter() - t0
    cols = ["mirna", "length", "count", "unmapped"]
    umis = pd.read_csv(out / "dedup.idxstats", sep="\t", names=cols)
    reads = pd.read_csv(out / "sorted.idxstats", sep="\t", names=cols)
    table = pd.DataFrame(
        {
            "mirna": umis["mirna"],
            "reads": reads.set_index("mirna")["count"].reindex(umis["mirna"]).to_numpy(),
            "umis": umis["count"],
        }
    )
    table = table[(table["mirna"] != "*") & (table["reads"] > 0)]
    table.to_csv(out / "mature.tsv", sep="\t", index=False)
    return {"seconds": seconds, "steps": steps, "counts": str(out / "mature.tsv")}


def chain_floor(fastq: str, out: Path, threads: int) -> dict:
    """(c) decompress and count lines: the least any FASTQ.gz reader must do."""
    t0 = time.perf_counter()
    res = subprocess.run(
        ["bash", "-c", f"gzip -dc {fastq} | wc -l"], check=True, capture_output=True, text=True
    )
    return {"seconds": time.perf_counter() - t0, "lines": int(res.stdout.split()[0])}


def accuracy(counts_path: str, truth_path: str) -> dict:
    """Counts of one chain against the simulator's truth (molecules and reads per miRNA)."""
    truth = pd.read_csv(truth_path, sep="\t").set_index("mirna")
    truth = truth[truth["molecules"] > 0]
    got = pd.read_csv(counts_path, sep="\t").set_index("mirna")
    j = truth.join(got.rename(columns={"reads": "got_reads"}), how="outer").fillna(0)
    absent = j["molecules"] == 0
    ten = j[j["molecules"] >= 10]
    big = j[j["molecules"] >= 1000]
    rel = (big["umis"] / big["molecules"] - 1).abs()
    return {
        "molecule_recovery": float(np.minimum(j["umis"], j["molecules"]).sum())
        / float(j["molecules"].sum()),
        "total_molecules_ratio": float(j["umis"].sum() / j["molecules"].sum()),
        "total_reads_ratio": float(j["got_reads"].sum() / j["reads"].sum()),
        "fraction_on_absent_mirnas": float(j.loc[absent, "umis"].sum() / max(j["umis"].sum(), 1)),
        "spearman_ge10": float(spearmanr(ten["molecules"], ten["umis"]).statistic),
        "n_ge10": int(len(ten)),
        "n_ge1000": int(len(big)),
        "worst_ge1000": (
            f"{rel.idxmax()} {float(big.loc[rel.idxmax(), 'umis'] / big.loc[rel.idxmax(), 'molecules'] - 1):+.2%}"
            if len(big)
            else ""
        ),
        "max_abs_error_ge1000": float(rel.max()) if len(big) else 0.0,
        "top_absent": ", ".join(
            j[absent].sort_values("umis", ascending=False).head(3).index.astype(str)
        ),
    }


def _tree_rss_peak(proc: subprocess.Popen, interval: float = 0.1) -> int:
    """Largest sum of RSS over ``proc`` and all its descendants, sampled until it exits.

    GNU time's peak is that of the largest single process; a chain of several processes
    at once (trimming and its molecule counter, a pipe of tools) holds their sum.
    Shared pages count once per process, so this is an upper bound.
    """
    import psutil

    peak = 0
    try:
        root = psutil.Process(proc.pid)
    except psutil.Error:
        proc.wait()
        return 0
    while proc.poll() is None:
        total = 0
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            procs = []
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        peak = max(peak, total)
        time.sleep(interval)
    return peak


def run_child(chain: str, args, reads: int, profile: str) -> dict:
    """Run one chain in a fresh interpreter so that its peak RSS is measured alone."""
    rss_file = args.workdir / f"{chain}.maxrss"
    # GNU time reports the child's peak RSS including the tools it waited for; started from
    # the small `time` process, the child does not inherit this (larger) process's peak.
    cmd = ["/usr/bin/time", "-f", "%M %U %S", "-o", str(rss_file)]
    cmd += [sys.executable, __file__, "--child", chain, "--workdir", str(args.workdir)]
    cmd += ["--reads", str(reads), "--seed", str(args.seed), "--threads", str(args.threads)]
    cmd += ["--profile", profile]
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, text=True)
        tree_peak = _tree_rss_peak(proc)
        stdout.seek(0)
        stderr.seek(0)
        if proc.returncode:
            sys.exit(f"{chain} chain failed:\n{stderr.read()[-3000:]}")
        out = json.loads(stdout.read().strip().splitlines()[-1])
    rss_kb, user, system = rss_file.read_text().split()[-3:]
    out["peak_rss_mb"] = int(rss_kb) / 1024
    out["tree_rss_mb"] = tree_peak / 2**20
    out["cpu_seconds"] = float(user) + float(system)
    return out


def load_text() -> str:
    """The 1/5/15-minute load averages: other work on the machine slows wall time."""
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def run_one(args, n: int, profile: str) -> dict:
    """All chains on one simulated file, printed as a block; returns their results."""
    info = prepare(args.workdir, n, args.seed, profile)
    chains = ["floor", "mirscope"] + ([] if args.skip_peer else ["peer"])
    results = {c: run_child(c, args, n, profile) for c in chains}
    print(f"\nprofile: {profile}  reads: {n:,}  threads: {args.threads}", end="")
    print(f"  ({os.cpu_count()} CPUs on this machine)")
    print(f"load average (1/5/15 min) at the end: {load_text()}")
    header = f"{'chain':<10}{'seconds':>10}{'reads/s':>14}{'CPU s':>10}{'reads/CPU s':>14}"
    print(header + f"{'peak RSS MiB':>14}{'tree RSS MiB':>14}")
    for c in chains:
        r = results[c]
        print(
            f"{c:<10}{r['seconds']:>10.2f}{n / r['seconds']:>14,.0f}{r['cpu_seconds']:>10.1f}"
            f"{n / max(r['cpu_seconds'], 1e-9):>14,.0f}{r['peak_rss_mb']:>14.0f}"
            f"{r['tree_rss_mb']:>14.0f}"
        )
    for c in ("mirscope", "peer"):
        if c in results:
            steps = ", ".join(f"{k} {v:.1f}s" for k, v in results[c]["steps"].items())
            print(f"{c} steps: {steps}")
    speed = {c: n / results[c]["seconds"] for c in chains}
    cpu = {c: results[c]["cpu_seconds"] for c in chains}
    if "peer" in speed:
        print(
            f"mirscope/peer reads/s ratio: {speed['mirscope'] / speed['peer']:.1f}x"
            f" (CPU time ratio peer/mirscope: {cpu['peer'] / cpu['mirscope']:.1f}x)"
        )
    print(
        f"mirscope/floor reads/s ratio: {speed['mirscope'] / speed['floor']:.2f}"
        f" (mirscope takes {results['mirscope']['seconds'] / results['floor']['seconds']:.2f}x"
        " the floor's time)"
    )
    for c in ("mirscope", "peer"):
        if c in results:
            acc = accuracy(results[c]["counts"], info["truth"])
            print(f"\naccuracy vs truth, {c}:")
            for k, v in acc.items():
                print(f"  {k}: {v:.4f}" if isinstance(v, float) else f"  {k}: {v}")
    top = pd.read_csv(results["mirscope"]["counts"], sep="\t").sort_values("umis").iloc[-1]
    stats = json.loads(
        (Path(results["mirscope"]["counts"]).parent / "align_stats.json").read_text()
    )
    results["profile_stats"] = {
        "top": f"{top['mirna']} {top['umis'] / max(stats['mature_molecules'], 1):.1%}",
        "top_umis": int(top["umis"]),
        "dup": stats["umi_duplication_rate"],
    }
    print(
        f"\nmirscope counts: top miRNA {results['profile_stats']['top']} of the mature molecules"
        f" ({int(top['umis']):,} UMIs), mature UMI duplication rate {stats['umi_duplication_rate']:.1%}"
    )
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reads", type=int, nargs="+", default=[2_000_000], help="simulated reads")
    p.add_argument(
        "--profile",
        nargs="+",
        default=["demo"],
        choices=["demo", "plasma", "real"],
        help="abundances",
    )
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--threads", type=int, default=2, help="cores for every chain")
    p.add_argument("--workdir", type=Path, default=REPO / "resources" / "bench")
    p.add_argument("--skip-peer", action="store_true", help="only mirscope and the floor")
    p.add_argument("--peer-bin", type=Path, help=f"umi_tools, cutadapt (default {BENCH_BIN})")
    p.add_argument("--child", choices=["mirscope", "peer", "floor"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.peer_bin:
        os.environ["MIRSCOPE_BENCH_BIN"] = str(args.peer_bin)  # the children read it
    peer_bin = Path(os.environ.get("MIRSCOPE_BENCH_BIN", BENCH_BIN))
    if args.child:
        n, profile = args.reads[0], args.profile[0]
        info = prepare(args.workdir, n, args.seed, profile)
        out = args.workdir / f"{args.child}_{profile}_{n}"
        if out.exists():
            shutil.rmtree(out)
        if args.child == "mirscope":
            res = chain_mirscope(info["fastq"], info["ref"], out, args.threads)
        elif args.child == "peer":
            res = chain_peer(info["fastq"], info["ref"], out, args.threads)
        else:
            res = chain_floor(info["fastq"], out, args.threads)
        res["child_peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(res))
        return 0

    if not args.skip_peer and not (peer_bin / "umi_tools").exists():
        print(f"umi_tools missing in {peer_bin}: see the docstring (make bench)", file=sys.stderr)
        return 2
    runs = {(prof, n): run_one(args, n, prof) for prof in args.profile for n in args.reads}
    print("\nsummary (mirscope chain; ratios against chains of the same run)")
    print(
        f"{'profile':<8}{'reads':>12}{'seconds':>9}{'reads/s':>10}{'x floor':>9}{'peak MiB':>10}"
        f"{'trim s':>8}{'align s':>8}{'count s':>8}{'vs peer':>9}  top miRNA, duplication"
    )
    for (prof, n), r in runs.items():
        m = r["mirscope"]
        peer = f"{r['peer']['seconds'] / m['seconds']:.1f}x" if "peer" in r else "-"
        st = m["steps"]
        print(
            f"{prof:<8}{n:>12,}{m['seconds']:>9.1f}{n / m['seconds']:>10,.0f}"
            f"{m['seconds'] / r['floor']['seconds']:>9.2f}{m['peak_rss_mb']:>10.0f}"
            f"{st['trim']:>8.1f}{st['align']:>8.1f}{st['count']:>8.1f}{peer:>9}"
            f"  {r['profile_stats']['top']}, {r['profile_stats']['dup']:.1%}"
        )
    for prof in args.profile:
        depths = sorted(n for p_, n in runs if p_ == prof)
        if len(depths) > 1:
            lo, hi = depths[0], depths[-1]
            rate = {n: n / runs[(prof, n)]["mirscope"]["seconds"] for n in (lo, hi)}
            print(f"{prof}: reads/s at {hi:,} is {rate[hi] / rate[lo]:.2f}x that at {lo:,}")
    print(f"load average (1/5/15 min) at the end: {load_text()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
