"""Differential expression: normalisation, DESeq2 Wald tests, clustering, Figures 1-2.

Counts to findings: normalisation, DESeq2 Wald tests, DE selection, clustering, and the
DE figures (Figures 1 and 2, volcano plots).

Each step is declared once here (its files and settings, :mod:`mirscope.params`); the
commands ``mirscope normalize``, ``de``, ``de-select``, ``cluster``, ``de-heatmap`` and
``volcano`` and the diffexp rules both derive from the declarations. Output columns are
documented in :mod:`mirscope.de.deseq` and :mod:`mirscope.stats.cluster`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from mirscope.de import deseq, normalize
from mirscope.errors import UsageError
from mirscope.inputs import outcomes as contrasts_mod
from mirscope.inputs.clinical import log_patients_used, read_clinical
from mirscope.inputs.outcomes import Contrast
from mirscope.io import read_count_matrix, read_value_matrix, say, write_tsv
from mirscope.params import REQUIRED, param
from mirscope.stats import cluster as cluster_mod

log = logging.getLogger(__name__)


def _counts(help_text: str = "Count matrix.") -> str:
    return param(REQUIRED, role="input", help=help_text)


def _min_samples(what: str) -> int:
    return param(
        1,
        min=1,
        config="normalization.min_samples",
        help=f"{what} miRNAs with a count > 0 in at least this many samples.",
    )


def _size_factors() -> str:
    return param(
        "auto",
        flag="--size-factors",
        choices=normalize.SIZE_FACTOR_TYPES,
        config="normalization.size_factors",
        help="DESeq2 size factor type; auto = ratio unless every miRNA has a zero.",
    )


def _lfc(help_text: str) -> float:
    return param(1.0, config="de.lfc_threshold", help=help_text)


def _p(help_text: str) -> float:
    return param(0.05, flag="--p", config="de.p_threshold", help=help_text)


def _log2() -> str:
    return param(
        REQUIRED,
        flag="--log2",
        role="input",
        help="log2 normalised counts of `mirscope normalize`.",
    )


def _clinical() -> str:
    return param(REQUIRED, role="input", help="Clinical table (TSV keyed by sample_id).")


def _de_table(help_text: str = "A results table of `mirscope de`.") -> str:
    return param(REQUIRED, flag="--de", role="input", help=help_text)


@dataclass(frozen=True)
class Normalize:
    counts: str = _counts()
    out: str = param(REQUIRED, role="output", help="Normalised TSV.")
    log2_out: str | None = param(None, role="output", help="log2(normalised + 1) TSV.")
    size_factors_out: str | None = param(None, role="output", help="Size factors TSV.")
    min_samples: int = _min_samples("Keep")
    size_factors: str = _size_factors()


def run_normalize(step: Normalize) -> None:
    """DESeq2 median-of-ratios normalisation of the miRNAs detected in >= MIN_SAMPLES."""
    matrix = read_count_matrix(step.counts)
    normed, sf = normalize.normalize(
        matrix, min_samples=step.min_samples, sf_type=step.size_factors
    )
    write_tsv(normed.rename_axis("mirna").reset_index(), step.out)
    if step.log2_out:
        write_tsv(normalize.log2_table(normed).rename_axis("mirna").reset_index(), step.log2_out)
    if step.size_factors_out:
        write_tsv(sf.rename_axis("sample_id").reset_index(), step.size_factors_out)
    kind = normalize.resolve_size_factor_type(matrix.loc[normed.index], step.size_factors)
    say(
        f"normalised {normed.shape[0]} of {matrix.shape[0]} miRNAs in {normed.shape[1]} "
        f"samples ({kind} size factors)"
    )


@dataclass(frozen=True)
class DE:
    counts: str = _counts()
    table: str = param(REQUIRED, role="input", help="TSV keyed by sample_id.")
    out: str = param(REQUIRED, role="output", help="Results TSV.")
    condition: str | None = param(None, help="Column with the two groups (with --reference).")
    reference: str | None = param(None, help="Reference level of --condition (denominator).")
    contrast: Contrast | None = param(
        None,
        metavar="NAME:VARIABLE:RULE",
        help="The contrast (rule ge2, gt0 or responder) instead of --condition/--reference.",
    )
    covariates: tuple[str, ...] = param(
        (), flag="--covariate", config="de.covariates", help="Covariate column (repeatable)."
    )
    min_samples: int = _min_samples("Test")
    size_factors: str = _size_factors()
    alpha: float = param(
        0.1,
        min=0,
        max=1,
        config="de.alpha",
        help="FDR target of independent filtering (DESeq2 results(alpha=)).",
    )

    def __post_init__(self) -> None:
        if self.contrast is None and not (self.condition and self.reference):
            raise UsageError("give --condition and --reference, or --contrast")


def run_de(step: DE) -> None:
    """DESeq2 Wald test (design ~ covariates + condition), R's defaults.

    Output columns: mirna, baseMean, log2FoldChange (case or non-reference over
    reference), lfcSE, stat, pvalue, padj (NA where DESeq2 gives NA).
    """
    matrix = normalize.filter_detected(read_count_matrix(step.counts), step.min_samples)
    clinical = read_clinical(step.table)
    what = step.contrast.name if step.contrast else step.condition
    log_patients_used(
        clinical,
        list(step.covariates),
        what=f"DE {step.contrast.text if step.contrast else what}",
        logger=log,
        samples=list(matrix.columns),
    )
    meta = contrasts_mod.align_samples(list(matrix.columns), clinical, source=step.table)
    condition, reference = step.condition, step.reference
    if step.contrast:
        groups = contrasts_mod.assign_groups(meta, step.contrast, source=step.table)
        matrix = matrix[list(groups.index)]
        meta = meta.loc[groups.index].assign(_group=groups)
        condition, reference = "_group", contrasts_mod.CONTROL
    result = deseq.compare_groups(
        matrix,
        meta,
        condition,
        reference,
        covariates=step.covariates,
        sf_type=step.size_factors,
        alpha=step.alpha,
        source=step.table,
    )
    write_tsv(deseq.results_frame(result), step.out)
    n = int(result.table["pvalue"].notna().sum())
    say(
        f"tested {n} of {len(result.table)} miRNAs ({result.size_factor_type} size factors, "
        f"{result.n_refit} refitted after outlier replacement)"
    )


@dataclass(frozen=True)
class DESelect:
    de: str = _de_table()
    out: str = param(
        REQUIRED, role="output", help="Output: the selected miRNAs, smallest p first (TSV)."
    )
    lfc: float = _lfc("|log2FC| threshold.")
    p: float = _p("Raw p cut.")


def run_de_select(step: DESelect) -> None:
    """DE miRNAs (|log2FC| > LFC and p < P) of a `mirscope de` table, by p-value."""
    selected = deseq.select_de(deseq.read_results(step.de), lfc=step.lfc, p=step.p)
    write_tsv(selected, step.out)
    say(f"{len(selected)} DE miRNAs")


@dataclass(frozen=True)
class Cluster:
    log2: str = _log2()
    clinical: str = _clinical()
    clusters_out: str = param(REQUIRED, role="output", help="Output: sample_id and cluster (TSV).")
    associations_out: str = param(
        REQUIRED, role="output", help="Output: tests of cluster vs each clinical variable (TSV)."
    )
    figure: str | None = param(None, role="output", help="Figure 1 (.png; .pdf too).")
    k: int = param(
        3,
        flag="--clusters",
        short="-k",
        min=2,
        config="clustering.k",
        help="Number of patient clusters cut from the dendrogram.",
    )
    variables: tuple[str, ...] = param(
        cluster_mod.DEFAULT_VARIABLES,
        flag="--variable",
        config="clustering.variables",
        help="column, column=level or contrast name (repeatable).",
    )
    contrasts: tuple[Contrast, ...] = param(
        tuple(Contrast.from_config(c) for c in contrasts_mod.DEFAULT_CONTRASTS),
        flag="--contrast",
        config="de.contrasts",
        metavar="NAME:VARIABLE:RULE",
        help="A contrast the variables may name (repeatable).",
    )


def run_cluster(step: Cluster) -> None:
    """Cluster patients (Pearson, complete linkage) and test clusters vs clinical variables."""
    log2 = read_value_matrix(step.log2)
    full = read_clinical(step.clinical)
    table = contrasts_mod.align_samples(list(log2.columns), full, source=step.clinical)
    contrasts = list(step.contrasts)
    variables = list(step.variables)
    by_name = {c.name: c.variable for c in contrasts}
    log_patients_used(
        full,
        [by_name.get(v, v.partition("=")[0]) for v in variables],
        what="cluster associations",
        logger=log,
        samples=list(log2.columns),
    )
    result = cluster_mod.cluster_patients(log2, step.k)
    assoc = cluster_mod.associations(
        result.clusters, table, variables, contrasts, source=step.clinical
    )
    write_tsv(cluster_mod.clusters_table(result), step.clusters_out)
    write_tsv(assoc, step.associations_out)
    if step.figure:
        from mirscope.plots import de as plots

        ann = cluster_mod.figure1_annotations(
            result.clusters, table, contrasts, source=step.clinical
        )
        plots.figure1(
            result.centred,
            cluster_mod.order_rows(result.centred),
            result.linkage,
            result.order,
            ann,
            step.figure,
            enrichment=cluster_mod.cluster_enrichment(assoc),
        )


@dataclass(frozen=True)
class DEHeatmap:
    log2: str = _log2()
    clinical: str = _clinical()
    de: str = _de_table("A results table of `mirscope de` for the contrast shown.")
    out: str = param(REQUIRED, role="output", help=".png (+ .pdf).")
    contrast: Contrast = param(REQUIRED, metavar="NAME:VARIABLE:RULE", help="The contrast shown.")
    lfc: float = _lfc("Show miRNAs with |log2 fold change| above this.")
    p: float = _p("Show miRNAs with p-value below this.")
    title: str | None = param(None, help="Figure title.")
    panel: str | None = param(
        None,
        choices=("A", "B"),
        help="The paper's Figure 2 panel this heatmap is (A: CRS, B: ICANS): letter and title.",
    )


def run_de_heatmap(step: DEHeatmap) -> None:
    """Figure 2-style heatmap of a contrast's DE miRNAs (rows clustered, as Figure 1's:
    1 - Pearson r, complete linkage), patients ordered by group."""
    from mirscope.plots import de as plots

    contrast = step.contrast
    log2 = read_value_matrix(step.log2)
    table = contrasts_mod.align_samples(
        list(log2.columns), read_clinical(step.clinical), source=step.clinical
    )
    groups = contrasts_mod.assign_groups(table, contrast, source=step.clinical)
    selected = deseq.select_de(deseq.read_results(step.de), lfc=step.lfc, p=step.p)
    mirnas = [m for m in selected.sort_values("log2FoldChange")["mirna"] if m in log2.index]
    centred = cluster_mod.centre_rows(log2[list(groups.index)])
    mirnas = cluster_mod.order_rows(centred.loc[mirnas]) if mirnas else mirnas
    what = f"{len(mirnas)} DE miRNAs (|log2FC| > {step.lfc:g}, p < {step.p:g})"
    default = f"{cluster_mod.contrast_title(contrast)}: {what}"
    plots.figure2(
        centred,
        mirnas,
        groups,
        contrast.name,
        step.out,
        title=step.title or (f"Figure 2{step.panel}. {default}" if step.panel else default),
        group_labels=cluster_mod.group_labels(contrast),
        panel=step.panel,
    )


@dataclass(frozen=True)
class Volcano:
    de: str = _de_table()
    out: str = param(REQUIRED, role="output", help=".png (+ .pdf).")
    lfc: float = _lfc("|log2 fold change| threshold drawn and used for colouring.")
    p: float = _p("p-value threshold drawn and used for colouring.")
    title: str | None = param(None, help="Plot title (default: the contrast in words).")
    contrast: Contrast | None = param(
        None,
        metavar="NAME:VARIABLE:RULE",
        help="The contrast of the test, to name its groups on the fold-change axis.",
    )


def run_volcano(step: Volcano) -> None:
    """Volcano plot of a `mirscope de` table."""
    from mirscope.plots import de as plots

    table = deseq.read_results(step.de).set_index("mirna")
    groups, title = None, step.title
    if step.contrast:
        groups = cluster_mod.group_labels(step.contrast)
        title = title or cluster_mod.contrast_title(step.contrast)
    plots.volcano(table, step.out, title=title or step.de, lfc=step.lfc, p=step.p, groups=groups)


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "normalize": (Normalize, run_normalize),
    "de": (DE, run_de),
    "de-select": (DESelect, run_de_select),
    "cluster": (Cluster, run_cluster),
    "de-heatmap": (DEHeatmap, run_de_heatmap),
    "volcano": (Volcano, run_volcano),
}
