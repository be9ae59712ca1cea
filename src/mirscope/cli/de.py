"""Counts-to-findings commands: normalize, de, de-select, cluster, de-heatmap, volcano.

Each command parses options and calls :mod:`mirscope.de.normalize`, :mod:`mirscope.de.deseq`,
:mod:`mirscope.inputs.outcomes`, :mod:`mirscope.stats.cluster` or :mod:`mirscope.plots.de`.
"""

from __future__ import annotations

import logging

import click

from mirscope.de import deseq, normalize
from mirscope.inputs import outcomes
from mirscope.inputs.clinical import log_patients_used, read_clinical
from mirscope.io import read_count_matrix, read_value_matrix, write_tsv
from mirscope.stats import cluster as cluster_mod

log = logging.getLogger(__name__)

SF_CHOICE = click.Choice(normalize.SIZE_FACTOR_TYPES)


@click.command("normalize")
@click.option("--counts", required=True, type=click.Path(dir_okay=False), help="Count matrix.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Normalised TSV.")
@click.option("--log2-out", type=click.Path(dir_okay=False), help="log2(normalised + 1) TSV.")
@click.option("--size-factors-out", type=click.Path(dir_okay=False), help="Size factors TSV.")
@click.option(
    "--min-samples",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Keep miRNAs with a count > 0 in at least this many samples.",
)
@click.option(
    "--size-factors",
    "sf_type",
    default="auto",
    show_default=True,
    type=SF_CHOICE,
    help="DESeq2 size factor type; auto = ratio unless every miRNA has a zero.",
)
def normalize_cmd(counts, out, log2_out, size_factors_out, min_samples, sf_type):
    """DESeq2 median-of-ratios normalisation of the miRNAs detected in >= MIN_SAMPLES."""
    matrix = read_count_matrix(counts)
    normed, sf = normalize.normalize(matrix, min_samples=min_samples, sf_type=sf_type)
    write_tsv(normed.rename_axis("mirna").reset_index(), out)
    if log2_out:
        write_tsv(normalize.log2_table(normed).rename_axis("mirna").reset_index(), log2_out)
    if size_factors_out:
        write_tsv(sf.rename_axis("sample_id").reset_index(), size_factors_out)
    click.echo(
        f"normalised {normed.shape[0]} of {matrix.shape[0]} miRNAs in {normed.shape[1]} samples "
        f"({normalize.resolve_size_factor_type(matrix.loc[normed.index], sf_type)} size factors)",
        err=True,
    )


