# What `snakemake --report` shows, in which order and under which names: the report's
# sections, every item with its label, caption and place, and the files made for the report
# (table pages, figure copies, the MultiQC embed, the landing page; workflow/rules/report.smk).
# Included from common.smk; docs/development.md has the convention for adding an item.

import itertools
import re
import shlex

import mirscope.inputs.outcomes
import mirscope.stages.report

# Report sections, in reading order (REPORT_SECTIONS): the main paper's sections in the
# paper's order, the companion papers (by their file number in shared/papers/), the
# comparison of every published number, then the run itself.
NADDEO_COHORT = "Naddeo et al. — Cohort"
NADDEO_CLUSTERING = "Naddeo et al. — Clustering"
NADDEO_TOXICITY = "Naddeo et al. — Toxicity"
NADDEO_RESPONSE = "Naddeo et al. — Response"
NADDEO_SURVIVAL = "Naddeo et al. — Survival"
NADDEO_OTHER = "Naddeo et al. — Other contrasts (not in the paper)"
COMPANION_001 = "Companion 001 — Evidence score (B-ALL review)"
COMPANION_002 = "Companion 002 — Variable importance (ZUMA-5)"
COMPANION_003 = "Companion 003 — CAR T kinetics (CART SIE)"
COMPANION_004 = "Companion 004 — Competing risks (ClonHema)"
PAPER_VS_REANALYSIS = "Paper vs reanalysis"
EXTERNAL_VALIDATION = "External validation"
QUALITY_CONTROL = "Quality control"
COUNTS = "Counts and expression"
PROVENANCE = "Provenance"
REPORT_SECTIONS = [
    NADDEO_COHORT,
    NADDEO_CLUSTERING,
    NADDEO_TOXICITY,
    NADDEO_RESPONSE,
    NADDEO_SURVIVAL,
    NADDEO_OTHER,
    COMPANION_001,
    COMPANION_002,
    COMPANION_003,
    COMPANION_004,
    PAPER_VS_REANALYSIS,
    EXTERNAL_VALIDATION,
    QUALITY_CONTROL,
    COUNTS,
    PROVENANCE,
]
REPORT_TITLE = "mirscope — Naddeo et al. 2026 and companions, reanalysed"

# The paper's name for each model of the default config; other models are named as such.
PAPER_MODELS = {
    "crs_ge2": "Results text, CRS grade ≥ 2 model",
    "icans": "Results text, ICANS model",
    "icans_ge2": "Not in the paper, ICANS grade ≥ 2 model",
    "response_3m": "Table 1, 3-month response model",
    "response_12m": "Table 1, 12-month response model",
}
# What each model output shows: its tables, then its figures. The per-patient LOOCV
# predictions stay a TSV (tables/models/{model}_predictions.tsv) outside the report: the
# ROC figure draws them, and their pages would cost the report's size budget.
MODEL_REPORT_KINDS = ["selection", "coefficients"]
MODEL_TABLE_NAMES = {
    "selection": "weighted-LASSO selection frequencies, table",
    "coefficients": "logistic coefficients",
}
MODEL_FIGURE_NAMES = {
    "selection": "weighted-LASSO selection frequencies, plot",
    "roc": "LOOCV ROC curves",
    "forest": "odds-ratio forest plot",
}
S1_PANELS = {
    "os": ("A", "overall survival"),
    "pfs": ("B", "progression-free survival"),
    "ttp": ("C", "time to progression"),
}


