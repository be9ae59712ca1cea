"""The miRBase reference stage: resolution (optimir / download / explicit files), filtering,
mature loci, manifest, bowtie indexes and the Snakemake rules.

A hand-made species ``xyz`` (one hairpin per strand, a paralogous pair, U letters, another
species mixed in) has loci written down by hand, so the coordinate logic is checked against
values we did not compute with the code under test. It is served by a real HTTP server on
127.0.0.1 to exercise the miRBase download fallback.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mirscope.cli import main
from mirscope.errors import InputError, MirscopeError
from mirscope.fetch.reference import (
    load_reference,
    optimir_files,
    prepare_reference,
    read_fasta,
    read_loci,
)

REPO = Path(__file__).resolve().parents[1]

# Hairpins in RNA letters, as miRBase ships them. Positions below are 0-based on the hairpin.
HP1 = "GGCAUUAGCUAGCUAGGAUCCAUGCAAAGCGCGCGAUAUAUCGCG"  # + strand, chr1:1001-1045
M1 = HP1[5:27]  # xyz-miR-1-5p
HP2 = "CCGGAAUUCCGGUUAACCGGAUAUGCGCAUAUCGAUCGAU"  # - strand, chr2:2001-2040
M2 = HP2[6:28]  # xyz-miR-2-3p, - strand: genomic 2040-27 = 2013 .. 2040-6 = 2034
HP31 = "AAAAUGAGGUAGUAGGUUGUAUAGUUUUCCCC"  # + strand, chr3:101-132
HP32 = "GGUGAGGUAGUAGGUUGUAUAGUUAGGG"  # + strand, chr4:501-528
M3 = "UGAGGUAGUAGGUUGUAUAGUU"  # xyz-miR-3 on both: HP31[4:26], HP32[2:24]

MATURE_FA = (
    f">xyz-miR-1-5p MIMAT9000001 Xus yus miR-1-5p\n{M1}\n"
    f">abc-miR-1 MIMAT8000001 other species\nUUUUUUUUUUUUUUUUUUUUUU\n"
    f">xyz-miR-2-3p MIMAT9000002 Xus yus miR-2-3p\n{M2[:11]}\n{M2[11:]}\n"
    f">xyz-miR-3 MIMAT9000003 Xus yus miR-3\n{M3.lower()}\n"
)
HAIRPIN_FA = (
    f">abc-mir-1 MI8000001 other species\nGGGGGGGGGGGGGGGGGGGGGGGGGGGG\n"
    f">xyz-mir-2 MI9000002 Xus yus mir-2 stem-loop\n{HP2}\n"
    f">xyz-mir-1 MI9000001 Xus yus mir-1 stem-loop\n{HP1}\n"
    f">xyz-mir-3-1 MI9000031\n{HP31}\n>xyz-mir-3-2 MI9000032\n{HP32}\n"
)
GFF3 = "\n".join(
    [
        "##gff-version 3",
        "# hand-made test species",
        "chr1\t.\tmiRNA_primary_transcript\t1001\t1045\t.\t+\t.\tID=MI9000001;Alias=MI9000001;Name=xyz-mir-1",
        "chr1\t.\tmiRNA\t1006\t1027\t.\t+\t.\tID=MIMAT9000001;Alias=MIMAT9000001;Name=xyz-miR-1-5p;Derives_from=MI9000001",
        "chr2\t.\tmiRNA_primary_transcript\t2001\t2040\t.\t-\t.\tID=MI9000002;Alias=MI9000002;Name=xyz-mir-2",
        "chr2\t.\tmiRNA\t2013\t2034\t.\t-\t.\tID=MIMAT9000002;Alias=MIMAT9000002;Name=xyz-miR-2-3p;Derives_from=MI9000002",
        "chr3\t.\tmiRNA_primary_transcript\t101\t132\t.\t+\t.\tID=MI9000031;Alias=MI9000031;Name=xyz-mir-3-1",
        "chr3\t.\tmiRNA\t105\t126\t.\t+\t.\tID=MIMAT9000003;Alias=MIMAT9000003;Name=xyz-miR-3;Derives_from=MI9000031",
        "chr4\t.\tmiRNA_primary_transcript\t501\t528\t.\t+\t.\tID=MI9000032;Alias=MI9000032;Name=xyz-mir-3-2",
        "chr4\t.\tmiRNA\t503\t524\t.\t+\t.\tID=MIMAT9000003_1;Alias=MIMAT9000003;Name=xyz-miR-3;Derives_from=MI9000032",
        "",
    ]
)
EXPECTED_LOCI = (
    "mature\tmature_id\thairpin\tstart\tend\n"
    "xyz-miR-1-5p\tMIMAT9000001\txyz-mir-1\t5\t27\n"
    "xyz-miR-2-3p\tMIMAT9000002\txyz-mir-2\t6\t28\n"
    "xyz-miR-3\tMIMAT9000003\txyz-mir-3-1\t4\t26\n"
    "xyz-miR-3\tMIMAT9000003\txyz-mir-3-2\t2\t24\n"
)


def dna(s: str) -> str:
    return s.upper().replace("U", "T")


class MirbaseServer:
    """Static files under a directory, on 127.0.0.1; stops by itself (bounded loop)."""

    def __init__(self, root: Path, max_requests: int = 50) -> None:
        self.paths: list[str] = []
        owner = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                owner.paths.append(self.path)
                super().do_GET()

        handler = functools.partial(Handler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.timeout = 0.2
        self.max_requests = max_requests
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/pub/CURRENT"

    def _serve(self) -> None:
        while not self._stop.is_set() and len(self.paths) < self.max_requests:
            self.httpd.handle_request()
        self.httpd.server_close()

    def __enter__(self) -> MirbaseServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.thread.join(timeout=5)


@pytest.fixture
def mirbase_site(tmp_path, monkeypatch):
    """A miRBase-like site with the xyz files; optimir is hidden so `auto` must download."""
    monkeypatch.setenv("MIRSCOPE_OPTIMIR_DIR", "")
    root = tmp_path / "site"
    site = root / "pub" / "CURRENT"
    (site / "genomes").mkdir(parents=True)
    files = {
        "mature": gzip.compress(MATURE_FA.encode(), mtime=0),
        "hairpin": gzip.compress(HAIRPIN_FA.encode(), mtime=0),
        "gff3": GFF3.encode(),
    }
    (site / "mature.fa.gz").write_bytes(files["mature"])
    (site / "hairpin.fa.gz").write_bytes(files["hairpin"])
    (site / "genomes" / "xyz.gff3").write_bytes(files["gff3"])
    with MirbaseServer(root) as server:
        server.files = files
        yield server


def test_auto_downloads_from_mirbase_and_prepares_the_species(mirbase_site, tmp_path):
    out = tmp_path / "ref"
    digest = hashlib.sha256(mirbase_site.files["mature"]).hexdigest()
    paths = prepare_reference(
        out, "xyz", mirbase_url=mirbase_site.url, sha256={"mature": digest}, backoff=0
    )
    assert sorted(mirbase_site.paths) == [
        "/pub/CURRENT/genomes/xyz.gff3",
        "/pub/CURRENT/hairpin.fa.gz",
        "/pub/CURRENT/mature.fa.gz",
    ]
    assert paths["mature"].read_text() == (
        f">xyz-miR-1-5p\n{dna(M1)}\n>xyz-miR-2-3p\n{dna(M2)}\n>xyz-miR-3\n{dna(M3)}\n"
    )
    assert paths["hairpin"].read_text() == (
        f">xyz-mir-1\n{dna(HP1)}\n>xyz-mir-2\n{dna(HP2)}\n"
        f">xyz-mir-3-1\n{dna(HP31)}\n>xyz-mir-3-2\n{dna(HP32)}\n"
    )
    assert paths["loci"].read_text() == EXPECTED_LOCI
    gff_lines = paths["gff3"].read_text().splitlines()
    assert gff_lines[0] == "##gff-version 3" and len(gff_lines) == 10
    # The download manifest records every file's SHA-256, configured or not.
    manifest = (out / "mirbase_download" / "mirbase_manifest.tsv").read_text().splitlines()
    assert manifest[0] == "kind\tfile\turl\tbytes\tsha256"
    rows = {line.split("\t")[0]: line.split("\t") for line in manifest[1:]}
    for kind, data in mirbase_site.files.items():
        assert rows[kind][4] == hashlib.sha256(data).hexdigest()
        assert rows[kind][3] == str(len(data))
    # Second run reuses the verified downloads: no new requests.
    n = len(mirbase_site.paths)
    prepare_reference(out, "xyz", mirbase_url=mirbase_site.url, backoff=0)
    assert len(mirbase_site.paths) == n


def test_wrong_sha256_fails_and_writes_nothing(mirbase_site, tmp_path):
    out = tmp_path / "ref"
    with pytest.raises(MirscopeError, match=r"miRBase hairpin.*SHA-256 mismatch.*apt-get install"):
        prepare_reference(
            out,
            "xyz",
            mirbase_url=mirbase_site.url,
            sha256={"hairpin": "ab" * 32},
            retries=1,
            backoff=0,
        )
    assert mirbase_site.paths.count("/pub/CURRENT/hairpin.fa.gz") == 2
    assert not list(out.glob("xyz_*"))
    assert not (out / "mirbase_download" / "hairpin.fa.gz").exists()


def test_no_optimir_and_no_network_says_how_to_supply_files(tmp_path, monkeypatch):
    monkeypatch.setenv("MIRSCOPE_OPTIMIR_DIR", "")
    with MirbaseServer(tmp_path) as server:
        url = server.url
    with pytest.raises(MirscopeError) as info:
        prepare_reference(tmp_path / "ref", "hsa", mirbase_url=url, retries=0)
    msg = str(info.value)
    assert "could not be downloaded" in msg
    for hint in ("apt-get install optimir", "reference.mirbase_url", "reference.mature"):
        assert hint in msg
    assert not (tmp_path / "ref" / "hsa_mature.fa").exists()
    # Without a download directory (the loader) the message says so without trying.
    with pytest.raises(InputError, match="no local miRBase for species 'hsa'.*reference.gff3"):
        load_reference("hsa")


def test_explicit_files_need_no_network_and_missing_ones_are_named(tmp_path, monkeypatch):
    monkeypatch.setenv("MIRSCOPE_OPTIMIR_DIR", "")
    (tmp_path / "m.fa").write_text(MATURE_FA)
    (tmp_path / "h.fa.gz").write_bytes(gzip.compress(HAIRPIN_FA.encode()))
    (tmp_path / "a.gff3").write_text(GFF3)
    ref = load_reference("xyz", tmp_path / "m.fa", tmp_path / "h.fa.gz", tmp_path / "a.gff3")
    assert {(x.mature, x.hairpin, x.start, x.end) for x in ref.loci} == {
        ("xyz-miR-1-5p", "xyz-mir-1", 5, 27),
        ("xyz-miR-2-3p", "xyz-mir-2", 6, 28),
        ("xyz-miR-3", "xyz-mir-3-1", 4, 26),
        ("xyz-miR-3", "xyz-mir-3-2", 2, 24),
    }
    with pytest.raises(InputError, match=r"nope\.gff3: reference gff3 file not found"):
        load_reference("xyz", tmp_path / "m.fa", tmp_path / "h.fa.gz", tmp_path / "nope.gff3")
    with pytest.raises(InputError, match="no records for species 'qqq'"):
        load_reference("qqq", tmp_path / "m.fa", tmp_path / "h.fa.gz", tmp_path / "a.gff3")


def test_inconsistent_mature_arm_is_warned_and_left_out(tmp_path, monkeypatch):
    from mirscope.errors import MirscopeWarning

    monkeypatch.setenv("MIRSCOPE_OPTIMIR_DIR", "")
    bad = MATURE_FA.replace(M1, "CCCCCCCCCCCCCCCCCCCCCC")
    (tmp_path / "m.fa").write_text(bad)
    (tmp_path / "h.fa").write_text(HAIRPIN_FA)
    (tmp_path / "a.gff3").write_text(GFF3)
    with pytest.warns(MirscopeWarning) as record:
        paths = prepare_reference(
            tmp_path / "ref", "xyz", tmp_path / "m.fa", tmp_path / "h.fa", tmp_path / "a.gff3"
        )
    messages = " ".join(str(w.message) for w in record)
    assert "xyz-miR-1-5p on xyz-mir-1" in messages
    assert "xyz-miR-1-5p" not in paths["loci"].read_text()


# --- the real miRBase v22 from optimir -------------------------------------------------------


@pytest.fixture(scope="module")
def hsa_reference(tmp_path_factory):
    if optimir_files("hsa") is None:
        pytest.skip("Debian package optimir (miRBase v22) not installed: apt-get install optimir")
    out = tmp_path_factory.mktemp("hsa_ref")
    return prepare_reference(out, "hsa")


def _fasta(path: Path) -> dict[str, str]:
    return {name: seq for name, _d, seq in read_fasta(path)}


def test_prepared_hsa_reference_is_consistent(hsa_reference):
    mature = _fasta(hsa_reference["mature"])
    hairpin = _fasta(hsa_reference["hairpin"])
    loci = read_loci(hsa_reference["loci"])
    assert len(mature) > 2500 and len(hairpin) > 1800
    assert all(n.startswith("hsa-") for n in (*mature, *hairpin))
    assert all(set(s) <= set("ACGTN") for s in (*mature.values(), *hairpin.values()))
    for locus in loci:
        assert hairpin[locus.hairpin][locus.start : locus.end] == mature[locus.mature], locus
    mir16 = sorted((x.hairpin, x.mature_id) for x in loci if x.mature == "hsa-miR-16-5p")
    assert mir16 == [("hsa-mir-16-1", "MIMAT0000069"), ("hsa-mir-16-2", "MIMAT0000069")]
    assert mature["hsa-miR-16-5p"] == "TAGCAGCACGTAAATATTGGCG"
    assert {x.mature for x in loci} == set(mature)


def test_prepared_reference_is_byte_identical_and_manifest_hashes_the_files(
    hsa_reference, tmp_path
):
    assert main(["reference", "--species", "hsa", "--mature", "auto", "--hairpin", "auto",
                 "--gff3", "auto", "--out", str(tmp_path)]) == 0  # fmt: skip
    for kind in ("mature", "hairpin", "loci", "gff3", "manifest"):
        again = tmp_path / hsa_reference[kind].name
        assert again.read_bytes() == hsa_reference[kind].read_bytes(), kind
    manifest = {
        line.split("\t")[0]: line.split("\t")
        for line in hsa_reference["manifest"].read_text().splitlines()[1:]
    }
    for kind in ("mature", "hairpin", "loci", "gff3"):
        digest = hashlib.sha256(hsa_reference[kind].read_bytes()).hexdigest()
        assert manifest[f"output_{kind}"][3] == digest
    src = optimir_files("hsa")["gff3"]
    assert manifest["input_gff3"][3] == hashlib.sha256(src.read_bytes()).hexdigest()


@pytest.mark.slow
def test_bowtie_index_places_mir16_on_both_paralogs(hsa_reference, tmp_path):
    if shutil.which("bowtie-build") is None or shutil.which("bowtie") is None:
        pytest.skip("bowtie not installed (apt-get install bowtie)")
    prefix = tmp_path / "hsa_hairpin"
    subprocess.run(
        ["bowtie-build", "--threads", "2", str(hsa_reference["hairpin"]), str(prefix)],
        check=True,
        capture_output=True,
    )
    res = subprocess.run(
        ["bowtie", "-a", "-v", "0", "--norc", "-c", str(prefix), "TAGCAGCACGTAAATATTGGCG"],
        check=True,
        capture_output=True,
        text=True,
    )
    hits = sorted((f[2], int(f[3])) for f in (ln.split("\t") for ln in res.stdout.splitlines()))
    assert hits == [("hsa-mir-16-1", 13), ("hsa-mir-16-2", 9)]


@pytest.mark.slow
def test_snakemake_builds_reference_and_indexes(tmp_path):
    if optimir_files("hsa") is None or shutil.which("bowtie-build") is None:
        pytest.skip("optimir or bowtie not installed (apt-get install optimir bowtie)")
    fastq = tmp_path / "s1.fastq.gz"
    fastq.write_bytes(gzip.compress(b"@r1\nACGTACGTACGTACGTACGT\n+\nIIIIIIIIIIIIIIIIIIII\n"))
    (tmp_path / "samples.tsv").write_text(f"sample_id\tfastq\nS1\t{fastq}\n")
    (tmp_path / "config.yaml").write_text("samples: samples.tsv\noutdir: out\n")
    suffixes = ("1.ebwt", "2.ebwt", "3.ebwt", "4.ebwt", "rev.1.ebwt", "rev.2.ebwt")
    targets = [f"out/reference/bowtie/hsa_hairpin.{s}" for s in suffixes]
    venv_bin = Path(sys.executable).parent
    env = {"PATH": f"{venv_bin}:/usr/bin:/bin", "HOME": str(tmp_path)}
    cmd = [str(venv_bin / "snakemake"), "--snakefile", str(REPO / "Snakefile")]
    # Targets first: --configfile takes several values.
    cmd += ["--cores", "2", *targets, "--configfile", str(tmp_path / "config.yaml")]
    res = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    for target in targets:
        assert (tmp_path / target).stat().st_size > 0
    loci = read_loci(tmp_path / "out" / "reference" / "hsa_mature_loci.tsv")
    assert ("hsa-miR-16-5p", "hsa-mir-16-2") in {(x.mature, x.hairpin) for x in loci}
    assert (tmp_path / "out" / "logs" / "bowtie_build_hairpin" / "hsa.log").stat().st_size > 0


@pytest.mark.slow
def test_every_bowtie_index_the_workflow_builds_is_read(tmp_path):
    """A dry run of the default targets: each bowtie index built is some job's input."""
    import re

    fastq = tmp_path / "s1.fastq.gz"
    fastq.write_bytes(gzip.compress(b"@r1\nACGTACGTACGTACGTACGT\n+\nIIIIIIIIIIIIIIIIIIII\n"))
    (tmp_path / "samples.tsv").write_text(f"sample_id\tfastq\nS1\t{fastq}\n")
    (tmp_path / "config.yaml").write_text("samples: samples.tsv\noutdir: out\n")
    venv_bin = Path(sys.executable).parent
    env = {"PATH": f"{venv_bin}:/usr/bin:/bin", "HOME": str(tmp_path)}
    cmd = [str(venv_bin / "snakemake"), "--snakefile", str(REPO / "Snakefile"), "-n"]
    cmd += ["--configfile", str(tmp_path / "config.yaml")]
    res = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    jobs = re.findall(
        r"^(?:local)?rule (\w+):\n(?:    input: (.*)\n)?    output: (.*)$",
        res.stdout,
        flags=re.MULTILINE,
    )
    read = {f for rule, inputs, _ in jobs if rule != "all" for f in inputs.split(", ")}
    built = {f for _, _, outputs in jobs for f in outputs.split(", ") if f.endswith(".ebwt")}
    assert "out/reference/bowtie/hsa_hairpin.1.ebwt" in built
    assert built <= read, sorted(built - read)
