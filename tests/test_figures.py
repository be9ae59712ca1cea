"""Figure defects a reviewer would flag, checked on the drawn matplotlib objects.

Each plot function's figure is caught at ``save_figure`` (patched per module), then its
artists are measured in display space: legends against curves, points and labels; titles
against internal ids; forest axes against the CIs they must show; panel letters and axis
labels of the Supplementary Figure S1 composite. Geometry here is checked independently
of :func:`mirscope.plots.common.covers` (curves are sampled densely, not intersected).
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from mirscope.cli import main
from mirscope.inputs.labels import IDS, contrast_label, endpoint_ylabel, label
from mirscope.plots import companion as companion_plots
from mirscope.plots import de as de_plots
from mirscope.plots import models as model_plots
from mirscope.plots import survival as surv_plots
from mirscope.plots import unassigned as unassigned_plots
from mirscope.survival.km import km_table

INTERNAL_ID = re.compile(r"\b(crs_ge2|icans_ge2|response_3m|response_12m|icans)\b:?")


@pytest.fixture
def figures(monkeypatch):
    """Every figure a plot function saves, in order, still open for measuring."""
    caught = []

    def keep(fig, path):
        fig.canvas.draw()
        caught.append(fig)

    for mod in (de_plots, model_plots, surv_plots, companion_plots, unassigned_plots):
        monkeypatch.setattr(mod, "save_figure", keep)
    yield caught
    import matplotlib.pyplot as plt

    for fig in caught:
        plt.close(fig)


def _legend_box(ax):
    legend = ax.get_legend()
    assert legend is not None
    return legend.get_window_extent(ax.figure.canvas.get_renderer())


def _drawn_points(line, per_segment=60):
    """Display points along a line as drawn (steps included), sampled densely."""
    x = np.asarray(line.get_xdata(), float)
    y = np.asarray(line.get_ydata(), float)
    if line.get_drawstyle() == "steps-post" and len(x) > 1:
        x, y = np.repeat(x, 2)[1:], np.repeat(y, 2)[:-1]
    xy = line.get_transform().transform(np.column_stack([x, y]))
    if len(xy) < 2:
        return xy
    t = np.linspace(0, 1, per_segment)[:, None]
    return np.concatenate([a + t * (b - a) for a, b in zip(xy[:-1], xy[1:], strict=False)])


# --- labels: one mapping from ids to words ---------------------------------------------


def test_ids_map_to_the_papers_words():
    assert contrast_label("crs_grade", "ge2") == "CRS grade ≥ 2"
    assert label("crs_ge2") == "CRS grade ≥ 2"
    assert label("response_3m") == "Response at 3 months"
    assert label("pfs_days") == "Progression-free survival (PFS)"
    assert endpoint_ylabel("ttp") == "Freedom from progression"
    assert all(not INTERNAL_ID.search(text) for text in IDS.values())
    assert label("my_custom_column") == "my_custom_column"


def test_volcano_titles_of_the_default_contrasts():
    from mirscope.inputs.outcomes import Contrast
    from mirscope.stats.cluster import contrast_title

    titles = {
        name: contrast_title(Contrast(name, variable, rule))
        for name, variable, rule in [
            ("crs_ge2", "crs_grade", "ge2"),
            ("icans", "icans_grade", "gt0"),
            ("icans_ge2", "icans_grade", "ge2"),
            ("response_3m", "response_3m", "responder"),
            ("response_12m", "response_12m", "responder"),
        ]
    }
    assert titles["crs_ge2"] == "CRS grade ≥ 2 vs CRS grade 0–1"
    assert titles["icans"] == "ICANS vs no ICANS"
    assert titles["response_3m"].startswith("Response at 3 months: responders")
    assert not any(INTERNAL_ID.search(t) for t in titles.values())


# --- volcano: the legend covers no label and no point -----------------------------------


def test_volcano_legend_clear_of_labels_and_points(figures):
    rng = np.random.default_rng(3)
    n = 300
    lfc = rng.normal(0, 0.5, n)
    p = rng.uniform(0.05, 1, n)
    # Strong down-regulated miRNAs in the upper left, where a fixed legend used to sit,
    # and strong up-regulated ones in the upper right.
    lfc[:6], p[:6] = [-2.4, -2.2, -2.0, -1.9, -1.7, -1.6], [1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6]
    lfc[6:10], p[6:10] = [1.5, 1.8, 2.1, 2.3], [1e-10, 1e-8, 1e-7, 1e-9]
    table = pd.DataFrame(
        {"log2FoldChange": lfc, "pvalue": p}, index=[f"hsa-miR-{i}" for i in range(n)]
    )
    de_plots.volcano(table, "v.png", title="Response at 3 months")
    (fig,) = figures
    ax = fig.axes[0]
    box = _legend_box(ax)
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_text().startswith("miR-")]
    assert len(labels) == 10
    for text in labels:
        assert not box.overlaps(text.get_window_extent(renderer)), text.get_text()
    for coll in ax.collections:
        xy = coll.get_offset_transform().transform(coll.get_offsets())
        assert not box.count_contains(xy)


# --- Kaplan–Meier: the legend covers no curve ------------------------------------------


def _four_groups(seed=5):
    """Four PFS groups; one stays high to the end of follow-up (the upper right is busy)."""
    rng = np.random.default_rng(seed)
    rows = []
    for g, (scale, n) in enumerate([(300, 9), (20000, 18), (120, 17), (500, 9)]):
        t = rng.exponential(scale, n)
        c = rng.uniform(400, 1800, n)
        rows += [
            {"group": f"group {g} label text", "pfs_days": min(a, b), "pfs_event": int(a <= b)}
            for a, b in zip(t, c, strict=True)
        ]
    return pd.DataFrame(rows)


def test_km_legend_covers_no_curve(figures):
    _, fitted, test = km_table(
        _four_groups(),
        time="pfs_days",
        event="pfs_event",
        group="group",
        at_risk_times=[0, 500, 1000, 1500],
        endpoint="pfs",
    )
    surv_plots.km_plot(fitted, test, "km.png", title="PFS by expansion and ferritin")
    (fig,) = figures
    ax = fig.axes[0]
    box = _legend_box(ax)
    curves = [line for line in ax.get_lines() if line.get_drawstyle() == "steps-post"]
    assert len(curves) == 4
    for line in curves:
        assert not box.count_contains(_drawn_points(line)), line.get_label()


# --- forest plots: clipped CIs shown as clipped, limits from the data -------------------

ICANS = pd.DataFrame(
    {
        "term": ["hsa-miR-1290", "hsa-miR-3183", "histology_pmbcl", "crp"],
        "odds_ratio": [34.99, 21.07, 3303.3, 0.882],
        "ci_low": [0.855, 0.705, 0.897, 0.217],
        "ci_high": [1431.1, 629.9, 12169691.97, 3.585],
        "p_value": [0.06, 0.079, 0.053, 0.86],
    }
)


def _forest(table, **kw):
    surv_plots.forest_plot(
        table,
        "f.png",
        estimate="odds_ratio",
        title="t",
        lower="ci_low",
        upper="ci_high",
        p_col="p_value",
        **kw,
    )


def test_forest_clipped_ci_has_an_arrow_and_its_value(figures):
    _forest(ICANS)
    (fig,) = figures
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    top = ICANS["ci_high"].max()
    arrows = [ln for ln in ax.get_lines() if ln.get_gid() == "clipped_ci"]
    # Either the axis shows the whole interval or the clipped end is an arrow at the edge.
    assert hi >= top or any(ln.get_marker() == ">" for ln in arrows)
    if hi < top:
        (arrow,) = arrows
        assert arrow.get_xdata()[0] == pytest.approx(hi)
        row_y = 3 - ICANS.index[ICANS.term == "histology_pmbcl"][0]
        assert arrow.get_ydata()[0] == row_y
        caps = [
            ln
            for ln in ax.get_lines()
            if ln.get_gid() == "ci_cap" and ln.get_ydata()[0] == row_y and ln.get_xdata()[0] == hi
        ]
        assert not caps  # no ordinary end cap where the interval was cut
        assert any(t.get_text() == "1.2e7" for t in ax.texts)
    # Every unclipped interval is inside the axis.
    for _, r in ICANS.drop(index=2).iterrows():
        assert lo <= r.ci_low and r.ci_high <= hi


def test_model_forest_shows_clipped_ci(figures):
    """The clinical models' forest (the ICANS model of the demo: OR CI up to 1.2e7)."""
    coef = ICANS.rename(columns={"p_value": "p_value"})
    intercept = pd.DataFrame(
        [{"term": "(Intercept)", "odds_ratio": 1e-11, "ci_low": 1e-20, "ci_high": 0.06}]
    )
    fit = SimpleNamespace(table=lambda: pd.concat([intercept, coef]), method="ml")
    stability = pd.DataFrame(
        {
            "variable": ICANS["term"],
            "resample_frequency": [0.9, 0.3, 0.8, 0.6],
            "loocv_frequency": [1.0, 0.4, 0.9, 0.7],
        }
    )
    result = SimpleNamespace(
        fit=fit,
        spec=SimpleNamespace(name="icans", mode="toxicity", mirna_scale="log2"),
        stability=stability,
        unstable=lambda: ["hsa-miR-3183"],
    )
    model_plots.forest_plot(result, "m.png")
    ax = figures[0].axes[0]
    hi = ax.get_xlim()[1]
    arrows = [ln for ln in ax.get_lines() if ln.get_gid() == "clipped_ci"]
    assert hi >= 12169691.97 or [ln.get_marker() for ln in arrows] == [">"]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "(Intercept)" not in labels
    # each predictor's stability in its label, the unstable one flagged, terms in words
    assert "hsa-miR-1290 (90% of resamples, 100% of LOOCV folds)" in labels
    assert "hsa-miR-3183 (30% of resamples, 40% of LOOCV folds; unstable)" in labels
    assert any(t.startswith("PMBCL histology (80% of resamples") for t in labels)
    assert ax.get_title() == "ICANS: final logistic model"
    subtitle = [t.get_text() for t in ax.texts if t.get_gid() == "subtitle"]
    assert subtitle == [
        "miRNAs: OR per doubling of normalised count (log2 scale); outcome: ICANS = 1"
    ]


