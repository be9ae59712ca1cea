# What `snakemake --report` shows and under which names: the report's sections (one per
# paper section), the label of every item and the tables rendered as HTML pages
# (workflow/rules/report.smk). Included from common.smk; docs/development.md has the
# convention for adding an item.

import re

# Report categories: the paper sections, then the companion papers (by their file number
# in shared/papers/), then the run itself.
NADDEO_COHORT = "Naddeo et al. — Cohort"
NADDEO_CLUSTERING = "Naddeo et al. — Clustering"
NADDEO_TOXICITY = "Naddeo et al. — Toxicity"
NADDEO_RESPONSE = "Naddeo et al. — Response"
NADDEO_SURVIVAL = "Naddeo et al. — Survival"
NADDEO_OTHER = "Naddeo et al. — Other contrasts"
PAPER_VS_REANALYSIS = "Naddeo et al. — Paper vs reanalysis"
COMPANION_001 = "Companion 001 — Evidence score (B-ALL review)"
COMPANION_002 = "Companion 002 — Variable importance (ZUMA-5)"
COMPANION_003 = "Companion 003 — CAR T kinetics (CART SIE)"
COMPANION_004 = "Companion 004 — Competing risks (ClonHema)"
QUALITY_CONTROL = "Quality control"
COUNTS = "Counts and expression"
PROVENANCE = "Provenance"

