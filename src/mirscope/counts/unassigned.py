"""What the valid inserts that no miRNA counts are: the QC behind a low assigned fraction.

In plasma QIAseq libraries only about a fifth of the valid molecules come from miRNAs; the
rest are tRNA, YRNA and rRNA fragments, other small RNAs and degradation products. Users
need to see which sequences those are (the most frequent ones can be BLASTed), how their
lengths compare with the miRNAs', and which fraction of a sample is used at all.

Per sample, from the trimming stage's molecules table and the counting stage's
``<sample>.isomirs.tsv`` (status of every aligned insert):

* classes of valid inserts: ``assigned`` (counted for one mature miRNA: status mature or
  resolved), ``ambiguous``, ``hairpin`` (on a hairpin, off the mature arms) and
  ``unaligned``; the last three are "unassigned";
* ``molecules`` are distinct (insert, UMI) pairs before UMI error correction (reads for kits
  without UMIs), so that every class is measured the same way; the count matrices'
  UMI-corrected molecules are a little lower;
* :func:`summarise_sample` gives reads and molecules per class, the assigned fractions,
  the most frequent unassigned inserts and molecules per insert length by class.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CLASSES = ("assigned", "ambiguous", "hairpin", "unaligned")
UNASSIGNED = CLASSES[1:]
_STATUS_CLASS = {"mature": "assigned", "resolved": "assigned", "ambiguous": "ambiguous"}
_STATUS_CLASS["hairpin"] = "hairpin"


def insert_table(
    inserts: np.ndarray,
    insert_code: np.ndarray,
    reads: np.ndarray,
    has_umi: bool,
    status: dict[str, str],
) -> pd.DataFrame:
    """Per unique insert: ``insert``, ``length``, ``class``, ``reads``, ``molecules``.

    ``status``: the counting stage's status per aligned insert (absent: unaligned).
    """
    code = np.asarray(insert_code, dtype=np.int64)
    n = len(inserts)
    ins_reads = np.bincount(code, weights=reads, minlength=n).astype(np.int64)
    ins_mols = np.bincount(code, minlength=n).astype(np.int64) if has_umi else ins_reads
    klass = np.array(
        [_STATUS_CLASS.get(status.get(s, ""), "unaligned") for s in inserts.tolist()],
        dtype=object,
    )
    return pd.DataFrame(
        {
            "insert": inserts,
            "length": np.fromiter(map(len, inserts.tolist()), dtype=np.int64, count=n),
            "class": klass,
            "reads": ins_reads,
            "molecules": ins_mols,
        }
    )


def top_unassigned(table: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` unassigned inserts with most molecules (then reads, then sequence), with
    ``rank`` and ``molecule_fraction`` (of all the sample's valid molecules)."""
    total = int(table["molecules"].sum()) or 1
    un = table[table["class"] != "assigned"]
    un = un.sort_values(
        ["molecules", "reads", "insert"], ascending=[False, False, True], kind="stable"
    ).head(n)
    out = un.reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out["molecule_fraction"] = (out["molecules"] / total).round(6)
    return out[["rank", "insert", "length", "class", "reads", "molecules", "molecule_fraction"]]


def length_histograms(table: pd.DataFrame) -> dict[str, dict[int, int]]:
    """Molecules per insert length for ``assigned`` and ``unassigned`` inserts."""
    out = {}
    assigned = table["class"] == "assigned"
    for name, mask in (("assigned", assigned), ("unassigned", ~assigned)):
        sums = table[mask].groupby("length")["molecules"].sum()
        out[name] = {int(k): int(v) for k, v in sums.items() if v}
    return out


def summarise_sample(table: pd.DataFrame, sample_id: str, has_umi: bool, top_n: int) -> dict:
    """The per-sample summary (JSON-ready) and its top unassigned inserts (``top`` key)."""
    by = {
        k: {
            "reads": int(table.loc[table["class"] == k, "reads"].sum()),
            "molecules": int(table.loc[table["class"] == k, "molecules"].sum()),
            "inserts": int((table["class"] == k).sum()),
        }
        for k in CLASSES
    }
    reads = int(table["reads"].sum())
    mols = int(table["molecules"].sum())
    return {
        "sample_id": sample_id,
        "has_umi": bool(has_umi),
        "valid_reads": reads,
        "valid_molecules": mols,
        "unique_inserts": int(len(table)),
        "classes": by,
        "assigned_molecule_fraction": round(by["assigned"]["molecules"] / mols, 6) if mols else 0.0,
        "assigned_read_fraction": round(by["assigned"]["reads"] / reads, 6) if reads else 0.0,
        "lengths": {
            k: {str(x): v for x, v in h.items()} for k, h in length_histograms(table).items()
        },
        "top": top_unassigned(table, top_n),
    }


SUMMARY_COLUMNS = (
    "sample_id",
    "valid_reads",
    "valid_molecules",
    "assigned_molecules",
    "ambiguous_molecules",
    "hairpin_molecules",
    "unaligned_molecules",
    "assigned_molecule_fraction",
    "assigned_read_fraction",
    "median_length_assigned",
    "median_length_unassigned",
    "top_unassigned_insert",
    "top_unassigned_molecule_fraction",
)


def _median(hist: dict[int, int]) -> float | None:
    total = sum(hist.values())
    if not total:
        return None
    seen = 0
    for length in sorted(hist):
        seen += hist[length]
        if 2 * seen >= total:
            return float(length)
    return None  # pragma: no cover


def summary_row(summary: dict, top: pd.DataFrame) -> dict:
    """One row of ``unassigned_summary.tsv`` from a sample's JSON summary and top table."""
    classes = summary["classes"]
    hists = {k: {int(x): v for x, v in h.items()} for k, h in summary["lengths"].items()}
    first = top.iloc[0] if len(top) else None
    return {
        "sample_id": summary["sample_id"],
        "valid_reads": summary["valid_reads"],
        "valid_molecules": summary["valid_molecules"],
        **{f"{k}_molecules": classes[k]["molecules"] for k in CLASSES},
        "assigned_molecule_fraction": summary["assigned_molecule_fraction"],
        "assigned_read_fraction": summary["assigned_read_fraction"],
        "median_length_assigned": _median(hists.get("assigned", {})),
        "median_length_unassigned": _median(hists.get("unassigned", {})),
        "top_unassigned_insert": "" if first is None else first["insert"],
        "top_unassigned_molecule_fraction": (
            None if first is None else float(first["molecule_fraction"])
        ),
    }
