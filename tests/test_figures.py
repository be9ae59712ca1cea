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
from mirscope.plots import de as de_plots
from mirscope.plots import models as model_plots
from mirscope.plots import survival as surv_plots
from mirscope.survival.km import km_table

INTERNAL_ID = re.compile(r"\b(crs_ge2|icans_ge2|response_3m|response_12m|icans)\b:?")


@pytest.fixture
def figures(monkeypatch):
    """Every figure a plot function saves, in order, still open for measuring."""
    caught = []

    def keep(fig, path):
        fig.canvas.draw()
        caught.append(fig)

    for mod in (de_plots, model_plots, surv_plots):
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
    from mirscope.de.contrasts import Contrast
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
        spec=SimpleNamespace(name="icans"),
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
    assert ax.get_title().split("\n")[0] == "ICANS: final logistic model"


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


# --- cumulative incidence names its event ----------------------------------------------


def test_cuminc_names_event_and_competing_event(tmp_path, figures):
    rng = np.random.default_rng(4)
    n = 80
    d = pd.DataFrame(
        {
            "time_days": rng.uniform(10, 1500, n).round(),
            "event": rng.choice([0, 1, 2], n, p=[0.6, 0.15, 0.25]),
            "group": rng.choice(["a", "b"], n),
        }
    )
    d.to_csv(tmp_path / "e.tsv", sep="\t", index=False)
    args = ["cuminc", "--table", str(tmp_path / "e.tsv"), "--time", "time_days"]
    args += ["--event", "event", "--group", "group", "--event-name", "secondary malignancy"]
    assert main([*args, "--out", str(tmp_path / "o.tsv"), "--figure", str(tmp_path / "o.png")]) == 0
    ax = figures[0].axes[0]
    assert ax.get_ylabel() == "Cumulative incidence of secondary malignancy"
    assert "secondary malignancy" in ax.get_title() and "death" in ax.get_title()
    assert any("Competing event: death" in t.get_text() for t in ax.texts)


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
        assert entries[0].startswith(f"≤ {cut:.3g}") and entries[1].startswith(f"> {cut:.3g}")
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


def test_figure1_patients_as_rows_with_received_enrichment(figures):
    rng = np.random.default_rng(1)
    patients = [f"P{i:02d}" for i in range(12)]
    mirnas = [f"hsa-miR-{i}" for i in range(40)]
    centred = pd.DataFrame(rng.normal(0, 1, (40, 12)), index=mirnas, columns=patients)
    from scipy.cluster import hierarchy

    link = hierarchy.linkage(centred.T.to_numpy(), method="complete", metric="correlation")
    order = [patients[i] for i in hierarchy.leaves_list(link)]
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