@click.command("de")
@click.option("--counts", required=True, type=click.Path(dir_okay=False), help="Count matrix.")
@click.option(
    "--table", required=True, type=click.Path(dir_okay=False), help="TSV keyed by sample_id."
)
@click.option("--condition", help="Column with the two groups (with --reference).")
@click.option("--reference", help="Reference level of --condition (denominator).")
@click.option(
    "--contrast",
    "contrast_text",
    help="NAME:VARIABLE:RULE (rule ge2, gt0 or responder) instead of --condition/--reference.",
)
@click.option("--covariate", multiple=True, help="Covariate column (repeatable).")
@click.option(
    "--min-samples",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Test miRNAs with a count > 0 in at least this many samples.",
)
@click.option(
    "--size-factors",
    "sf_type",
    default="auto",
    show_default=True,
    type=SF_CHOICE,
    help="DESeq2 size factor type; auto = ratio unless every miRNA has a zero.",
)
@click.option(
    "--alpha",
    default=0.1,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="FDR target of independent filtering (DESeq2 results(alpha=)).",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Results TSV.")
def de_cmd(
    counts, table, condition, reference, contrast_text, covariate, min_samples, sf_type, alpha, out
):
    """DESeq2 Wald test (design ~ covariates + condition), R's defaults.

    Output columns: mirna, baseMean, log2FoldChange (case or non-reference over
    reference), lfcSE, stat, pvalue, padj (NA where DESeq2 gives NA).
    """
    matrix = normalize.filter_detected(read_count_matrix(counts), min_samples)
    clinical = read_clinical(table)
    log_patients_used(
        clinical,
        list(covariate),
        what=f"DE {contrast_text or condition}",
        logger=log,
        samples=list(matrix.columns),
    )
    meta = outcomes.align_samples(list(matrix.columns), clinical, source=table)
    if contrast_text:
        contrast = outcomes.Contrast.parse(contrast_text)
        groups = outcomes.assign_groups(meta, contrast, source=table)
        matrix = matrix[list(groups.index)]
        meta = meta.loc[groups.index].assign(_group=groups)
        condition, reference = "_group", outcomes.CONTROL
    elif not (condition and reference):
        raise click.UsageError("give --condition and --reference, or --contrast")
    result = deseq.compare_groups(
        matrix,
        meta,
        condition,
        reference,
        covariates=covariate,
        sf_type=sf_type,
        alpha=alpha,
        source=table,
    )
    write_tsv(deseq.results_frame(result), out)
    n = int(result.table["pvalue"].notna().sum())
    click.echo(
        f"tested {n} of {len(result.table)} miRNAs ({result.size_factor_type} size factors, "
        f"{result.n_refit} refitted after outlier replacement)",
        err=True,
    )


@click.command("de-select")
@click.option(
    "--de",
    "de_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="A results table of `mirscope de`.",
)
@click.option("--lfc", default=1.0, show_default=True, type=float, help="|log2FC| threshold.")
@click.option("--p", "p_max", default=0.05, show_default=True, type=float, help="Raw p cut.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: the selected miRNAs, smallest p first (TSV).",
)
def de_select_cmd(de_path, lfc, p_max, out):
    """DE miRNAs (|log2FC| > LFC and p < P) of a `mirscope de` table, by p-value."""
    selected = deseq.select_de(deseq.read_results(de_path), lfc=lfc, p=p_max)
    write_tsv(selected, out)
    click.echo(f"{len(selected)} DE miRNAs", err=True)


@click.command("cluster")
@click.option(
    "--log2",
    "log2_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="log2 normalised counts of `mirscope normalize`.",
)
@click.option(
    "--clinical",
    required=True,
    type=click.Path(dir_okay=False),
    help="Clinical table (TSV keyed by sample_id).",
)
@click.option(
    "-k",
    "--clusters",
    "k",
    default=3,
    show_default=True,
    type=click.IntRange(2),
    help="Number of patient clusters cut from the dendrogram.",
)
@click.option("--variable", multiple=True, help="column, column=level or contrast name.")
@click.option("--contrast", "contrast_texts", multiple=True, help="NAME:VARIABLE:RULE.")
@click.option(
    "--clusters-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: sample_id and cluster (TSV).",
)
@click.option(
    "--associations-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: tests of cluster vs each clinical variable (TSV).",
)
@click.option("--figure", type=click.Path(dir_okay=False), help="Figure 1 (.png; .pdf too).")
def cluster_cmd(
    log2_path, clinical, k, variable, contrast_texts, clusters_out, associations_out, figure
):
    """Cluster patients (Pearson, complete linkage) and test clusters vs clinical variables."""
    contrasts = [outcomes.Contrast.parse(text) for text in contrast_texts]
    log2 = read_value_matrix(log2_path)
    full = read_clinical(clinical)
    table = outcomes.align_samples(list(log2.columns), full, source=clinical)
    variables = list(variable) or list(cluster_mod.DEFAULT_VARIABLES)
    by_name = {c.name: c.variable for c in contrasts}
    log_patients_used(
        full,
        [by_name.get(v, v.partition("=")[0]) for v in variables],
        what="cluster associations",
        logger=log,
        samples=list(log2.columns),
    )
    result = cluster_mod.cluster_patients(log2, k)
    assoc = cluster_mod.associations(result.clusters, table, variables, contrasts, source=clinical)
    write_tsv(cluster_mod.clusters_table(result), clusters_out)
    write_tsv(assoc, associations_out)
    if figure:
        from mirscope.plots import de as plots

        ann = cluster_mod.figure1_annotations(result.clusters, table, contrasts, source=clinical)
        plots.figure1(
            result.centred,
            cluster_mod.order_rows(result.centred),
            result.linkage,
            result.order,
            ann,
            figure,
            enrichment=cluster_mod.cluster_enrichment(assoc),
        )


@click.command("de-heatmap")
@click.option(
    "--log2",
    "log2_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="log2 normalised counts of `mirscope normalize`.",
)
@click.option(
    "--clinical",
    required=True,
    type=click.Path(dir_okay=False),
    help="Clinical table (TSV keyed by sample_id).",
)
@click.option(
    "--de",
    "de_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="A results table of `mirscope de` for the contrast shown.",
)
@click.option("--contrast", "contrast_text", required=True, help="NAME:VARIABLE:RULE.")
@click.option(
    "--lfc",
    default=1.0,
    show_default=True,
    type=float,
    help="Show miRNAs with |log2 fold change| above this.",
)
@click.option(
    "--p",
    "p_max",
    default=0.05,
    show_default=True,
    type=float,
    help="Show miRNAs with p-value below this.",
)
@click.option("--title", default=None, help="Figure title.")
@click.option(
    "--panel",
    default=None,
    type=click.Choice(["A", "B"]),
    help="The paper's Figure 2 panel this heatmap is (A: CRS, B: ICANS): letter and title.",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help=".png (+ .pdf).")
def de_heatmap_cmd(log2_path, clinical, de_path, contrast_text, lfc, p_max, title, panel, out):
    """Figure 2-style heatmap of a contrast's DE miRNAs (rows clustered, as Figure 1's:
    1 - Pearson r, complete linkage), patients ordered by group."""
    from mirscope.plots import de as plots

    contrast = outcomes.Contrast.parse(contrast_text)
    log2 = read_value_matrix(log2_path)
    table = outcomes.align_samples(list(log2.columns), read_clinical(clinical), source=clinical)
    groups = outcomes.assign_groups(table, contrast, source=clinical)
    selected = deseq.select_de(deseq.read_results(de_path), lfc=lfc, p=p_max)
    mirnas = [m for m in selected.sort_values("log2FoldChange")["mirna"] if m in log2.index]
    centred = cluster_mod.centre_rows(log2[list(groups.index)])
    mirnas = cluster_mod.order_rows(centred.loc[mirnas]) if mirnas else mirnas
    what = f"{len(mirnas)} DE miRNAs (|log2FC| > {lfc:g}, p < {p_max:g})"
    default = f"{cluster_mod.contrast_title(contrast)}: {what}"
    plots.figure2(
        centred,
        mirnas,
        groups,
        contrast.name,
        out,
        title=title or (f"Figure 2{panel}. {default}" if panel else default),
        group_labels=cluster_mod.group_labels(contrast),
        panel=panel,
    )


@click.command("volcano")
@click.option(
    "--de",
    "de_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="A results table of `mirscope de`.",
)
@click.option(
    "--lfc",
    default=1.0,
    show_default=True,
    type=float,
    help="|log2 fold change| threshold drawn and used for colouring.",
)
@click.option(
    "--p",
    "p_max",
    default=0.05,
    show_default=True,
    type=float,
    help="p-value threshold drawn and used for colouring.",
)
@click.option("--title", default=None, help="Plot title (default: the contrast in words).")
@click.option(
    "--contrast",
    "contrast_text",
    default=None,
    help="NAME:VARIABLE:RULE of the test, to name its groups on the fold-change axis.",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help=".png (+ .pdf).")
def volcano_cmd(de_path, lfc, p_max, title, contrast_text, out):
    """Volcano plot of a `mirscope de` table."""
    from mirscope.plots import de as plots

    table = deseq.read_results(de_path).set_index("mirna")
    groups = None
    if contrast_text:
        contrast = outcomes.Contrast.parse(contrast_text)
        groups = cluster_mod.group_labels(contrast)
        title = title or cluster_mod.contrast_title(contrast)
    plots.volcano(table, out, title=title or de_path, lfc=lfc, p=p_max, groups=groups)


COMMANDS = [normalize_cmd, de_cmd, de_select_cmd, cluster_cmd, de_heatmap_cmd, volcano_cmd]