def test_forest_limits_follow_the_data(figures):
    small = pd.DataFrame(
        {
            "term": ["a", "b"],
            "odds_ratio": [1.5, 0.7],
            "ci_low": [0.9, 0.4],
            "ci_high": [2.6, 1.2],
            "p_value": [0.1, 0.2],
        }
    )
    _forest(small)
    (fig,) = figures
    lo, hi = fig.axes[0].get_xlim()
    assert 0.1 < lo <= 0.4 and 2.6 <= hi < 10
    assert not [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "clipped_ci"]


def test_companion_forest_titles_name_endpoint_and_model(tmp_path, figures):
    rng = np.random.default_rng(2)
    n = 60
    x = rng.integers(0, 2, n)
    t = rng.exponential(400 / np.exp(0.8 * x))
    d = pd.DataFrame(
        {
            "sample_id": [f"P{i}" for i in range(n)],
            "pfs_days": np.round(t) + 1,
            "pfs_event": (rng.random(n) < 0.8).astype(int),
            "responder": (rng.random(n) < 0.3 + 0.4 * x).astype(int),
            "expander": x,
            "age": rng.normal(60, 8, n).round(),
        }
    )
    d.to_csv(tmp_path / "t.tsv", sep="\t", index=False)
    base = ["--table", str(tmp_path / "t.tsv"), "--covariates", "expander,age"]
    cox = ["cox", *base, "--time", "pfs_days", "--event", "pfs_event"]
    assert main([*cox, "--out", str(tmp_path / "c.tsv"), "--figure", str(tmp_path / "c.png")]) == 0
    logit = ["logistic-or", *base, "--outcome", "responder", "--endpoint", "response_3m"]
    assert (
        main([*logit, "--out", str(tmp_path / "l.tsv"), "--figure", str(tmp_path / "l.png")]) == 0
    )
    cox_title, logit_title = (f.axes[0].get_title() for f in figures)
    assert cox_title == "Progression-free survival (PFS): multivariable Cox model"
    assert logit_title == "Response at 3 months: multivariable logistic model"
    # what the ratio is of: the event or the outcome coded 1
    subtitles = [
        next(t.get_text() for t in f.axes[0].texts if t.get_gid() == "subtitle") for f in figures
    ]
    assert subtitles == [
        "Event: progression or death = 1, censored = 0",
        "Outcome: responder (CR/PR) = 1, non-responder (SD/PD) = 0",
    ]