# Result tables shown as HTML pages in the report (`mirscope report-tables`; the TSVs stay
# where they are). Path under outdir -> (label, caption in workflow/report/, category,
# subcategory). A table the config does not build is left out (get_report_tables).
REPORT_TABLES = {
    "tables/supp_table1a_overall.tsv": (
        "Supplementary Table 1A — patient characteristics",
        "supp_table1a",
        NADDEO_COHORT,
        "Supplementary Table 1",
    ),
    "tables/supp_table1b_crs.tsv": (
        "Supplementary Table 1B — characteristics by CRS grade (0–1 vs ≥ 2)",
        "supp_table1b",
        NADDEO_COHORT,
        "Supplementary Table 1",
    ),
    "tables/supp_table1c_icans.tsv": (
        "Supplementary Table 1C — characteristics by ICANS (yes vs no)",
        "supp_table1c",
        NADDEO_COHORT,
        "Supplementary Table 1",
    ),
    "tables/clusters.tsv": (
        "Figure 1 — cluster of each patient",
        "clusters",
        NADDEO_CLUSTERING,
        "Figure 1",
    ),
    "tables/cluster_associations.tsv": (
        "Figure 1 — clusters vs clinical variables",
        "cluster_associations",
        NADDEO_CLUSTERING,
        "Figure 1",
    ),
    "tables/supp_table2a_crs_de.tsv": (
        "Supplementary Table 2A — DE miRNAs, CRS grade ≥ 2 vs 0–1",
        "supp_table2a",
        NADDEO_TOXICITY,
        "Figure 2 and Supplementary Table 2",
    ),
    "tables/supp_table2b_icans_de.tsv": (
        "Supplementary Table 2B — DE miRNAs, ICANS yes vs no",
        "supp_table2b",
        NADDEO_TOXICITY,
        "Figure 2 and Supplementary Table 2",
    ),
    "tables/toxicity_models.tsv": (
        "Results text — toxicity models (CRS, ICANS): summary",
        "toxicity_models",
        NADDEO_TOXICITY,
        "Toxicity models",
    ),
    "tables/table1_response_models.tsv": (
        "Table 1 — response models of this run (3 and 12 months)",
        "table1",
        NADDEO_RESPONSE,
        "Table 1",
    ),
    "tables/published_models.tsv": (
        "Table 1 — the paper's published models refitted",
        "published_models",
        NADDEO_RESPONSE,
        "Table 1",
    ),
    "tables/response_models_summary.tsv": (
        "Table 1 — response models: summary and LOOCV",
        "response_models",
        NADDEO_RESPONSE,
        "Table 1",
    ),
    "tables/models_methods.tsv": (
        "Methods as run — each model step beside the paper's sentence",
        "models_methods",
        NADDEO_RESPONSE,
        "Methods as run",
    ),
    "tables/group_tests.tsv": (
        "Results text — Kruskal–Wallis tests of miRNAs by outcome",
        "group_tests",
        NADDEO_RESPONSE,
        "Association tests",
    ),
    "tables/correlations.tsv": (
        "Results text — Spearman correlations of miRNAs with clinical variables",
        "correlations",
        NADDEO_RESPONSE,
        "Association tests",
    ),
    "tables/suppfig_s1_cutpoint.tsv": (
        "Supplementary Figure S1 — optimised miR-542-5p cut-off",
        "suppfig_s1_cutpoint",
        NADDEO_SURVIVAL,
        "Supplementary Figure S1",
    ),
    "tables/suppfig_s1_km.tsv": (
        "Supplementary Figure S1 — Kaplan–Meier numbers (medians, log-rank, at risk)",
        "suppfig_s1_km",
        NADDEO_SURVIVAL,
        "Supplementary Figure S1",
    ),
    "tables/paper_vs_reanalysis.tsv": (
        "Paper vs reanalysis — every published number beside this run's",
        "paper_vs_reanalysis",
        PAPER_VS_REANALYSIS,
        None,
    ),
    "tables/evidence_scores.tsv": (
        "Figure 3 (001) — evidence scores, levels and designs per biomarker: numbers",
        "evidence_scores_table",
        COMPANION_001,
        None,
    ),
    "tables/importance_summary.tsv": (
        "Figure 2A (002) — variable importance, both endpoints: numbers",
        "importance_summary",
        COMPANION_002,
        "Figure 2A — variable importance",
    ),
    "tables/importance_by_seed.tsv": (
        "Figure 2A (002) — variable importance per forest seed",
        "importance_by_seed",
        COMPANION_002,
        "Figure 2A — variable importance",
    ),
    "tables/importance_pruned.tsv": (
        "Results text (002) — collinear covariates left out (Spearman R > 0.9)",
        "importance_pruned",
        COMPANION_002,
        "Figure 2A — variable importance",
    ),
    "tables/importance_probability.tsv": (
        "Figure 2C/E (002) — predicted response probability with 95% CI",
        "importance_probability_table",
        COMPANION_002,
        "Figures 2C–F — top covariates",
    ),
    "tables/importance_km_pfs.tsv": (
        "Figure 2D/F (002) — PFS by median split: Kaplan–Meier numbers",
        "importance_km_pfs_table",
        COMPANION_002,
        "Figures 2C–F — top covariates",
    ),
    "tables/kinetics_parameters.tsv": (
        "Figure 1 / Methods (003) — kinetic parameters per patient (Tmax, Cmax, C10, AUC0-30)",
        "kinetics_parameters",
        COMPANION_003,
        "Expansion kinetics",
    ),
    "tables/kinetics_tests.tsv": (
        "Figure 3A (003) — Mann–Whitney tests of kinetics by response, marker by expansion",
        "kinetics_tests",
        COMPANION_003,
        "Expansion kinetics",
    ),
    "tables/kinetics_km_pfs.tsv": (
        "Figure 4G, one marker (003) — PFS by expansion and inflammation marker: numbers",
        "kinetics_km_pfs_table",
        COMPANION_003,
        "Survival and models",
    ),
    "tables/kinetics_patients.tsv": (
        "Figures 3C–D (003) — per-patient table the models are fitted on",
        "kinetics_patients",
        COMPANION_003,
        "Survival and models",
    ),
    "tables/logistic_response.tsv": (
        "Figure 3C (003) — logistic model of response (odds ratios)",
        "logistic_response_table",
        COMPANION_003,
        "Survival and models",
    ),
    "tables/cox_pfs.tsv": (
        "Figure 3D (003) — Cox model of PFS (hazard ratios)",
        "cox_pfs_table",
        COMPANION_003,
        "Survival and models",
    ),
    "tables/cuminc_secondary.tsv": (
        "Fig. 1a by group (004) — cumulative incidence by group at 6 months, 1 and 4 years",
        "cuminc_secondary_table",
        COMPANION_004,
        None,
    ),
    "tables/km_os_overall.tsv": (
        "Results text (004) — whole-cohort overall survival from infusion, median with 95% CI",
        "km_overall",
        COMPANION_004,
        None,
    ),
    "tables/kinetics_km_expansion.tsv": (
        "Figure 3B (003) — PFS by expansion: Kaplan–Meier numbers",
        "kinetics_km_expansion",
        COMPANION_003,
        "Survival and models",
    ),
    "tables/kinetics_inflammation_tests.tsv": (
        "Figure 4A–C (003) — inflammation markers in expanders by response: tests",
        "kinetics_inflammation",
        COMPANION_003,
        "Inflammation markers",
    ),
    "tables/kinetics_km_combined.tsv": (
        "Figure 4G (003) — PFS by expansion with ferritin and CRP: Kaplan–Meier numbers",
        "kinetics_km_combined",
        COMPANION_003,
        "Survival and models",
    ),
    "tables/importance_spearman.tsv": (
        "Figures 2B, 3D (002) — Spearman correlations of every covariate pair",
        "importance_spearman",
        COMPANION_002,
        "Figures 2B, 3D — correlations",
    ),
    "tables/importance_toxicity_summary.tsv": (
        "Figure 8 (002) — variable importance for toxicity: numbers",
        "importance_toxicity",
        COMPANION_002,
        "Figure 8 — toxicity",
    ),
    "tables/importance_toxicity_by_seed.tsv": (
        "Figure 8 (002) — variable importance for toxicity per forest seed",
        "importance_toxicity_by_seed",
        COMPANION_002,
        "Figure 8 — toxicity",
    ),
    "tables/cuminc_overall.tsv": (
        "Fig. 1a (004) — whole-cohort cumulative incidence at 6 months, 1 and 4 years",
        "cuminc_overall",
        COMPANION_004,
        None,
    ),
    "tables/km_after_event.tsv": (
        "Fig. 1b (004) — overall survival after the secondary event: numbers",
        "km_after_event",
        COMPANION_004,
        None,
    ),
    "tables/evidence_levels.tsv": (
        "Figure 3B (001) — biomarkers per evidence level",
        "evidence_levels",
        COMPANION_001,
        None,
    ),
    "tables/evidence_contributions.tsv": (
        "Figure 3D (001) — study-design contributions to each biomarker's score",
        "evidence_contributions",
        COMPANION_001,
        None,
    ),
    "tables/evidence_classes.tsv": (
        "Figure 2 (001) — biomarker classes (dual-predictive, favourable, unfavourable)",
        "evidence_classes",
        COMPANION_001,
        None,
    ),
    "qc/qc_summary.tsv": (
        "QC — per-sample read and molecule summary",
        "qc_summary",
        QUALITY_CONTROL,
        "Reads and molecules",
    ),
    "qc/unassigned_summary.tsv": (
        "QC — molecules by assignment class per sample",
        "qc_unassigned_summary",
        QUALITY_CONTROL,
        "Unassigned inserts",
    ),
    "qc/unassigned_top.tsv": (
        "QC — most frequent unassigned inserts",
        "qc_unassigned_top",
        QUALITY_CONTROL,
        "Unassigned inserts",
    ),
}

