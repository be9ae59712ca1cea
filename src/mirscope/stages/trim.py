"""Trimming: adapters and UMIs off, reads collapsed to molecules (one sample).

The trim stage's files: one sample's FASTQ in; its molecules table, statistics and the
optional inserts FASTA and trimmed FASTQ out.

The step is declared once here (:class:`Trim`, :mod:`mirscope.params`): ``mirscope trim``
and the trim rule both derive from it. Its kit settings are the resolved ``trimming``
config (the preset merged with the user's overrides); by hand, ``--preset`` gives them and
each option overrides one.

The compute (:func:`mirscope.reads.trim.trim_reads`) returns the statistics; this module
opens every output atomically, hands the temporaries to it, and writes the statistics as
JSON, so a malformed input leaves none of the outputs behind.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mirscope.inputs.defaults import config_choices, config_default
from mirscope.io import atomic_path, open_gzip_out
from mirscope.params import REQUIRED, param
from mirscope.reads.trim import TrimResult, TrimSettings, trim_reads

log = logging.getLogger(__name__)


def _kit(config_key: str, help_text: str) -> Any:
    """A kit setting: by hand it overrides the preset; the workflow gives the resolved one."""
    return param(None, config=f"trimming.{config_key}", help=help_text)


@dataclass(frozen=True, kw_only=True)
class Trim:
    fastq: tuple[str, ...] = param(
        REQUIRED,
        role="input",
        argument=True,
        help="The sample's FASTQ or FASTQ.gz files, read in the order given, as one file.",
    )
    sample: str = param(REQUIRED, help="Sample ID (used in messages and the stats).")
    preset: str = param(
        config_default("preset"),
        choices=tuple(config_choices("preset")),
        config="preset",
        help="Kit preset giving defaults for the options below (the workflow's `preset` default).",
    )
    adapter: str | None = _kit("adapter", "3' adapter sequence (overrides the preset).")
    umi_length: int | None = _kit("umi_length", "UMI length after the adapter.")
    clip_5p: int | None = _kit("clip_5p", "Bases clipped from the insert's 5' end.")
    clip_3p: int | None = _kit("clip_3p", "Bases clipped from the insert's 3' end.")
    min_length: int | None = _kit("min_length", "Shortest insert kept.")
    max_error_rate: float | None = _kit("max_error_rate", "Adapter error rate (-e).")
    min_overlap: int | None = _kit("min_overlap", "Minimum adapter overlap (-O).")
    molecules: str = param(
        REQUIRED,
        role="output",
        help="Output: unique (insert, umi) molecules with read counts (TSV.gz).",
    )
    stats: str = param(
        REQUIRED, role="output", help="Output: read classes and insert length histogram (JSON)."
    )
    inserts: str | None = param(
        None,
        role="output",
        help="Optional output: the unique inserts as FASTA named by sequence (bowtie's input).",
    )
    trimmed_fastq: str | None = param(
        None,
        role="output",
        help="Optional output: valid inserts as FASTQ.gz, UMI in the read name (umi_tools style).",
    )
    threads: int = param(
        1, min=1, help="2 or more: count molecules in a second process while this one trims."
    )
    allow_empty: bool = param(
        False,
        config="trimming.allow_empty_samples",
        help="Only warn (instead of failing) when the sample has no valid read or its adapter "
        "is in under 5% of reads.",
    )


def run_trim(step: Trim) -> None:
    """Trim the 3' adapter, extract the UMI, classify reads and collapse to molecules.

    FASTQ: the sample's FASTQ or FASTQ.gz files (gzip recognised by content); several
    (lanes or runs of one library) are read in the order given, as one file.
    """
    settings = TrimSettings.from_preset(
        step.preset,
        adapter=step.adapter,
        umi_length=step.umi_length,
        clip_5p=step.clip_5p,
        clip_3p=step.clip_3p,
        min_length=step.min_length,
        max_error_rate=step.max_error_rate,
        min_overlap=step.min_overlap,
    )
    fastq = [Path(f) for f in step.fastq]
    log.info("trimming %s (%s) with %s", step.sample, ", ".join(map(str, fastq)), settings)
    trim_fastq(
        fastq,
        settings,
        sample=step.sample,
        molecules_out=Path(step.molecules),
        stats_out=Path(step.stats),
        trimmed_fastq=Path(step.trimmed_fastq) if step.trimmed_fastq else None,
        inserts_out=Path(step.inserts) if step.inserts else None,
        threads=step.threads,
        allow_empty=step.allow_empty,
    )


def trim_fastq(
    fastq: str | os.PathLike[str] | list[str | os.PathLike[str]],
    settings: TrimSettings,
    *,
    sample: str,
    molecules_out: str | os.PathLike[str],
    stats_out: str | os.PathLike[str],
    trimmed_fastq: str | os.PathLike[str] | None = None,
    inserts_out: str | os.PathLike[str] | None = None,
    threads: int = 1,
    progress_every: int = 1_000_000,
    allow_empty: bool = False,
) -> TrimResult:
    """Trim one sample (:func:`mirscope.reads.trim.trim_reads`, whose docstring describes
    every output) and write ``molecules_out`` (TSV.gz), ``stats_out`` (JSON) and, when
    given, ``inserts_out`` (FASTA) and ``trimmed_fastq`` (FASTQ.gz), all atomically."""
    with contextlib.ExitStack() as stack:
        mol_tmp = stack.enter_context(atomic_path(molecules_out))
        stats_tmp = stack.enter_context(atomic_path(stats_out))
        ins_tmp = stack.enter_context(atomic_path(inserts_out)) if inserts_out else None
        fq_gz = None
        if trimmed_fastq:
            # Entered after its atomic_path, so closed (gzip trailer written) before the rename.
            fq_raw, fq_gz = open_gzip_out(stack.enter_context(atomic_path(trimmed_fastq)))
            stack.enter_context(fq_raw)
            stack.enter_context(fq_gz)
        result = trim_reads(
            fastq,
            settings,
            sample=sample,
            molecules_to=mol_tmp,
            inserts_to=ins_tmp,
            fastq_to=fq_gz,
            threads=threads,
            progress_every=progress_every,
            allow_empty=allow_empty,
        )
        stats_tmp.write_text(json.dumps(result.to_json(), indent=2) + "\n")
    return result


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "trim": (Trim, run_trim),
}