# --- cumulative incidence names its event ----------------------------------------------


def test_cuminc_names_event_and_competing_event(tmp_path, figures):
    rng = np.random.default_rng(4)
    n = 80
    d = pd.DataFrame(
        {
            "time_days": rng.uniform(10, 1500, n).round(),
            "event": rng.choice([0, 1, 2], n, p=[0.6, 0.15, 0.25]),
            "group": rng.choice(["prior_asct", "no_prior_asct"], n),
        }
    )
    d.to_csv(tmp_path / "e.tsv", sep="\t", index=False)
    args = ["cuminc", "--table", str(tmp_path / "e.tsv"), "--time", "time_days"]
    args += ["--event", "event", "--group", "group", "--event-name", "secondary malignancy"]
    assert main([*args, "--out", str(tmp_path / "o.tsv"), "--figure", str(tmp_path / "o.png")]) == 0
    ax = figures[0].axes[0]
    assert ax.get_ylabel().replace("\n", " ") == "Cumulative incidence of secondary malignancy"
    subtitle = next(t.get_text() for t in ax.texts if t.get_gid() == "subtitle")
    assert "secondary malignancy" in ax.get_title() and "death" in subtitle
    assert any("Competing event: death" in t.get_text() for t in ax.texts)
    # groups in words, percentages as the whole-cohort curve has them, numbers at risk
    legend = sorted(t.get_text() for t in ax.get_legend().get_texts())
    assert legend == ["No prior ASCT", "Prior ASCT"]
    assert all(t.get_text().endswith("%") for t in ax.get_yticklabels() if t.get_text())
    (tab,) = [a for a in figures[0].axes if a.get_title(loc="left") == "Number at risk"]
    at0 = {str((d.group == g).sum()) for g in ("prior_asct", "no_prior_asct")}
    assert at0 <= {t.get_text() for t in tab.texts}  # everyone is at risk at 0


# --- selection plot: a covariate added by univariable p says so -------------------------


def test_selection_plot_labels_added_covariate(figures):
    sel = pd.DataFrame(
        {
            "variable": [f"hsa-miR-{i}" for i in range(20)] + ["crp", "histology_pmbcl"],
            "frequency": list(np.linspace(1.0, 0.2, 20)) + [0.15, 0.1],
            "mean_coefficient": 0.1,
            "resample_frequency": [0.9, 0.3] + [0.0] * 18 + [0.0, 0.7],
            "loocv_frequency": [1.0, 0.6] + [0.0] * 18 + [0.0, 0.8],
        }
    )
    spec = SimpleNamespace(
        name="icans_ge2",
        mode="toxicity",
        covariates=["crp", "histology_pmbcl"],
        covariate_alpha=0.05,
        stability_threshold=0.5,
    )
    result = SimpleNamespace(
        selection=sel,
        predictors=["hsa-miR-0", "hsa-miR-1", "histology_pmbcl"],
        spec=spec,
        unstable=lambda: ["hsa-miR-1"],
    )
    model_plots.selection_bars(result, "s.png")
    ax = figures[0].axes[0]
    ticks = {t.get_text() for t in ax.get_yticklabels()}
    added = [t for t in ticks if t.startswith("PMBCL histology")]
    # Shown although it ranks below the top bars, labelled as added, in words.
    assert added and "added" in added[0]
    assert "hsa-miR-0" in ticks and not any("added" in t for t in ticks - set(added))
    assert "hsa-miR-1 [unstable]" in ticks and not any("unstable" in t for t in added)
    assert any(ln.get_xdata()[0] == 0.5 for ln in ax.get_lines())  # the threshold
    assert not any(t.startswith("CRP") and "added" in t for t in ticks)
    assert not any(t.startswith(("histology_pmbcl", "crp")) for t in ticks)
    assert not INTERNAL_ID.search(ax.get_title()) and ax.get_title().startswith("ICANS grade ≥ 2")


