"""The trim stage's files: one sample's FASTQ in; its molecules table, statistics and the
optional inserts FASTA and trimmed FASTQ out.

The compute (:func:`mirscope.reads.trim.trim_reads`) returns the statistics; this module
opens every output atomically, hands the temporaries to it, and writes the statistics as
JSON, so a malformed input leaves none of the outputs behind.
"""

from __future__ import annotations

import contextlib
import json
import os

from mirscope.io import atomic_path, open_gzip_out
from mirscope.reads.trim import TrimResult, TrimSettings, trim_reads


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
