#!/usr/bin/env bash
# Install miRge3 0.1.4 (the peer of scripts/bench_workflow.py) into its own venv, outside
# requirements.lock, and build a human miRBase v22 library for it with miRge-build.
#
#   bash scripts/install_mirge3.sh [VENV]     (default: $MIRGE3_VENV, else .venv-mirge3)
#
# Idempotent: each step is skipped when its stamp or output is already there.
#   VENV/bin/miRge3.0, VENV/bin/miRge-build   the tools (pinned below)
#   VENV/bin/samtools                         wrapper: ASCII `samtools --version` (see below)
#   VENV/mirge3-lib/human/                    the library: miRge3.0 -lib VENV/mirge3-lib -on human
#
# Needs Debian's bowtie and samtools on PATH (make install-system) and miRBase v22 for
# human from Debian's optimir package (the files `mirscope reference` uses too).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-${MIRGE3_VENV:-$REPO/.venv-mirge3}}"
PYTHON="${PYTHON:-python3}"
LIB="$VENV/mirge3-lib"

for tool in bowtie bowtie-build bowtie-inspect samtools; do
  command -v "$tool" >/dev/null || { echo "install_mirge3: $tool not on PATH (make install-system)" >&2; exit 1; }
done

# 1. The venv. miRge3 0.1.4 declares its dependencies without versions; these are the
# versions it was checked with (all imported at run time: Bio, sklearn, scipy, matplotlib,
# reportlab, joblib, dnaio, xopen, cutadapt), with pandas 1.5.3 and numpy 1.26.4 as the
# miRge3 release of that time expected.
if [ ! -f "$VENV/.installed" ]; then
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  cat > "$VENV/constraints.txt" <<'EOF'
biopython==1.88
contourpy==1.3.3
cutadapt==4.4
cycler==0.12.1
dnaio==1.2.4
fonttools==4.69.1
future==1.0.0
isal==1.9.1
joblib==1.6.0
kiwisolver==1.5.1
matplotlib==3.11.2
numpy==1.26.4
packaging==26.4
pandas==1.5.3
pillow==13.0.0
pyparsing==3.3.3
python-dateutil==4.0.0
pytz==2026.6
reportlab==5.1.0
scikit-learn==1.9.1
scipy==1.17.1
threadpoolctl==3.8.0
tzdata==2026.6
xopen==2.1.0
EOF
  "$VENV/bin/pip" install --quiet -c "$VENV/constraints.txt" \
    mirge3==0.1.4 pandas==1.5.3 numpy==1.26.4 cutadapt==4.4
  # miRge-build 0.0.1 declares no usable dependencies; it needs only what mirge3 brings.
  "$VENV/bin/pip" install --quiet --no-deps mirge-build==0.0.1
  touch "$VENV/.installed"
fi