def test_model_terms_read_as_words():
    from mirscope.inputs.labels import term_label

    assert term_label("histology_pmbcl") == "PMBCL histology"
    assert term_label("ecog_ge1") == "ECOG ≥ 1"
    assert term_label("crp") == "CRP"
    assert term_label("bridging[response]") == "Bridging: response"
    assert term_label("product[tisa-cel]:expander") == "CAR T product: tisa-cel × CAR T expander"
    assert term_label("ferritin_high") == "Ferritin > median"
    assert term_label("hsa-miR-542-5p") == "hsa-miR-542-5p"


# --- Figure 2 and volcano titles carry no internal id -----------------------------------


def test_figure2_default_title_has_no_internal_id(tmp_path, figures):
    rng = np.random.default_rng(8)
    samples = [f"P{i:02d}" for i in range(12)]
    mirnas = [f"hsa-miR-{i}" for i in range(30)]
    log2 = pd.DataFrame(rng.normal(5, 1, (30, 12)), index=mirnas, columns=samples)
    log2.rename_axis("mirna").to_csv(tmp_path / "log2.tsv", sep="\t")
    pd.DataFrame({"sample_id": samples, "crs_grade": [0, 1, 2, 3] * 3}).to_csv(
        tmp_path / "clinical.tsv", sep="\t", index=False
    )
    de = pd.DataFrame(
        {
            "mirna": mirnas,
            "baseMean": 10.0,
            "log2FoldChange": np.r_[[2.0, -2.0], np.zeros(28)],
            "lfcSE": 0.3,
            "stat": 1.0,
            "pvalue": np.r_[[0.001, 0.002], np.full(28, 0.5)],
            "padj": 0.5,
        }
    )
    de.to_csv(tmp_path / "de.tsv", sep="\t", index=False)
    args = ["de-heatmap", "--log2", str(tmp_path / "log2.tsv"), "--clinical"]
    args += [str(tmp_path / "clinical.tsv"), "--de", str(tmp_path / "de.tsv")]
    args += ["--contrast", "crs_ge2:crs_grade:ge2", "--out", str(tmp_path / "f2.png")]
    assert main(args) == 0
    titles = [ax.get_title(loc="left") for ax in figures[0].axes]
    title = next(t for t in titles if t)
    assert title.startswith("CRS grade ≥ 2") and not INTERNAL_ID.search(title)


# --- Supplementary Figure S1 composite --------------------------------------------------


def _s1_cohort(tmp_path, n=53, seed=9):
    rng = np.random.default_rng(seed)
    ids = [f"P{i:02d}" for i in range(1, n + 1)]
    x = rng.gamma(2.0, 4.0, n)
    os_days = np.round(rng.exponential(900 / np.exp(0.1 * x))) + 1
    event = (rng.random(n) < 0.7).astype(int)
    pfs = np.round(os_days * rng.uniform(0.3, 1, n)) + 1
    pd.DataFrame(
        {
            "sample_id": ids,
            "os_days": os_days,
            "os_event": event,
            "pfs_days": pfs,
            "pfs_event": event,
            "ttp_days": pfs,
            "ttp_event": event,
        }
    ).to_csv(tmp_path / "clinical.tsv", sep="\t", index=False)
    pd.DataFrame(
        [["hsa-let-7a-5p", *rng.random(n)], ["hsa-miR-542-5p", *x]], columns=["mirna", *ids]
    ).to_csv(tmp_path / "norm.tsv", sep="\t", index=False)


def test_suppfig_s1_composite_panels(tmp_path, figures):
    _s1_cohort(tmp_path)
    args = ["survival", "--clinical", str(tmp_path / "clinical.tsv")]
    args += ["--normalized", str(tmp_path / "norm.tsv"), "--cutpoint-out"]
    args += [str(tmp_path / "cut.tsv"), "--km-out", str(tmp_path / "km.tsv")]
    assert main([*args, "--figure-prefix", str(tmp_path / "s1")]) == 0
    cut = pd.read_csv(tmp_path / "cut.tsv", sep="\t").cutpoint[0]
    assert len(figures) == 4  # one per endpoint, then the composite
    composite = figures[-1]
    curves = [ax for ax in composite.axes if ax.get_ylabel()]
    assert [ax.get_ylabel() for ax in curves] == [
        "Overall survival",
        "Progression-free survival",
        "Freedom from progression",
    ]
    letters = [[t.get_text() for t in ax.texts if t.get_text() in ("A", "B", "C")] for ax in curves]
    assert letters == [["A"], ["B"], ["C"]]
    for ax in curves:
        legend = ax.get_legend()
        assert "normalised counts" in legend.get_title().get_text()
        entries = [t.get_text() for t in legend.get_texts()]
        assert f"≤ {cut:.3g}" in entries[0] and f"> {cut:.3g}" in entries[1]
        assert not _legend_box(ax).count_contains(
            np.concatenate(
                [_drawn_points(ln) for ln in ax.get_lines() if ln.get_drawstyle() == "steps-post"]
            )
        )
    # Numbers at risk under every panel, as in the per-endpoint files.
    tables = [ax for ax in composite.axes if ax.get_title(loc="left") == "Number at risk"]
    assert len(tables) == 3
    # The per-endpoint files carry the same y-labels.
    assert [f.axes[0].get_ylabel() for f in figures[:3]] == [ax.get_ylabel() for ax in curves]


