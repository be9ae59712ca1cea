# Input functions and settings of the count stage (workflow/rules/count.smk), kept apart
# from the rules as snakemake --lint asks; included from common.smk.

import shlex


def get_count_samples():
    """Per-sample table paths for `mirscope matrix`, as repeated options in sheet order."""
    args = []
    for sid in SAMPLE_IDS:
        args += ["--sample-id", sid]
        args += ["--mature", out(f"counts/{sid}.mature.tsv")]
        args += ["--hairpin", out(f"counts/{sid}.hairpin.tsv")]
        args += ["--isomirs", out(f"counts/{sid}.isomirs.tsv")]
    return shlex.join(args)


def get_count_options():
    """`mirscope count` options from the `counting` config section."""
    c = CFG["counting"]
    return " ".join(
        [
            f"--tol5 {c['isomir_5p_tolerance']} --tol3 {c['isomir_3p_tolerance']}",
            "--umi-collision-correction"
            if c["umi_collision_correction"]
            else "--no-umi-collision-correction",
            "--resolve-ambiguous" if c["resolve_ambiguous"] else "--no-resolve-ambiguous",
            f"--ambiguous-min-ratio {c['ambiguous_min_ratio']}",
        ]
    )
