"""Unsupervised clustering of patients on their miRNA profile (Figure 1) and what it means.

The paper clustered the 53 patients on all 573 detected miRNAs in GeneSpring ("Pearson
centered correlation, complete linkage", values "scaled to the mean expression across
samples") and found three clusters, one enriched for bridging failure, CRS >= 2 and ICANS.
We do the same with scipy: log2(normalised + 1), each miRNA centred on its mean over
patients (otherwise every pair of patients correlates ~0.9 through the shared abundance
ranking and the tree reflects library depth), distance ``1 - Pearson r`` between
patients, complete linkage, cut into ``k`` clusters.

Clusters are named ``cluster_0`` .. ``cluster_{k-1}`` in the left-to-right order of the
dendrogram leaves, so the names are stable for a given input (scipy's tie-breaking is
deterministic). Association of each cluster assignment with a clinical variable is tested
by Fisher's exact test on the r x c table (:func:`mirscope.stats.fisher.fisher_exact`, R's
``fisher.test``), patients with the variable missing excluded and counted.

Clinical variable specs (config ``clustering.variables``):

* ``column`` -- a categorical column as it is (``histology``, ``product``);
* ``column=level`` -- that level vs every other (``bridging=failure``);
* a contrast name (``crs_ge2``, ``icans``) -- its case/control groups
  (:mod:`mirscope.inputs.outcomes`).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster import hierarchy
from scipy.spatial.distance import pdist

from mirscope.errors import InputError, MirscopeWarning
from mirscope.inputs import outcomes
from mirscope.inputs.labels import COLUMNS, contrast_label

DEFAULT_VARIABLES = ("bridging=failure", "crs_ge2", "icans", "histology", "product")

ASSOCIATION_COLUMNS = ["variable", "level", "n", "n_missing", "p_value"]


@dataclass
class Clustering:
    """Cluster per patient, the patient linkage (for the dendrogram) and the leaf order."""

    clusters: pd.Series  # index sample_id, values cluster_0..
    linkage: np.ndarray
    order: list[str]  # patients left to right
    centred: pd.DataFrame  # miRNAs x patients, mean-centred log2 values


def centre_rows(log2: pd.DataFrame) -> pd.DataFrame:
    """Subtract each miRNA's mean over patients (the heatmap's colour scale)."""
    return log2.sub(log2.mean(axis=1), axis=0)


def cluster_patients(log2: pd.DataFrame, k: int = 3) -> Clustering:
    """Complete-linkage clustering of patients (columns) on 1 - Pearson r of centred rows.

    Raises :class:`InputError` when there are fewer patients than clusters, fewer than two
    miRNAs, or a patient whose centred profile is constant (its correlation is undefined).
    """
    n = log2.shape[1]
    if k < 2:
        raise InputError("number of clusters must be at least 2", value=k, allowed=">= 2")
    if n < k:
        raise InputError(
            f"cannot cut {n} patient(s) into {k} clusters",
            value=n,
            allowed=f"at least {k} samples",
        )
    data = centre_rows(log2.loc[log2.var(axis=1) > 0])
    if data.shape[0] < 2:
        raise InputError(
            "fewer than two miRNAs vary between patients; nothing to cluster on",
            value=data.shape[0],
        )
    flat = data.columns[data.std(axis=0) == 0]
    if len(flat):
        raise InputError(
            "patient's centred profile is constant, so its correlation is undefined",
            column=str(flat[0]),
        )
    dist = pdist(data.T.to_numpy(), metric="correlation")
    link = hierarchy.linkage(dist, method="complete")
    raw = hierarchy.fcluster(link, t=k, criterion="maxclust")
    leaves = hierarchy.leaves_list(link)
    order = [str(data.columns[i]) for i in leaves]
    names: dict[int, str] = {}
    for i in leaves:
        if raw[i] not in names:
            names[raw[i]] = f"cluster_{len(names)}"
    clusters = pd.Series([names[c] for c in raw], index=data.columns.astype(str), name="cluster")
    if clusters.nunique() < k:
        warnings.warn(
            f"the tree gives only {clusters.nunique()} distinct clusters, not {k} (ties)",
            MirscopeWarning,
            stacklevel=2,
        )
    return Clustering(clusters, link, order, centre_rows(log2))


def order_rows(centred: pd.DataFrame) -> list[str]:
    """miRNAs ordered by complete-linkage clustering on 1 - Pearson r (heatmap rows)."""
    data = centred.loc[centred.std(axis=1) > 0]
    if data.shape[0] < 3:
        return list(centred.index)
    link = hierarchy.linkage(pdist(data.to_numpy(), metric="correlation"), method="complete")
    ordered = [str(data.index[i]) for i in hierarchy.leaves_list(link)]
    return ordered + [str(i) for i in centred.index if i not in set(ordered)]


def variable_values(
    clinical: pd.DataFrame,
    spec: str,
    contrasts: Sequence[outcomes.Contrast] = (),
    *,
    source: str = "clinical table",
) -> pd.Series:
    """The categorical values of one variable spec per patient (NA where missing)."""
    by_name = {c.name: c for c in contrasts}
    if spec in by_name:
        labels = outcomes.classify(clinical, by_name[spec], source=source)
        labels = labels.map({outcomes.CASE: "yes", outcomes.CONTROL: "no"})
        labels.index = labels.index.astype(str)
        return labels.rename(spec)
    column, _, level = spec.partition("=")
    if column not in clinical.columns:
        raise InputError(
            "clustering variable names a column that is missing",
            path=source,
            column=column,
            value=spec,
            allowed="a clinical column, column=level, or a contrast name: "
            + ", ".join(list(map(str, clinical.columns)) + list(by_name)),
        )
    values = clinical[column].astype(object).where(clinical[column].notna(), None)
    values = values.map(lambda v: None if v is None or str(v).strip() == "" else str(v))
    if level:
        values = values.map(lambda v: None if v is None else ("yes" if v == level else "no"))
    values.index = values.index.astype(str)
    return values.rename(spec)


def associations(
    clusters: pd.Series,
    clinical: pd.DataFrame,
    variables: Iterable[str] = DEFAULT_VARIABLES,
    contrasts: Sequence[outcomes.Contrast] = (),
    *,
    source: str = "clinical table",
) -> pd.DataFrame:
    """Fisher's exact test of cluster x variable, one row per variable level.

    Columns: ``variable`` (the spec), ``level``, ``n`` (patients with that level), one
    column per cluster (patients of that level in the cluster), ``n_missing`` (patients
    excluded because the variable is missing), ``p_value`` (two-sided r x c Fisher test on
    the whole table, repeated on each level's row; NA when fewer than two levels or
    clusters remain).
    """
    from mirscope.stats.fisher import fisher_exact

    cluster_names = sorted(clusters.unique(), key=lambda c: int(c.split("_")[-1]))
    rows = []
    for spec in variables:
        values = variable_values(clinical, spec, contrasts, source=source).reindex(clusters.index)
        known = values.notna()
        table = pd.crosstab(values[known], clusters[known]).reindex(
            columns=cluster_names, fill_value=0
        )
        table = table.sort_index()
        nonempty = table.loc[:, table.sum(axis=0) > 0]
        p = (
            fisher_exact(nonempty.to_numpy(dtype=int))
            if nonempty.shape[0] >= 2 and nonempty.shape[1] >= 2
            else np.nan
        )
        for level, counts in table.iterrows():
            row = {"variable": spec, "level": level, "n": int(counts.sum())}
            row.update({c: int(counts[c]) for c in cluster_names})
            row.update({"n_missing": int((~known).sum()), "p_value": p})
            rows.append(row)
    cols = ["variable", "level", "n", *cluster_names, "n_missing", "p_value"]
    return pd.DataFrame(rows, columns=cols)


def clusters_table(clustering: Clustering) -> pd.DataFrame:
    """``sample_id``, ``cluster``, ``order`` (position in the dendrogram, 1-based)."""
    pos = {s: i + 1 for i, s in enumerate(clustering.order)}
    df = pd.DataFrame(
        {
            "sample_id": clustering.clusters.index,
            "cluster": clustering.clusters.to_numpy(),
            "order": [pos[s] for s in clustering.clusters.index],
        }
    )
    return df.sort_values("order", kind="stable").reset_index(drop=True)


def group_labels(contrast: outcomes.Contrast) -> dict[str, str]:
    """Legend text for a contrast's case/control groups, in the paper's words."""
    if contrast.rule == "responder":
        return {"case": "responders (CR/PR)", "control": "non-responders (SD/PD)"}
    what = COLUMNS.get(contrast.variable, contrast.variable.removesuffix("_grade").upper())
    if contrast.rule == "ge2":
        return {"case": contrast_label(contrast.variable, "ge2"), "control": f"{what} grade 0–1"}
    return {"case": f"{what}", "control": f"no {what}"}


def contrast_title(contrast: outcomes.Contrast) -> str:
    """A figure title for a contrast: "CRS grade ≥ 2 vs CRS grade 0–1", or the comparison's
    name before the groups where they do not already say it ("Response at 3 months:
    responders (CR/PR) vs non-responders (SD/PD)"); never the contrast's id."""
    labels = group_labels(contrast)
    what = contrast_label(contrast.variable, contrast.rule)
    groups = f"{labels['case']} vs {labels['control']}"
    return groups if labels["case"].startswith(what) else f"{what}: {groups}"


def figure1_annotations(
    clusters: pd.Series,
    clinical: pd.DataFrame,
    contrasts: Sequence[outcomes.Contrast] = (),
    *,
    source: str = "clinical table",
) -> pd.DataFrame:
    """Annotation bars of Figure 1: cluster, CRS >= 2, ICANS, bridging (where available)."""
    ann = pd.DataFrame({"cluster": clusters})
    table = clinical.loc[clusters.index]
    specs = [
        (contrast_label(c.variable, c.rule), c)
        for c in (
            outcomes.Contrast("crs_ge2", "crs_grade", "ge2"),
            outcomes.Contrast("icans", "icans_grade", "gt0"),
        )
    ]
    for label, contrast in specs:
        if contrast.variable in table.columns:
            ann[label] = variable_values(table, contrast.name, [contrast], source=source)
    if "bridging" in table.columns:
        ann["bridging"] = variable_values(table, "bridging", source=source)
    return ann


#: Figure 1's annotation bars -> the association-table row (variable, level) behind them.
FIGURE1_TESTS = {
    contrast_label("crs_grade", "ge2"): ("crs_ge2", "yes"),
    contrast_label("icans_grade", "gt0"): ("icans", "yes"),
    "bridging": ("bridging=failure", "yes"),
}


def cluster_enrichment(assoc: pd.DataFrame) -> pd.DataFrame:
    """Which cluster holds the highest share of each Figure 1 variable's level, read off the
    :func:`associations` table (the counts and the Fisher p are that table's, not redone).

    Columns: ``annotation`` (the bar's label), ``variable``, ``level``, ``cluster``,
    ``count`` (patients of the level in it), ``size`` (patients of the cluster with the
    variable known), ``p_value``. Rows for variables absent from ``assoc`` are left out.
    """
    clusters = [c for c in assoc.columns if c.startswith("cluster_")]
    rows = []
    for annotation, (variable, level) in FIGURE1_TESTS.items():
        table = assoc[assoc["variable"] == variable]
        hit = table[table["level"] == level]
        if hit.empty or not clusters:
            continue
        sizes = table[clusters].sum(axis=0)
        share = hit[clusters].iloc[0] / sizes.where(sizes > 0)
        if share.isna().all():
            continue
        best = str(share.idxmax())
        rows.append(
            {
                "annotation": annotation,
                "variable": variable,
                "level": level,
                "cluster": best,
                "count": int(hit[best].iloc[0]),
                "size": int(sizes[best]),
                "p_value": float(hit["p_value"].iloc[0]),
            }
        )
    cols = ["annotation", "variable", "level", "cluster", "count", "size", "p_value"]
    return pd.DataFrame(rows, columns=cols)