# The paper's name for each model of the default config; other models are named as such.
PAPER_MODELS = {
    "crs_ge2": "Results text, CRS grade ≥ 2 model",
    "icans": "Results text, ICANS model",
    "icans_ge2": "Not in the paper, ICANS grade ≥ 2 model",
    "response_3m": "Table 1, 3-month response model",
    "response_12m": "Table 1, 12-month response model",
}
# What each model output shows: its tables, then its figures.
MODEL_TABLE_NAMES = {
    "selection": "weighted-LASSO selection frequencies, table",
    "coefficients": "logistic coefficients",
    "predictions": "LOOCV predictions",
}
MODEL_FIGURE_NAMES = {
    "selection": "weighted-LASSO selection frequencies, plot",
    "roc": "LOOCV ROC curves",
    "forest": "odds-ratio forest plot",
}
S1_PANELS = {"os": ("A", "overall survival"), "pfs": ("B", "progression-free survival"), "ttp": ("C", "time to progression")}


wildcard_constraints:
    model="|".join(re.escape(m) for m in MODEL_NAMES) or "NO_MODEL",


def get_report_tables():
    """(tsv, html, label, caption, category, subcategory) of every REPORT_TABLES entry this
    config builds, in a fixed order; the HTML page sits under report/ at the TSV's path."""
    built = set(get_analysis_targets())
    items = []
    for rel, (label, caption, category, subcategory) in sorted(REPORT_TABLES.items()):
        if out(rel) in built:
            page = out(f"report/{rel.removesuffix('.tsv')}.html")
            items.append((out(rel), page, label, caption, category, subcategory))
    return items