# --- Figure 1: patients as rows, enrichment received from the stats table ---------------


def _figure1_inputs():
    """12 patients x 40 miRNAs of noise, clustered as Figure 1 clusters them."""
    from scipy.cluster import hierarchy

    rng = np.random.default_rng(1)
    patients = [f"P{i:02d}" for i in range(12)]
    mirnas = [f"hsa-miR-{i}" for i in range(40)]
    centred = pd.DataFrame(rng.normal(0, 1, (40, 12)), index=mirnas, columns=patients)
    link = hierarchy.linkage(centred.T.to_numpy(), method="complete", metric="correlation")
    order = [patients[i] for i in hierarchy.leaves_list(link)]
    return centred, mirnas, link, order, patients


def test_figure1_patients_as_rows_with_received_enrichment(figures):
    centred, mirnas, link, order, patients = _figure1_inputs()
    ann = pd.DataFrame(
        {"cluster": ["cluster_0"] * 6 + ["cluster_1"] * 6, "ICANS": ["no", "yes"] * 6},
        index=patients,
    )
    # A p no test on these data would give: the figure must print what it is handed.
    enrichment = pd.DataFrame(
        [
            {
                "annotation": "ICANS",
                "variable": "icans",
                "level": "yes",
                "cluster": "cluster_1",
                "count": 5,
                "size": 6,
                "p_value": 0.01234,
            }
        ]
    )
    de_plots.figure1(centred, mirnas, link, order, ann, "f1.png", enrichment=enrichment)
    fig = figures[0]
    heat = next(ax for ax in fig.axes if ax.images and ax.images[0].get_array().shape == (12, 40))
    assert [t.get_text() for t in heat.get_yticklabels()] == order
    note = next(t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == "enrichment")
    assert "cluster_1" in note and "5/6" in note and "p = 0.012" in note


def test_ratio_labels_take_the_exponent_form_at_both_ends():
    """Tick and CI labels of a forest plot: small and large ratios as 1.2e7 / 5e-4
    (a tick at 1e-4 once failed to format)."""
    from mirscope.plots.survival import _ratio_text

    assert _ratio_text(1.2e7) == "1.2e7"
    assert _ratio_text(1e4) == "1e4"
    assert _ratio_text(1e-4) == "1e-4"
    assert _ratio_text(5e-4) == "5e-4"
    assert _ratio_text(0.00123) == "0.00123"
    assert _ratio_text(35.04) == "35"
    assert _ratio_text(float("inf")) == "∞"


# --- Supplementary Figure S1: the boundary as patients are assigned; colours ------------

HIGH_RED = "#d62728"  # the convention every marker split follows: high = red, low = blue


def _run_s1(tmp_path):
    _s1_cohort(tmp_path)
    args = ["survival", "--clinical", str(tmp_path / "clinical.tsv")]
    args += ["--normalized", str(tmp_path / "norm.tsv"), "--cutpoint-out"]
    args += [str(tmp_path / "cut.tsv"), "--km-out", str(tmp_path / "km.tsv")]
    assert main([*args, "--figure-prefix", str(tmp_path / "s1")]) == 0
    cut = pd.read_csv(tmp_path / "cut.tsv", sep="\t").cutpoint[0]
    x = pd.read_csv(tmp_path / "norm.tsv", sep="\t").set_index("mirna").loc["hsa-miR-542-5p"]
    return cut, x.to_numpy(float)


def _curve_colors(ax):
    """Legend text -> colour of its curve."""
    legend = ax.get_legend()
    return {
        t.get_text(): h.get_color()
        for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)
    }


def test_suppfig_s1_legend_boundary_is_the_assignment_rule(tmp_path, figures):
    """survminer's surv_categorize puts x <= cutpoint in "low", and surv_cutpoint returns an
    observed value, so a patient sits on the cut-off: the "≤" group must count them."""
    cut, x = _run_s1(tmp_path)
    assert (x == cut).any()  # the cut-off is an observed value
    n_low, n_high = int((x <= cut).sum()), int((x > cut).sum())
    composite = figures[-1]
    assert composite._suptitle.get_text().startswith("Supplementary Figure S1.")
    assert [f.axes[0].get_title() for f in figures[:3]] == [
        f"Supplementary Figure S1{c}. {p} by miR-542-5p"
        for c, p in zip(
            "ABC",
            [
                "Overall survival (OS)",
                "Progression-free survival (PFS)",
                "Time to progression (TTP)",
            ],
            strict=True,
        )
    ]
    os_ax, pfs_ax = [ax for ax in composite.axes if ax.get_ylabel()][:2]
    for ax in (os_ax, pfs_ax):  # every patient has OS and PFS
        entries = [t.get_text() for t in ax.get_legend().get_texts()]
        assert entries == [f"low, ≤ {cut:.3g} (n = {n_low})", f"high, > {cut:.3g} (n = {n_high})"]
    # The at-risk rows name the marker, as the paper's do.
    tables = [ax for ax in composite.axes if ax.get_title(loc="left") == "Number at risk"]
    for tab in tables:
        rows = {t.get_text() for t in tab.get_yticklabels()}
        assert rows == {f"miR-542-5p ≤ {cut:.3g}", f"miR-542-5p > {cut:.3g}"}
    note = next(t.get_text() for t in composite.texts if t.get_gid() == "footnote")
    assert "surv_categorize" in note and f"≤ {cut:.3g}" in note and "low group" in note


