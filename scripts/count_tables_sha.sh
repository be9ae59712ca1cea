#!/bin/bash
# SHA-256 of every count table a checkout writes: the demo's counts target and, where
# ../shared/data/real is beside the checkout, one-sample runs of the two real files (QIAseq,
# TruSeq). Run it on two checkouts and diff the lists to show a change keeps counts
# byte-identical:
#
#   bash scripts/count_tables_sha.sh /path/to/old-checkout /tmp/sha/old
#   bash scripts/count_tables_sha.sh /path/to/new-checkout /tmp/sha/new
#   diff /tmp/sha/old/sha.txt /tmp/sha/new/sha.txt
#
# Needs snakemake and mirscope (from the checkout, via PYTHONPATH) on PATH and the demo
# simulated (make demo-data) in each checkout.
set -euo pipefail
REPO=$(cd "$1" && pwd)
mkdir -p "$2"
OUT=$(cd "$2" && pwd)
REAL="$REPO/../shared/data/real"
export PYTHONPATH="$REPO/src${PYTHONPATH:+:$PYTHONPATH}"
cd "$REPO"
runs=(demo)
if [ -d "$REAL" ]; then
  printf "sample_id\tfastq\nRep01\t%s\n" "$REAL/SRR17084832_Qiaseq_plasma_Rep01_50k.fastq.gz" > "$OUT/qia.tsv"
  printf "sample_id\tfastq\nH30541\t%s\n" "$REAL/SRR10217428_H30541_TruSeq_unblocked_50k.fastq.gz" > "$OUT/tru.tsv"
  printf "samples: %s\npreset: qiaseq\noutdir: %s\n" "$OUT/qia.tsv" "$OUT/qia" > "$OUT/qia.yaml"
  printf "samples: %s\npreset: illumina\noutdir: %s\n" "$OUT/tru.tsv" "$OUT/tru" > "$OUT/tru.yaml"
  runs+=(qia tru)
else
  echo "count_tables_sha: $REAL absent: the demo only" >&2
fi
# The demo config without its validation section (it names the demo's own outdir).
python -c "
import sys, yaml
c = yaml.safe_load(open('config/config.yaml')); c.pop('validation', None); c['outdir'] = sys.argv[2]
yaml.safe_dump(c, open(sys.argv[1], 'w'))" "$OUT/demo.yaml" "$OUT/demo"
for run in "${runs[@]}"; do
  snakemake --cores 2 --snakefile "$REPO/Snakefile" "$OUT/$run/counts/mature_umi_counts.tsv" \
    --configfile "$OUT/$run.yaml" > "$OUT/$run.log" 2>&1
done
cd "$OUT"
find "${runs[@]}" -path '*/counts/*' \( -name '*.tsv' -o -name '*.json' \) | sort | xargs sha256sum > sha.txt
echo "$(wc -l < sha.txt) count tables and statistics files: $OUT/sha.txt"