def get_report_table_options():
    """`mirscope report-tables` options: one `--table TSV HTML TITLE` per rendered table."""
    import shlex

    return " ".join(
        f"--table {shlex.quote(tsv)} {shlex.quote(page)} {shlex.quote(label)}"
        for tsv, page, label, *_ in get_report_tables()
    )


def _contrast_category(name):
    if name in MODELS_CFG["toxicity_models"] or CONTRASTS[name]["variable"] in ("crs_grade", "icans_grade"):
        return NADDEO_TOXICITY
    if name in MODELS_CFG["response_models"] or CONTRASTS[name]["variable"].startswith("response"):
        return NADDEO_RESPONSE
    return NADDEO_OTHER


def _contrast_item(name):
    """The paper item a contrast's DE results stand behind."""
    if name == DE_CFG["table2a_contrast"]:
        return "Figure 2A / Supplementary Table 2A"
    if name == DE_CFG["table2b_contrast"]:
        return "Figure 2B / Supplementary Table 2B"
    if name in PAPER_MODELS:
        return f"{PAPER_MODELS[name]} (DE pre-filter)"
    return "Not in the paper"


def get_contrast_category(wildcards):
    return _contrast_category(wildcards.contrast)


def get_de_table_label(wildcards):
    return f"{_contrast_item(wildcards.contrast)} — all miRNAs, DESeq2 Wald test, {wildcards.contrast}"


def get_volcano_label(wildcards):
    return f"{_contrast_item(wildcards.contrast)} — volcano plot, {wildcards.contrast}"


def get_figure2_label(wildcards):
    panel = wildcards.part[1].upper()
    what = "CRS grade ≥ 2 vs 0–1" if panel == "A" else "ICANS yes vs no"
    return f"Figure 2{panel} — heatmap of DE miRNAs, {what}"


def _model_item(model):
    return PAPER_MODELS.get(model, f"Model {model} (not in the paper)")


def model_category(model):
    return NADDEO_TOXICITY if model in MODELS_CFG["toxicity_models"] else NADDEO_RESPONSE


def model_subcategory(model):
    return "Toxicity models" if model in MODELS_CFG["toxicity_models"] else "Response models"


def model_label(model, kind, *, table=False):
    """The report label of one model figure (no wildcards: the figures are one job's) or,
    with `table`, one model table."""
    names = MODEL_TABLE_NAMES if table else MODEL_FIGURE_NAMES
    return f"{_model_item(model)} — {names[kind]} ({model})"


def get_model_table_label(kind):
    """A labels function for the `kind` table of the wildcard's model."""

    def _label(wildcards):
        return model_label(wildcards.model, kind, table=True)

    return _label


def get_model_category(wildcards):
    return model_category(wildcards.model)


def get_model_subcategory(wildcards):
    return model_subcategory(wildcards.model)


def get_de_title(wildcards):
    return get_de_table_label(wildcards)


def get_model_table_titles(wildcards):
    """`--table` options of the model's three tables (TSV, HTML page, title)."""
    import shlex

    return " ".join(
        "--table "
        + shlex.join(
            [
                out(f"tables/models/{wildcards.model}_{kind}.tsv"),
                out(f"report/tables/models/{wildcards.model}_{kind}.html"),
                model_label(wildcards.model, kind, table=True),
            ]
        )
        for kind in MODEL_KINDS
    )