def test_high_is_red_in_suppfig_s1_and_the_zuma5_km(tmp_path, figures):
    _run_s1(tmp_path)
    s1 = _curve_colors(figures[-1].axes[0])
    s1_high = next(c for t, c in s1.items() if t.startswith("high"))
    s1_low = next(c for t, c in s1.items() if t.startswith("low"))
    figures.clear()
    rng = np.random.default_rng(1)
    n = 50
    ids = [f"P{i:02d}" for i in range(n)]
    cov = pd.DataFrame(
        {"sample_id": ids, "tmtv": rng.lognormal(5, 1, n), "age": rng.normal(60, 9, n)}
    )
    t = np.round(rng.exponential(600 / np.exp(0.8 * (cov.tmtv > cov.tmtv.median())))) + 1
    clinical = pd.DataFrame(
        {
            "sample_id": ids,
            "response_3m": rng.choice(["CR", "PD"], n),
            "pfs_days": t,
            "pfs_event": (rng.random(n) < 0.8).astype(int),
        }
    )
    cov.to_csv(tmp_path / "cov.tsv", sep="\t", index=False)
    clinical.to_csv(tmp_path / "c.tsv", sep="\t", index=False)
    args = ["importance", "--covariates", str(tmp_path / "cov.tsv"), "--clinical"]
    args += [str(tmp_path / "c.tsv"), "--n-seeds", "1", "--n-trees", "10", "--n-repeats", "1"]
    for opt in ("summary", "long", "pruned", "probability", "km"):
        args += [f"--{opt}-out", str(tmp_path / f"{opt}.tsv")]
    assert main([*args, "--figure-prefix", str(tmp_path / "imp")]) == 0
    km = next(f for f in figures if any("median" in t for t in _legend_texts(f)))
    zuma = _curve_colors(km.axes[0])
    high = next(c for txt, c in zuma.items() if "> median" in txt)
    low = next(c for txt, c in zuma.items() if "≤ median" in txt)
    assert (s1_high, s1_low) == (high, low) and high == HIGH_RED
    # the group in words, not its column id
    assert not any("tmtv" in txt for txt in zuma) and "PFS by" in km.axes[0].get_title()


def _legend_texts(fig):
    return [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]


# --- Figure 2: panel letter, clustered rows, readable at the report's width -------------


def test_figure2_panel_letter_and_clustered_rows(tmp_path, figures):
    rng = np.random.default_rng(8)
    samples = [f"P{i:02d}" for i in range(40)]
    base_a, base_b = rng.normal(0, 1, 40), rng.normal(0, 1, 40)
    mirnas = [f"hsa-miR-{i}" for i in range(30)]
    rows = np.array(
        [(base_a if i % 2 == 0 else base_b) + rng.normal(0, 0.2, 40) for i in range(30)]
    )
    pd.DataFrame(rows + 8, index=mirnas, columns=samples).rename_axis("mirna").to_csv(
        tmp_path / "log2.tsv", sep="\t"
    )
    pd.DataFrame({"sample_id": samples, "crs_grade": [0, 1, 2, 3] * 10}).to_csv(
        tmp_path / "clinical.tsv", sep="\t", index=False
    )
    # Twelve DE miRNAs whose fold-change order alternates the two co-expressed blocks.
    de = pd.DataFrame(
        {
            "mirna": mirnas,
            "baseMean": 10.0,
            "log2FoldChange": np.r_[np.linspace(-3, -1.5, 6), np.linspace(1.5, 3, 6), np.zeros(18)],
            "lfcSE": 0.3,
            "stat": 1.0,
            "pvalue": np.r_[np.full(12, 0.001), np.full(18, 0.5)],
            "padj": 0.5,
        }
    )
    de.to_csv(tmp_path / "de.tsv", sep="\t", index=False)
    args = ["de-heatmap", "--log2", str(tmp_path / "log2.tsv"), "--clinical"]
    args += [str(tmp_path / "clinical.tsv"), "--de", str(tmp_path / "de.tsv"), "--panel", "A"]
    args += ["--contrast", "crs_ge2:crs_grade:ge2", "--out", str(tmp_path / "f2.png")]
    assert main(args) == 0
    fig = figures[0]
    letters = [t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == "panel_letter"]
    assert letters == ["A"]
    title = next(t for ax in fig.axes if (t := ax.get_title(loc="left")))
    assert title.startswith("Figure 2A. CRS grade ≥ 2 vs CRS grade 0–1")
    heat = max((ax for ax in fig.axes if ax.images), key=lambda ax: len(ax.get_yticklabels()))
    shown = [t.get_text() for t in heat.get_yticklabels()]
    assert len(shown) == 12
    block = [int(m.split("-")[-1]) % 2 for m in shown]
    assert sum(a != b for a, b in zip(block, block[1:], strict=False)) == 1  # two blocks
    # Legible when the report scales the figure down: 8 inches wide, 9-point names.
    assert fig.get_figwidth() <= 8.5
    assert min(t.get_fontsize() for t in heat.get_yticklabels()) >= 9