# 2. samtools wrapper. miRge3 checks `samtools --version` with text=True and parses the first
# line's second word; Debian's samtools prints its build flags with Latin-1 bytes («BUILDPATH»)
# further down, which raises UnicodeDecodeError under a UTF-8 locale before any work starts.
# The wrapper prints the first line, as ASCII, for --version and runs the real samtools
# otherwise. It shadows samtools only when VENV/bin is first on PATH (as bench_workflow.py does).
REAL_SAMTOOLS="$(command -v samtools)"
if [ "$REAL_SAMTOOLS" = "$VENV/bin/samtools" ]; then
  REAL_SAMTOOLS="$(PATH="${PATH//$VENV\/bin:/}" command -v samtools)"
fi
cat > "$VENV/bin/samtools" <<EOF
#!/bin/sh
# Written by scripts/install_mirge3.sh: an ASCII 'samtools --version' for miRge3.
if [ "\$1" = "--version" ]; then
  $REAL_SAMTOOLS --version | head -n 1 | LC_ALL=C tr -cd '\11\12\15\40-\176'
  exit 0
fi
exec $REAL_SAMTOOLS "\$@"
EOF
chmod +x "$VENV/bin/samtools"

# 3. The human library, miRBase v22 from Debian's optimir (as src/mirscope/fetch/reference.py).
if [ -f "$LIB/human/.built" ]; then
  echo "miRge3 $("$VENV/bin/pip" show mirge3 | sed -n 's/^Version: //p') and library ready: $LIB"
  exit 0
fi
OPTIMIR=""
for d in /usr/lib/python3/dist-packages/optimir/resources \
         /usr/lib/python3*/site-packages/optimir/resources \
         /usr/local/lib/python3*/dist-packages/optimir/resources; do
  if [ -f "$d/fasta/hsa_matures_miRBase_v22.fa" ]; then OPTIMIR="$d"; break; fi
done
[ -n "$OPTIMIR" ] || { echo "install_mirge3: miRBase v22 not found: apt-get install optimir" >&2; exit 1; }

BUILD="$(mktemp -d)"
trap 'rm -rf "$BUILD"' EXIT
MATURE="$OPTIMIR/fasta/hsa_matures_miRBase_v22.fa"
HAIRPIN="$OPTIMIR/fasta/hsa_hairpins_miRBase_v22.fa"
GFF="$OPTIMIR/coordinates/hsa_miRBase_v22.gff3"

# miRge-build writes each mature miRNA into the miRNA index with 2 nt of its hairpin before it
# and 6 after (so templated 3' isomiRs align), finding the hairpin by the mature's name with
# -5p/-3p removed. miRBase names the hairpin hsa-mir-21 and the mature hsa-miR-21-5p, so that
# lookup misses for nearly all of them. The hairpin FASTA given to miRge-build therefore also
# holds each mature's own hairpin (from the GFF's Derives_from) under the mature's name; the
# hairpin index is rebuilt afterwards from the plain miRBase hairpins.
"$VENV/bin/python" - "$MATURE" "$HAIRPIN" "$GFF" "$BUILD" <<'EOF'
import re
import sys
from pathlib import Path

mature, hairpin, gff, out = sys.argv[1:5]

def fasta(path):
    name, seq = None, []
    for line in open(path):
        if line.startswith(">"):
            if name:
                yield name, "".join(seq)
            name, seq = line[1:].split()[0], []
        else:
            seq.append(line.strip().upper().replace("U", "T"))
    if name:
        yield name, "".join(seq)

hp = dict(fasta(hairpin))
hp_name, parent = {}, {}
for line in open(gff):
    if line.startswith("#"):
        continue
    f = line.rstrip("\n").split("\t")
    attrs = dict(kv.split("=", 1) for kv in f[8].split(";") if "=" in kv)
    if f[2] == "miRNA_primary_transcript":
        hp_name[attrs["ID"]] = attrs["Name"]
    elif f[2] == "miRNA":
        parent.setdefault(attrs["Name"], attrs.get("Derives_from"))
matures = list(fasta(mature))
with open(Path(out) / "mature.fa", "w") as fm, open(Path(out) / "hairpin_lookup.fa", "w") as fh:
    for name, seq in hp.items():
        fh.write(f">{name}\n{seq}\n")
    aliased = 0
    for name, seq in matures:
        fm.write(f">{name}\n{seq}\n")
        loop = hp.get(hp_name.get(parent.get(name), ""), "")
        if seq and seq in loop:
            fh.write(f">{name}\n{loop}\n")
            aliased += 1
print(f"{len(matures)} mature miRNAs, {aliased} with their hairpin context, {len(hp)} hairpins")
EOF
awk '/^>/{print $1; next} {print toupper($0)}' "$HAIRPIN" > "$BUILD/hairpin.fa"

# The other RNA classes miRge3 aligns unannotated reads to (tRNA, snoRNA, rRNA, other ncRNA,
# mRNA) and the genome (used only by -ai and -nmir) are not part of miRBase; miRge-build
# requires them, so each is a one-sequence placeholder that matches no read.
printf '>placeholder\n%s\n' "$(printf 'ACGTTGCA%.0s' $(seq 1 12))" > "$BUILD/placeholder.fa"

# miRge-build 0.0.1 accepts only bowtie 1.2.1-1.2.3 by `bowtie --version` (miRge3 0.1.4
# itself accepts Debian's 1.3.1, whose indexes are the same format); for the build alone it
# gets a bowtie that reports 1.2.3 and otherwise runs the real one.
SHIM="$BUILD/bowtie-shim"
mkdir -p "$SHIM"
REAL_BOWTIE="$(command -v bowtie)"
cat > "$SHIM/bowtie" <<EOF
#!/bin/sh
if [ "\$1" = "--version" ]; then echo "bowtie version 1.2.3"; exit 0; fi
exec $REAL_BOWTIE "\$@"
EOF
chmod +x "$SHIM/bowtie"
ln -s "$(command -v bowtie-build)" "$SHIM/bowtie-build"

rm -rf "$LIB/human"
mkdir -p "$LIB"
P="$BUILD/placeholder.fa"
(cd "$LIB" && nice -n 10 "$VENV/bin/miRge-build" -on human -db miRBase -cpu 2 -pbwt "$SHIM" \
  -mmf "$BUILD/mature.fa" -hmf "$BUILD/hairpin_lookup.fa" -agff "$GFF" -g "$P" \
  -mtf "$P" -ptf "$P" -snorf "$P" -rrf "$P" -ncof "$P" -mrf "$P")
rm -f "$LIB"/human/index.Libs/human_hairpin_miRBase.*
nice -n 10 bowtie-build --threads 2 -f "$BUILD/hairpin.fa" \
  "$LIB/human/index.Libs/human_hairpin_miRBase" >/dev/null
{
  echo "miRge-build 0.0.1, miRBase v22 from $OPTIMIR"
  sha256sum "$MATURE" "$HAIRPIN" "$GFF"
} > "$LIB/human/SOURCE.txt"
touch "$LIB/human/.built"
echo "miRge3 library built: $LIB/human"