# Every report item, in reading order: the file under outdir it shows -> (label, caption in
# workflow/report/, section, subsection). A label, section or subsection may be a function
# of the item's wildcards ({contrast}, {model}, {part}: REPORT_WILDCARDS gives their values
# in the paper's order). How an item is shown follows from its file (report_path): a TSV as
# a table page (mirscope report-tables), a PNG as the report's copy (mirscope
# report-figures), MultiQC through mirscope report-embed, anything else as it is, marked
# with `reported()` where its rule writes it. Items the config does not build are left out.
REPORT_ITEMS = {
    # --- Naddeo et al., in the paper's order ---
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
    "figures/fig1_clustering_heatmap.png": (
        "Figure 1 — clustering heatmap of circulating miRNAs",
        "fig1",
        NADDEO_CLUSTERING,
        "Figure 1",
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
    "figures/fig{part}_de_heatmap.png": (
        lambda w: get_figure2_label(w["part"]),
        "fig2",
        NADDEO_TOXICITY,
        "Figure 2 and Supplementary Table 2",
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
    "de/{contrast}.tsv": (
        lambda w: f"{_contrast_item(w['contrast'])} — all miRNAs, DESeq2 Wald test, {w['contrast']}",
        "de_table",
        lambda w: _contrast_category(w["contrast"]),
        lambda w: _de_subsection(w["contrast"]),
    ),
    "tables/toxicity_models.tsv": (
        "Results text — toxicity models (CRS, ICANS): summary",
        "toxicity_models",
        NADDEO_TOXICITY,
        "Toxicity models: summary",
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
    # One subsection per model: its tables, then its figures.
    **{
        f"tables/models/{{model}}_{kind}.tsv": (
            (lambda kind: lambda w: model_label(w["model"], kind, table=True))(kind),
            f"model_{kind}_table",
            lambda w: model_category(w["model"]),
            lambda w: model_subcategory(w["model"]),
        )
        for kind in MODEL_REPORT_KINDS
    },
    **{
        f"figures/models/{{model}}_{kind}.png": (
            (lambda kind: lambda w: model_label(w["model"], kind))(kind),
            f"model_{kind}",
            lambda w: model_category(w["model"]),
            lambda w: model_subcategory(w["model"]),
        )
        for kind in MODEL_FIGURES
    },
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
    # The three panels, not the composite as well: the same plots, each readable at full
    # width (figures/suppfig_s1.png keeps the paper's layout).
    **{
        f"figures/suppfig_s1_{endpoint}.png": (
            f"Supplementary Figure S1{panel} — {what} by miR-542-5p",
            f"suppfig_s1{panel.lower()}",
            NADDEO_SURVIVAL,
            "Supplementary Figure S1",
        )
        for endpoint, (panel, what) in S1_PANELS.items()
    },
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
    "figures/volcano_{contrast}.png": (
        lambda w: get_volcano_label(w["contrast"]),
        "volcano",
        lambda w: _contrast_category(w["contrast"]),
        "Volcano plots (not in the paper)",
    ),
    # --- Companion 001: evidence scores ---
    "figures/evidence_classes.png": (
        "Figure 2 (001) — biomarkers by class with their evidence scores",
        "evidence_classes_figure",
        COMPANION_001,
        "Figure 2 — biomarker classes",
    ),
    "tables/evidence_classes.tsv": (
        "Figure 2 (001) — biomarker classes (dual-predictive, favourable, unfavourable)",
        "evidence_classes",
        COMPANION_001,
        "Figure 2 — biomarker classes",
    ),
    "figures/evidence_scores.png": (
        "Figure 3 (001) — weighted evidence score per biomarker",
        "evidence_scores",
        COMPANION_001,
        "Figure 3 — evidence scores",
    ),
    "figures/evidence_panels.png": (
        "Figure 3B–D (001) — evidence levels, scores and design contributions",
        "evidence_panels_figure",
        COMPANION_001,
        "Figure 3 — evidence scores",
    ),
    "tables/evidence_scores.tsv": (
        "Figure 3 (001) — evidence scores, levels and designs per biomarker: numbers",
        "evidence_scores_table",
        COMPANION_001,
        "Figure 3 — evidence scores",
    ),
    "tables/evidence_levels.tsv": (
        "Figure 3B (001) — biomarkers per evidence level",
        "evidence_levels",
        COMPANION_001,
        "Figure 3 — evidence scores",
    ),
    "tables/evidence_contributions.tsv": (
        "Figure 3D (001) — study-design contributions to each biomarker's score",
        "evidence_contributions",
        COMPANION_001,
        "Figure 3 — evidence scores",
    ),
    # --- Companion 002: variable importance ---
    f"figures/importance_{COMP_CFG['response']}.png": (
        "Figure 2A (002) — variable importance for response",
        "importance_response",
        COMPANION_002,
        "Figure 2A — variable importance",
    ),
    "figures/importance_pfs.png": (
        "Figure 2A (002) — variable importance for PFS",
        "importance_pfs",
        COMPANION_002,
        "Figure 2A — variable importance",
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
    "figures/importance_spearman.png": (
        "Figures 2B, 3D (002) — Spearman correlation map of the top covariates",
        "importance_spearman_figure",
        COMPANION_002,
        "Figures 2B, 3D — correlations",
    ),
    "tables/importance_spearman.tsv": (
        "Figures 2B, 3D (002) — Spearman correlations of every covariate pair",
        "importance_spearman",
        COMPANION_002,
        "Figures 2B, 3D — correlations",
    ),
    "figures/importance_probability.png": (
        "Figure 2C/E (002) — predicted response probability by the top covariate",
        "importance_probability",
        COMPANION_002,
        "Figures 2C–F — top covariates",
    ),
    "tables/importance_probability.tsv": (
        "Figure 2C/E (002) — predicted response probability with 95% CI",
        "importance_probability_table",
        COMPANION_002,
        "Figures 2C–F — top covariates",
    ),
    "figures/importance_km_pfs.png": (
        "Figure 2D/F (002) — PFS by the top PFS covariate's median split",
        "importance_km_pfs",
        COMPANION_002,
        "Figures 2C–F — top covariates",
    ),
    "tables/importance_km_pfs.tsv": (
        "Figure 2D/F (002) — PFS by median split: Kaplan–Meier numbers",
        "importance_km_pfs_table",
        COMPANION_002,
        "Figures 2C–F — top covariates",
    ),
    **{
        f"figures/importance_toxicity_{name}.png": (
            f"Figure 8 (002) — variable importance for {name}",
            "importance_toxicity_figure",
            COMPANION_002,
            "Figure 8 — toxicity",
        )
        for name in COMP_CFG["toxicity_endpoints"]
    },
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
    # --- Companion 003: CAR T kinetics ---
    "figures/kinetics_curves.png": (
        "Figures 1A, 3A (003) — CAR T expansion over time and AUC0-30 by response",
        "kinetics_curves",
        COMPANION_003,
        "Expansion kinetics",
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
    "figures/kinetics_km_expansion.png": (
        "Figure 3B (003) — PFS by expansion",
        "kinetics_km_expansion_figure",
        COMPANION_003,
        "Survival and models",
    ),
    "tables/kinetics_km_expansion.tsv": (
        "Figure 3B (003) — PFS by expansion: Kaplan–Meier numbers",
        "kinetics_km_expansion",
        COMPANION_003,
        "Survival and models",
    ),
    "figures/forest_logistic_response.png": (
        "Figure 3C (003) — forest plot, logistic model of response",
        "forest_logistic_response",
        COMPANION_003,
        "Survival and models",
    ),
    "tables/logistic_response.tsv": (
        "Figure 3C (003) — logistic model of response (odds ratios)",
        "logistic_response_table",
        COMPANION_003,
        "Survival and models",
    ),
    "figures/forest_cox_pfs.png": (
        "Figure 3D (003) — forest plot, Cox model of PFS",
        "forest_cox_pfs",
        COMPANION_003,
        "Survival and models",
    ),
    "tables/cox_pfs.tsv": (
        "Figure 3D (003) — Cox model of PFS (hazard ratios)",
        "cox_pfs_table",
        COMPANION_003,
        "Survival and models",
    ),
    "tables/kinetics_patients.tsv": (
        "Figures 3C–D (003) — per-patient table the models are fitted on",
        "kinetics_patients",
        COMPANION_003,
        "Survival and models",
    ),
    "figures/kinetics_km_combined.png": (
        "Figure 4G (003) — PFS by expansion with ferritin and CRP",
        "kinetics_km_combined_figure",
        COMPANION_003,
        "Survival and models",
    ),
    "tables/kinetics_km_combined.tsv": (
        "Figure 4G (003) — PFS by expansion with ferritin and CRP: Kaplan–Meier numbers",
        "kinetics_km_combined",
        COMPANION_003,
        "Survival and models",
    ),
    "figures/kinetics_km_pfs.png": (
        f"Figure 4G, one marker (003) — PFS by expansion and {COMP_CFG['marker']}",
        "kinetics_km_pfs",
        COMPANION_003,
        "Survival and models",
    ),
    "tables/kinetics_km_pfs.tsv": (
        "Figure 4G, one marker (003) — PFS by expansion and inflammation marker: numbers",
        "kinetics_km_pfs_table",
        COMPANION_003,
        "Survival and models",
    ),
    "figures/kinetics_inflammation.png": (
        "Figure 4A–C (003) — inflammation markers in expanders by response",
        "kinetics_inflammation_figure",
        COMPANION_003,
        "Inflammation markers",
    ),
    "tables/kinetics_inflammation_tests.tsv": (
        "Figure 4A–C (003) — inflammation markers in expanders by response: tests",
        "kinetics_inflammation",
        COMPANION_003,
        "Inflammation markers",
    ),
    # --- Companion 004: competing risks ---
    "figures/cuminc_overall.png": (
        "Fig. 1a (004) — whole-cohort cumulative incidence, death as competing risk",
        "cuminc_overall_figure",
        COMPANION_004,
        None,
    ),
    "tables/cuminc_overall.tsv": (
        "Fig. 1a (004) — whole-cohort cumulative incidence at 6 months, 1 and 4 years",
        "cuminc_overall",
        COMPANION_004,
        None,
    ),
    "figures/cuminc_secondary.png": (
        "Fig. 1a by group (004) — cumulative incidence by group, Gray's test",
        "cuminc_secondary",
        COMPANION_004,
        None,
    ),
    "tables/cuminc_secondary.tsv": (
        "Fig. 1a by group (004) — cumulative incidence by group at 6 months, 1 and 4 years",
        "cuminc_secondary_table",
        COMPANION_004,
        None,
    ),
    "figures/km_after_event.png": (
        "Fig. 1b (004) — overall survival after the secondary event",
        "km_after_event_figure",
        COMPANION_004,
        None,
    ),
    "tables/km_after_event.tsv": (
        "Fig. 1b (004) — overall survival after the secondary event: numbers",
        "km_after_event",
        COMPANION_004,
        None,
    ),
    "tables/km_os_overall.tsv": (
        "Results text (004) — whole-cohort overall survival from infusion, median with 95% CI",
        "km_overall",
        COMPANION_004,
        None,
    ),
    # --- every published number beside this run's ---
    "tables/paper_vs_reanalysis.tsv": (
        "Paper vs reanalysis — every published number beside this run's",
        "paper_vs_reanalysis",
        PAPER_VS_REANALYSIS,
        None,
    ),
    # --- model files applied to the validation.counts cohort (small pages, one figure) ---
    "validation/external_validation.tsv": (
        "Not in the paper — external validation: AUC (DeLong CI), calibration, accuracy",
        "external_validation",
        EXTERNAL_VALIDATION,
        None,
    ),
    "figures/validation/calibration.png": (
        "Not in the paper — external validation: calibration plot",
        "external_calibration",
        EXTERNAL_VALIDATION,
        None,
    ),
    "validation/cutoff_km.tsv": (
        "Not in the paper — Supplementary Figure S1 cut-off at its transferred value, "
        "Kaplan–Meier and log-rank",
        "external_cutoff_km",
        EXTERNAL_VALIDATION,
        None,
    ),
    # --- the run itself ---
    # MultiQC shows the QC figures and tables (read classes, insert lengths, assignment,
    # the per-sample summary, the top unassigned inserts) interactively; the report
    # carries them there only, and adds the one table MultiQC draws as a plot.
    "qc/multiqc_report.html": (
        "QC — MultiQC report: reads, molecules, alignment, unassigned inserts",
        "multiqc",
        QUALITY_CONTROL,
        None,
    ),
    "qc/unassigned_summary.tsv": (
        "QC — molecules by assignment class per sample",
        "qc_unassigned_summary",
        QUALITY_CONTROL,
        None,
    ),
    "counts/mature_normalized.tsv": (
        "Counts — DESeq2-normalised mature miRNA counts",
        "normalized",
        COUNTS,
        None,
    ),
    "expression/mature_umi_vst.tsv": (
        "Counts — variance-stabilised mature UMI counts",
        "expression_vst",
        COUNTS,
        None,
    ),
    "pipeline_info/software_versions.yml": (
        "Provenance — software and reference versions",
        "software_versions",
        PROVENANCE,
        None,
    ),
    "pipeline_info/config_resolved.yaml": (
        "Provenance — the run's resolved configuration",
        "config_resolved",
        PROVENANCE,
        None,
    ),
}
# Items whose caption names their wildcards: each kind has its own wildcard rule in
# workflow/rules/report.smk (a caption is one file per rule); every other item is made by
# one rule for all tables and one for all figures.
WILDCARD_REPORT_ITEMS = {
    "figures/fig{part}_de_heatmap.png",
    "figures/volcano_{contrast}.png",
    "de/{contrast}.tsv",
    *(f"tables/models/{{model}}_{kind}.tsv" for kind in MODEL_REPORT_KINDS),
}
# Numbers before the names make Snakemake's menus, which sort by name, keep reading order.
REPORT_NUMBER = "{number} · {name}"


def _contrasts_in_order():
    """The contrasts as the paper presents them: Figure 2A's, 2B's, the models' in paper
    order, then the rest by name."""
    first = [DE_CFG["table2a_contrast"], DE_CFG["table2b_contrast"], *PAPER_MODELS]
    ordered = [c for c in dict.fromkeys(first) if c in CONTRASTS]
    return ordered + [c for c in CONTRAST_NAMES if c not in ordered]


def _models_in_order():
    ordered = [m for m in PAPER_MODELS if m in MODEL_NAMES]
    return ordered + sorted(m for m in MODEL_NAMES if m not in ordered)


REPORT_WILDCARDS = {
    "contrast": _contrasts_in_order,
    "model": _models_in_order,
    "part": lambda: ["2a_crs", "2b_icans"],
}
# Wildcard items shown only for some values. The all-miRNA DE pages are there for the
# contrasts behind a paper item (Figure 2A/B, a model's DE pre-filter); the others' TSVs
# stay in de/ and their volcano plots in the report, within the report's size budget.
REPORT_ONLY = {
    "de/{contrast}.tsv": lambda w: _contrast_in_paper(w["contrast"]),
}


def report_path(source):
    """Where the report's version of an item's file is (under outdir): a table's page, a
    figure's copy, MultiQC's embed; any other file is shown as it is."""
    if source.endswith(".tsv"):
        return f"report/{source.removesuffix('.tsv')}.html"
    if source.endswith(".png") or source == "qc/multiqc_report.html":
        return f"report/{source}"
    return source


def _resolve(value, wildcards):
    return value(wildcards) if callable(value) else value


def _numbered(number, count, name):
    return REPORT_NUMBER.format(number=f"{number:0{len(str(count))}d}", name=name)


_REPORT_OUTLINE = []
#: Set by report.smk, included after the other files of rules, so TARGETS is whole then.
TARGETS_COMPLETE = []


def get_report_outline():
    """Every item this config builds, in reading order: dicts with `entry` (its
    REPORT_ITEMS key), `source` and `page` (full paths), `title` (its label), `caption`,
    and `label`, `category` and `subcategory` as the report shows them: numbered, since
    Snakemake sorts each menu by name."""
    if _REPORT_OUTLINE:
        return _REPORT_OUTLINE
    if not TARGETS_COMPLETE:
        raise RuntimeError("the report outline needs the targets of all files of rules; include report.smk last")
    built = set(get_analysis_targets())
    items = []
    for entry, (label, caption, category, subcategory) in REPORT_ITEMS.items():
        names = re.findall(r"{(\w+)}", entry)
        for values in itertools.product(*(REPORT_WILDCARDS[n]() for n in names)):
            w = dict(zip(names, values))
            source = entry.format(**w)
            if out(source) not in built or not REPORT_ONLY.get(entry, lambda w: True)(w):
                continue
            items.append(
                dict(
                    entry=entry,
                    source=out(source),
                    page=out(report_path(source)),
                    label=_resolve(label, w),
                    title=_resolve(label, w),
                    caption=caption,
                    category=_resolve(category, w),
                    subcategory=_resolve(subcategory, w),
                )
            )
    sections = [c for c in REPORT_SECTIONS if any(i["category"] == c for i in items)]
    unknown = {i["category"] for i in items} - set(sections)
    if unknown:
        raise ValueError(f"report sections missing from REPORT_SECTIONS: {sorted(unknown)}")
    for section_number, section in enumerate(sections, 1):
        # The paper's items first, then what is not in the paper, each in REPORT_ITEMS order.
        in_section = sorted(
            (i for i in items if i["category"] == section),
            key=lambda i: (_not_in_paper(i["subcategory"]), _not_in_paper(i["label"])),
        )
        subsections = list(dict.fromkeys(i["subcategory"] for i in in_section))
        named = [s for s in subsections if s is not None]
        for subsection in subsections:
            in_sub = [i for i in in_section if i["subcategory"] == subsection]
            for number, item in enumerate(in_sub, 1):
                item["label"] = _numbered(number, len(in_sub), item["label"])
                if subsection is not None:
                    item["subcategory"] = _numbered(named.index(subsection) + 1, len(named), subsection)
                item["category"] = _numbered(section_number, len(sections), section)
        _REPORT_OUTLINE.extend(in_section)
    return _REPORT_OUTLINE


def get_report_sections():
    """The report's section names as shown, in reading order."""
    return list(dict.fromkeys(i["category"] for i in get_report_outline()))


def get_report_items(kind):
    """The outline's items of one kind made by the one-rule-for-all rules: "table" (a page
    per TSV) or "figure" (a copy per PNG)."""
    suffix = {"table": ".tsv", "figure": ".png"}[kind]
    return [
        i
        for i in get_report_outline()
        if i["source"].endswith(suffix) and i["entry"] not in WILDCARD_REPORT_ITEMS
    ]


def reported(page):
    """Mark one output as a report item (`snakemake --report`), under its REPORT_ITEMS
    label, caption, section and subsection. `page` is the file the report shows (see
    report_path), with the wildcards of its rule if it has any. Label, section and
    subsection are looked up when the report is made: they number the items the whole
    workflow builds, known only once every rule file has declared its targets."""
    entries = {out(report_path(e)): e for e in REPORT_ITEMS}
    if page in entries:
        caption = REPORT_ITEMS[entries[page]][1]
    else:  # one page of an item with wildcards, from the outline
        found = [i["caption"] for i in get_report_outline() if i["page"] == page]
        if not found:
            raise ValueError(f"{page} is not a report item (REPORT_ITEMS, helpers/report.smk)")
        caption = found[0]

    def _item(wildcards):
        path = page.format(**dict(wildcards.items()))
        (item,) = [i for i in get_report_outline() if i["page"] == path]
        return item

    return report(
        page,
        caption=f"../report/{caption}.rst",
        category=lambda wildcards: _item(wildcards)["category"],
        subcategory=lambda wildcards: _item(wildcards)["subcategory"],
        labels=lambda wildcards: {"Item": _item(wildcards)["label"]},
    )


def _report_tables(items):
    """`mirscope report-tables` entries (ReportTable) of report items: TSV, page, title."""
    return [dict(tsv=i["source"], page=i["page"], title=i["title"]) for i in items]


def get_report_tables_params():
    """The `--params` of the one-rule-for-all table pages, as one shell word with braces
    doubled: it is written into the command, not params, since the report repeats a job's
    params beside each of its items."""
    text = step_params(
        mirscope.stages.report.ReportTables, tables=_report_tables(get_report_items("table"))
    )
    return shlex.quote(text).replace("{", "{{").replace("}", "}}")


def get_report_landing():
    """The landing page, the report's `report:` description (an absolute path, as Snakemake
    reads it relative to the Snakefile)."""
    import os

    return os.path.abspath(out("report/landing.rst"))


def get_report_landing_compare():
    """The paper comparison, whose verdict counts the landing page shows, if it is built."""
    table = out("tables/paper_vs_reanalysis.tsv")
    return [table] if table in get_analysis_targets() else []


def get_report_landing_compare_section():
    """The report section holding the paper comparison, when the landing page links it."""
    section = [s for s in get_report_sections() if s.endswith(PAPER_VS_REANALYSIS)]
    return section[0] if section and get_report_landing_compare() else None


def get_report_de_page(wildcards):
    """The page of a contrast's DE table, under its label without its number."""
    page = out(report_path(f"de/{wildcards.contrast}.tsv"))
    return _report_tables(i for i in get_report_outline() if i["page"] == page)


def get_model_report_pages(wildcards):
    """The pages of a model's tables (MODEL_REPORT_KINDS), each under its label."""
    pages = {
        out(report_path(f"tables/models/{wildcards.model}_{kind}.tsv"))
        for kind in MODEL_REPORT_KINDS
    }
    return _report_tables(i for i in get_report_outline() if i["page"] in pages)


wildcard_constraints:
    model="|".join(re.escape(m) for m in MODEL_NAMES) or "NO_MODEL",


def _contrast_category(name):
    if name in MODELS_CFG["toxicity_models"] or CONTRASTS[name]["variable"] in ("crs_grade", "icans_grade"):
        return NADDEO_TOXICITY
    if name in MODELS_CFG["response_models"] or CONTRASTS[name]["variable"].startswith("response"):
        return NADDEO_RESPONSE
    return NADDEO_OTHER


def _de_subsection(contrast):
    suffix = "" if _contrast_in_paper(contrast) else " (not in the paper)"
    return f"Differential expression, all miRNAs{suffix}"


def _not_in_paper(name):
    return name is not None and "not in the paper" in name.lower()


def _contrast_in_paper(name):
    return not _not_in_paper(_contrast_item(name))


def _contrast_item(name):
    """The paper item a contrast's DE results stand behind."""
    if name == DE_CFG["table2a_contrast"]:
        return "Figure 2A / Supplementary Table 2A"
    if name == DE_CFG["table2b_contrast"]:
        return "Figure 2B / Supplementary Table 2B"
    # A model's DE test stands behind it only where it pre-filters the model's miRNAs.
    family = "toxicity" if name in mirscope.inputs.outcomes.TOXICITY else "response"
    if name in PAPER_MODELS and MODELS_CFG[f"{family}_candidates"] == "de":
        return f"{PAPER_MODELS[name]} (DE pre-filter)"
    return "Not in the paper"


def get_volcano_label(contrast):
    """Volcano plots are not in the paper; the label names the paper item whose DESeq2
    test a volcano shows, so the heading's "(not in the paper)" is not contradicted."""
    item = _contrast_item(contrast)
    behind = "" if _not_in_paper(item) else f" (the DESeq2 test behind {item})"
    return f"Not in the paper — volcano plot, {contrast}{behind}"


def get_figure2_label(part):
    panel = part[1].upper()
    what = "CRS grade ≥ 2 vs 0–1" if panel == "A" else "ICANS yes vs no"
    return f"Figure 2{panel} — heatmap of DE miRNAs, {what}"


def _model_item(model):
    return PAPER_MODELS.get(model, f"Not in the paper, model {model}")


def model_category(model):
    return NADDEO_TOXICITY if model in MODELS_CFG["toxicity_models"] else NADDEO_RESPONSE


def model_subcategory(model):
    """Each model is one subsection, named as the paper names it."""
    return _model_item(model)


def model_label(model, kind, *, table=False):
    """The report label of one model table (`table`) or figure."""
    names = MODEL_TABLE_NAMES if table else MODEL_FIGURE_NAMES
    return f"{_model_item(model)} — {names[kind]} ({model})"