# --- Figure 1: a title, not a sentence; bridging "none" is not the grey of "no" -------


def test_figure1_short_title_and_distinct_none(figures):
    from matplotlib.colors import to_rgb

    centred, mirnas, link, order, patients = _figure1_inputs()
    ann = pd.DataFrame(
        {
            "cluster": ["cluster_0"] * 6 + ["cluster_1"] * 6,
            "ICANS": ["no", "yes"] * 6,
            "bridging": ["none", "response", "failure"] * 4,
        },
        index=patients,
    )
    de_plots.figure1(centred, mirnas, link, order, ann, "f1.png")
    fig = figures[0]
    title = next(ax.get_title() for ax in fig.axes if ax.get_title())
    assert title.startswith("Figure 1.") and len(title) <= 70 and ";" not in title
    patches = {
        (leg.get_title().get_text(), t.get_text().split(" (")[0]): to_rgb(h.get_facecolor())
        for leg in fig.legends
        for t, h in zip(leg.get_texts(), leg.legend_handles, strict=True)
    }
    none, no = patches[("Bridging", "none")], patches[("ICANS", "no")]
    assert max(abs(a - b) for a, b in zip(none, no, strict=True)) > 0.1


# --- volcano: the fold change's groups by name ----------------------------------------


def test_volcano_names_the_groups(tmp_path, figures):
    rng = np.random.default_rng(3)
    de = pd.DataFrame(
        {
            "mirna": [f"hsa-miR-{i}" for i in range(50)],
            "baseMean": 10.0,
            "log2FoldChange": np.r_[[2.5, -2.5], rng.normal(0, 0.3, 48)],
            "lfcSE": 0.3,
            "stat": 1.0,
            "pvalue": np.r_[[1e-4, 1e-4], rng.uniform(0.1, 1, 48)],
            "padj": 0.5,
        }
    )
    de.to_csv(tmp_path / "de.tsv", sep="\t", index=False)
    args = ["volcano", "--de", str(tmp_path / "de.tsv"), "--contrast"]
    args += ["response_3m:response_3m:responder", "--out", str(tmp_path / "v.png")]
    assert main(args) == 0
    ax = figures[0].axes[0]
    assert ax.get_xlabel() == "log2 fold change (responders (CR/PR) / non-responders (SD/PD))"
    entries = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "higher in responders (n=1)" in entries
    assert "higher in non-responders (n=1)" in entries
    assert ax.get_title().startswith("Response at 3 months") and "case" not in ax.get_xlabel()


# --- forest plots and ROC: what a ratio is of, who the events are ----------------------


def test_forest_subtitle_for_the_models_scale(figures):
    _forest(ICANS, subtitle="OR per doubling of normalised count (log2 scale)")
    ax = figures[0].axes[0]
    (sub,) = [t for t in ax.texts if t.get_gid() == "subtitle"]
    renderer = figures[0].canvas.get_renderer()
    # under the title, above the axes, overlapping neither
    assert not sub.get_window_extent(renderer).overlaps(ax.title.get_window_extent(renderer))
    assert sub.get_window_extent(renderer).y0 >= ax.get_window_extent(renderer).y1


def test_roc_title_says_who_the_events_are(figures):
    y = np.array([1, 1, 1, 0, 0, 1, 0, 1])
    prob = np.linspace(0.9, 0.1, 8)
    result = SimpleNamespace(
        y=y,
        loocv_prob=prob,
        nested_prob=prob,
        spec=SimpleNamespace(name="response_3m", mode="response"),
    )
    model_plots.roc_plot(result, "r.png")
    result.spec = SimpleNamespace(name="crs_ge2", mode="toxicity")
    model_plots.roc_plot(result, "r.png")
    titles = [f.axes[0].get_title() for f in figures]
    assert titles == [
        "Response at 3 months (n = 8; 5 responders)",
        "CRS grade ≥ 2 (n = 8; 5 with CRS grade ≥ 2)",
    ]


# --- companion figures: words, not column ids ------------------------------------------

COLUMN_ID = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")


def _all_text(fig):
    texts = []
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        texts += [t.get_text() for t in ax.texts]
    return [t for t in texts if t]


def test_companion_figures_use_words(figures):
    summary = pd.DataFrame(
        {
            "covariate": ["naive_cd8_pct", "prior_lines_n", "tnf_alpha"],
            "mean": [0.1, 0.05, 0.02],
            "q05": [0.05, 0.0, 0.0],
            "q95": [0.15, 0.1, 0.05],
            "n_seeds": 3,
        }
    )
    long = summary.assign(importance=summary["mean"])[["covariate", "importance"]]
    companion_plots.importance_plot(summary, long, "i.png", title="t")
    curve = pd.DataFrame(
        {
            "covariate": "naive_cd8_pct",
            "value": [20.0, 40.0],
            "probability": [0.2, 0.8],
            "lower_95": [0.1, 0.6],
            "upper_95": [0.4, 0.9],
            "p_wald": 0.01,
        }
    )
    companion_plots.probability_plot(
        curve, np.array([25.0, 35.0]), np.array([0.0, 1.0]), "p.png", title="t", ylabel="y"
    )
    for fig in figures:
        assert not [t for t in _all_text(fig) if COLUMN_ID.search(t)], _all_text(fig)
    assert "Naive CD8+ T cells (%)" in [t.get_text() for t in figures[0].axes[0].get_yticklabels()]


def test_spearman_bars_leave_out_the_references_own_transform(tmp_path, figures):
    rng = np.random.default_rng(5)
    n = 30
    tmtv = rng.lognormal(5, 1, n)
    cov = pd.DataFrame(
        {
            "sample_id": [f"P{i:02d}" for i in range(n)],
            "tmtv": tmtv,
            "tmtv_log": np.round(np.log10(tmtv), 1),  # rounded, as tables give it: rho < 1
            "ldh": tmtv * rng.lognormal(0, 1.0, n),
            "age": rng.normal(60, 10, n),
        }
    )
    cov.to_csv(tmp_path / "cov.tsv", sep="\t", index=False)
    summary = pd.DataFrame(
        {
            "endpoint": ["r"] * 4,
            "rank": [1, 2, 3, 4],
            "covariate": ["tmtv", "tmtv_log", "ldh", "age"],
        }
    )
    summary.to_csv(tmp_path / "s.tsv", sep="\t", index=False)
    args = ["importance-spearman", "--covariates", str(tmp_path / "cov.tsv")]
    args += ["--summary", str(tmp_path / "s.tsv"), "--top", "4", "--reference", "tmtv"]
    args += ["--out", str(tmp_path / "o.tsv"), "--figure", str(tmp_path / "m.png")]
    assert main(args) == 0
    heat, bars = figures[0].axes[0], figures[0].axes[1]
    assert [t.get_text() for t in bars.get_yticklabels()] == ["Age", "LDH"]
    # the map shows TMTV once, not beside its log
    assert "log TMTV" not in [t.get_text() for t in heat.get_yticklabels()]
    note = next(t.get_text() for t in bars.texts if t.get_gid() == "left_out")
    assert "log TMTV" in note


# --- kinetics: the AUC panel has a unit and several ticks -------------------------------


def test_kinetics_auc_axis_has_unit_and_ticks(figures):
    rng = np.random.default_rng(4)
    ids = [f"P{i}" for i in range(20)]
    kin = pd.DataFrame(
        [
            {"sample_id": s, "day": d, "car_t_per_ul": rng.lognormal(2, 1)}
            for s in ids
            for d in (0, 7, 14)
        ]
    )
    groups = pd.Series(["responder", "non-responder"] * 10, index=ids)
    tests = pd.DataFrame({"parameter": ["auc0_30"], "p_mannwhitney": [0.01]})
    tests.attrs["auc_by_group"] = {
        "responder": rng.lognormal(7, 0.8, 10),
        "non-responder": rng.lognormal(5.5, 0.8, 10),
    }
    companion_plots.kinetics_plot(kin, groups, tests, "k.png", title="t")
    bx = figures[0].axes[1]
    assert bx.get_ylabel() == "AUC day 0–30 (CAR T cells/µL × days)"
    lo, hi = bx.get_ylim()
    ticks = [t for t in bx.get_yticks() if lo <= t <= hi]
    assert len(ticks) >= 3


# --- ClonHema: group names, percentages, numbers at risk, months -----------------------


def test_survival_after_event_in_months(figures):
    from mirscope.survival.km import km_overall

    days = np.array([30.0, 91, 183, 365, 400, 730, 800, 1100])
    df = pd.DataFrame({"time": days, "event": [1, 1, 0, 1, 1, 0, 1, 0]})
    _, fitted = km_overall(df, time="time", event="event")
    month = surv_plots.DAYS_PER_MONTH
    surv_plots.km_single_plot(
        fitted,
        "a.png",
        title="t",
        xlabel="Months from the event",
        at_risk_times=[0, 12, 24, 36],
        days_per_unit=month,
        unit="months",
    )
    ax, tab = figures[0].axes
    assert ax.get_xlim()[1] < 40  # months, not days
    assert [t.get_text() for t in tab.texts] == [
        str(int((days / month >= m).sum())) for m in (0, 12, 24, 36)
    ]
    median = next(t.get_text() for t in ax.texts if t.get_text().startswith("Median"))
    assert f"Median {fitted.median / month:.1f} months" in median


# --- unassigned QC: the legend next to its panel ---------------------------------------


def test_unassigned_legend_sits_with_its_panel(tmp_path, figures):
    n = 40
    summary = pd.DataFrame(
        {
            "sample_id": [f"P{i:02d}" for i in range(n)],
            "valid_molecules": 100,
            "assigned_molecules": 80,
            "ambiguous_molecules": 5,
            "hairpin_molecules": 5,
            "unaligned_molecules": 10,
        }
    )
    hists = {
        s: {"assigned": {21: 5, 22: 9}, "unassigned": {25: 3, 30: 2}} for s in summary.sample_id
    }
    unassigned_plots.plot_unassigned(summary, hists, tmp_path / "u")
    fig = figures[0]
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    axes_box = ax.get_window_extent(renderer)
    # above the bars (not stranded under them), under the title
    assert legend.y0 >= axes_box.y1 - 1
    assert legend.y1 <= ax.title.get_window_extent(renderer).y0 + 1
