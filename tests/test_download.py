"""Downloads from ENA (against a real HTTP server on 127.0.0.1) and the sra-tools backend.

The server is a threaded ``http.server`` serving an ENA-style ``filereport`` and FASTQ.gz
files. It honours ``Range``, can cut a body half-way once (a truncated transfer that must be
resumed), and stops by itself after a bounded number of requests or when the test ends.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import logging
import stat
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest

from mirscope.cli import main
from mirscope.errors import InputError, MirscopeError
from mirscope.fetch.download import (
    check_accession,
    download_accession,
    fasterq_dump_command,
    parse_filereport,
    prefetch_command,
)
from mirscope.fetch.http import DownloadError, fetch

MAX_REQUESTS = 200


def fastq_gz(run: str, n: int) -> bytes:
    """A small, valid gzip FASTQ whose read names carry the run accession."""
    bases = "ACGT"
    records = []
    for i in range(n):
        seq = "".join(bases[(i * 7 + j * 3) % 4] for j in range(20))
        records.append(f"@{run}.{i}\n{seq}\n+\n{'I' * 20}\n")
    return gzip.compress("".join(records).encode(), mtime=0)


class ArchiveServer:
    """ENA look-alike: ``/filereport`` plus ``/vol1/<name>`` files, with scripted faults."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.reports: dict[str, str] = {}
        self.truncate_once: set[str] = set()
        self.ignore_range: set[str] = set()
        self.requests: list[tuple[str, str | None]] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep pytest output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                parsed = urllib.parse.urlparse(self.path)
                owner.requests.append((parsed.path, self.headers.get("Range")))
                if parsed.path == "/api/filereport":
                    query = urllib.parse.parse_qs(parsed.query)
                    acc = query.get("accession", [""])[0]
                    body = owner.reports.get(acc)
                    if body is None or query.get("result") != ["read_run"]:
                        self.send_error(400, "bad filereport query")
                        return
                    self._send(200, body.encode())
                    return
                name = parsed.path.removeprefix("/vol1/")
                data = owner.files.get(name)
                if data is None:
                    self.send_error(404, "not found")
                    return
                rng = self.headers.get("Range")
                if rng and name not in owner.ignore_range:
                    start = int(rng.removeprefix("bytes=").split("-")[0])
                    self._send(
                        206,
                        data[start:],
                        {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"},
                    )
                    return
                if name in owner.truncate_once:
                    owner.truncate_once.discard(name)
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self._send(200, data)

            def _send(self, code: int, body: bytes, headers: dict | None = None) -> None:
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.timeout = 0.2
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        # Bounded: the server stops by itself after MAX_REQUESTS or when asked to.
        handled = 0
        while not self._stop.is_set() and handled < MAX_REQUESTS:
            before = len(self.requests)
            self.httpd.handle_request()
            handled += len(self.requests) > before
        self.httpd.server_close()

    @property
    def portal(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def host_path(self, name: str) -> str:
        """A scheme-less ``fastq_ftp`` entry, as ENA writes them."""
        return f"127.0.0.1:{self.port}/vol1/{name}"

    def add_run(self, run: str, data: bytes, *, md5: str | None = None) -> tuple[str, str, str]:
        self.files[f"{run}.fastq.gz"] = data
        return (
            self.host_path(f"{run}.fastq.gz"),
            md5 or hashlib.md5(data).hexdigest(),
            str(len(data)),
        )

    def add_report(self, accession: str, rows: list[tuple[str, str, str, str]]) -> None:
        lines = ["run_accession\tfastq_ftp\tfastq_md5\tfastq_bytes"]
        lines += ["\t".join(r) for r in rows]
        self.reports[accession] = "\n".join(lines) + "\n"

    def file_requests(self, name: str) -> list[str | None]:
        return [rng for path, rng in self.requests if path == f"/vol1/{name}"]

    def __enter__(self) -> ArchiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.thread.join(timeout=5)


@pytest.fixture
def server():
    with ArchiveServer() as srv:
        yield srv


def _dl(server: ArchiveServer, accession: str, out: Path, **kw) -> None:
    opts = {"portal": server.portal, "scheme": "http", "retries": 2, "backoff": 0.0, "timeout": 5}
    opts.update(kw)
    download_accession(accession, out, progress_every=0.0, **opts)


def test_biosample_with_two_runs_is_concatenated_and_truncation_resumed(server, tmp_path, caplog):
    a, b = fastq_gz("SRR0000001", 300), fastq_gz("SRR0000002", 5)
    # Listed out of order: the output must follow run accession order.
    row_b = server.add_run("SRR0000002", b)
    row_a = server.add_run("SRR0000001", a)
    server.add_report("SAMN00000001", [("SRR0000002", *row_b), ("SRR0000001", *row_a)])
    server.truncate_once.add("SRR0000001.fastq.gz")
    out = tmp_path / "fastq" / "S1.fastq.gz"
    with caplog.at_level(logging.INFO, logger="mirscope"):
        _dl(server, "SAMN00000001", out)
    assert out.read_bytes() == a + b
    text = gzip.decompress(out.read_bytes()).decode()
    assert text.count("\n@") + 1 == 305 and text.startswith("@SRR0000001.0")
    # First request cut half-way, second one resumed from exactly the bytes received.
    ranges = server.file_requests("SRR0000001.fastq.gz")
    assert ranges == [None, f"bytes={len(a) // 2}-"]
    assert server.file_requests("SRR0000002.fastq.gz") == [None]
    messages = caplog.text
    assert "resuming at byte" in messages
    assert "/s" in messages and "verified (md5" in messages
    assert sorted(p.name for p in out.parent.iterdir()) == ["S1.fastq.gz"]


def test_wrong_md5_is_retried_then_fails_without_leaving_a_file(server, tmp_path):
    data = fastq_gz("SRR0000003", 20)
    row = server.add_run("SRR0000003", data, md5="0" * 32)
    server.add_report("SRR0000003", [("SRR0000003", *row)])
    out = tmp_path / "S3.fastq.gz"
    with pytest.raises(DownloadError, match=r"SRR0000003.*after 3 attempts \(MD5 mismatch"):
        _dl(server, "SRR0000003", out, retries=2)
    assert len(server.file_requests("SRR0000003.fastq.gz")) == 3
    assert list(tmp_path.iterdir()) == []


def test_cli_reports_a_wrong_md5_in_one_line_with_exit_code_1(server, tmp_path, capsys):
    data = fastq_gz("SRR0000013", 20)
    row = server.add_run("SRR0000013", data, md5="f" * 32)
    server.add_report("SRR0000013", [("SRR0000013", *row)])
    out = tmp_path / "S13.fastq.gz"
    args = ["download", "--accession", "SRR0000013", "--out", str(out)]
    args += ["--ena-portal", server.portal, "--scheme", "http", "--retries", "1", "--backoff", "0"]
    assert main(args) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("mirscope: error: SRR0000013:") and "MD5 mismatch" in err
    assert not out.exists()


def test_cli_downloads_a_run(server, tmp_path):
    data = fastq_gz("ERR0000005", 10)
    row = server.add_run("ERR0000005", data)
    server.add_report("ERR0000005", [("ERR0000005", *row)])
    out = tmp_path / "E5.fastq.gz"
    args = ["download", "--accession", "ERR0000005", "--out", str(out)]
    args += ["--ena-portal", server.portal, "--scheme", "http", "--backoff", "0"]
    assert main(args) == 0
    assert hashlib.md5(out.read_bytes()).hexdigest() == hashlib.md5(data).hexdigest()


def test_paired_run_keeps_read_1_only(server, tmp_path):
    r1, r2 = fastq_gz("ERR0000004_R1", 8), fastq_gz("ERR0000004_R2", 8)
    server.files["ERR0000004_1.fastq.gz"] = r1
    server.files["ERR0000004_2.fastq.gz"] = r2
    urls = ";".join(server.host_path(f"ERR0000004_{i}.fastq.gz") for i in (1, 2))
    md5s = ";".join(hashlib.md5(x).hexdigest() for x in (r1, r2))
    sizes = ";".join(str(len(x)) for x in (r1, r2))
    server.add_report("ERR0000004", [("ERR0000004", urls, md5s, sizes)])
    out = tmp_path / "E4.fastq.gz"
    _dl(server, "ERR0000004", out)
    assert out.read_bytes() == r1
    assert server.file_requests("ERR0000004_2.fastq.gz") == []


def test_server_ignoring_range_restarts_the_file(server, tmp_path):
    data = fastq_gz("SRR0000006", 200)
    row = server.add_run("SRR0000006", data)
    server.add_report("SRR0000006", [("SRR0000006", *row)])
    server.truncate_once.add("SRR0000006.fastq.gz")
    server.ignore_range.add("SRR0000006.fastq.gz")
    out = tmp_path / "S6.fastq.gz"
    _dl(server, "SRR0000006", out)
    assert out.read_bytes() == data


def test_restart_after_a_killed_job_reuses_verified_runs_and_resumes(server, tmp_path):
    a, b = fastq_gz("SRR0000021", 50), fastq_gz("SRR0000022", 400)
    server.add_report(
        "SAMN00000021",
        [
            ("SRR0000021", *server.add_run("SRR0000021", a)),
            ("SRR0000022", *server.add_run("SRR0000022", b)),
        ],
    )
    out = tmp_path / "S21.fastq.gz"
    # What a killed job leaves: run 1 complete, run 2 partly transferred.
    work = tmp_path / ".S21.fastq.gz.parts"
    work.mkdir()
    (work / "SRR0000021.fastq.gz").write_bytes(a)
    (work / ".SRR0000022.fastq.gz.part").write_bytes(b[:1000])
    _dl(server, "SAMN00000021", out)
    assert out.read_bytes() == a + b
    assert server.file_requests("SRR0000021.fastq.gz") == []
    assert server.file_requests("SRR0000022.fastq.gz") == ["bytes=1000-"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["S21.fastq.gz"]


@pytest.mark.slow
def test_snakemake_download_rule_fetches_accession_rows(server, tmp_path, repo_root):
    data = fastq_gz("SRR0000031", 30)
    server.add_report("SAMN00000031", [("SRR0000031", *server.add_run("SRR0000031", data))])
    local = tmp_path / "local.fastq.gz"
    local.write_bytes(fastq_gz("LOCAL", 3))
    (tmp_path / "samples.tsv").write_text(
        f"sample_id\tfastq\taccession\nL1\t{local}\t\nA1\t\tSAMN00000031\n"
    )
    (tmp_path / "config.yaml").write_text(
        "samples: samples.tsv\noutdir: out\n"
        f"download:\n  ena_portal: {server.portal}\n  scheme: http\n  backoff: 0\n"
    )
    venv_bin = Path(sys.executable).parent
    env = {"PATH": f"{venv_bin}:/usr/bin:/bin", "HOME": str(tmp_path)}
    cmd = [str(venv_bin / "snakemake"), "--snakefile", str(repo_root / "Snakefile"), "--cores", "1"]
    cmd += ["out/fastq/A1.fastq.gz", "--configfile", str(tmp_path / "config.yaml")]
    res = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert (tmp_path / "out" / "fastq" / "A1.fastq.gz").read_bytes() == data
    log = (tmp_path / "out" / "logs" / "mirscope_download" / "A1.log").read_text()
    assert "SAMN00000031: 1 run(s): SRR0000031" in log and "verified (md5" in log
    # A local-FASTQ row has no download job.
    res = subprocess.run(
        [*cmd[:-3], "out/fastq/L1.fastq.gz", *cmd[-2:], "-n"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert res.returncode != 0 and "MissingRuleException" in res.stderr + res.stdout


def test_missing_file_is_a_permanent_error_without_retries(server, tmp_path):
    server.add_report(
        "SRR0000007", [("SRR0000007", server.host_path("SRR0000007.fastq.gz"), "", "")]
    )
    out = tmp_path / "S7.fastq.gz"
    with pytest.raises(DownloadError, match="HTTP 404"):
        _dl(server, "SRR0000007", out, retries=3)
    assert len(server.file_requests("SRR0000007.fastq.gz")) == 1
    assert list(tmp_path.iterdir()) == []


def test_accession_without_runs_is_explained(server, tmp_path):
    server.reports["SAMEA0000008"] = ""
    with pytest.raises(MirscopeError, match="ENA returned no runs"):
        _dl(server, "SAMEA0000008", tmp_path / "x.fastq.gz")


def test_unreachable_server_fails_after_retries(tmp_path):
    with ArchiveServer() as srv:
        portal = srv.portal
    # The server is closed now: connection refused on every attempt.
    with pytest.raises(DownloadError, match="failed after 2 attempts"):
        download_accession(
            "SRR0000009", tmp_path / "x.fastq.gz", portal=portal, retries=1, backoff=0.0
        )


def test_fetch_verifies_sha256_and_size(server, tmp_path):
    data = b"x" * 1000
    server.files["blob"] = data
    url = f"http://127.0.0.1:{server.port}/vol1/blob"
    res = fetch(url, tmp_path / "blob", sha256=hashlib.sha256(data).hexdigest(), backoff=0)
    assert res.size == 1000 and (tmp_path / "blob").read_bytes() == data
    with pytest.raises(DownloadError, match="size 1000 bytes, expected 999"):
        fetch(url, tmp_path / "blob2", size=999, retries=0)
    assert not (tmp_path / "blob2").exists()


@pytest.mark.parametrize("bad", ["SRP123456", "GSM1234", "SAMN", "srr123", "SRR12a"])
def test_bad_accessions_are_rejected(bad):
    with pytest.raises(InputError, match="not an SRA/ENA accession"):
        check_accession(bad)


def test_parse_filereport_prefixes_scheme_and_sorts_runs():
    text = (
        "run_accession\tfastq_ftp\tfastq_md5\tfastq_bytes\n"
        "SRR2\tftp.sra.ebi.ac.uk/vol1/fastq/SRR2.fastq.gz\tabc\t10\n"
        "SRR1\tftp.sra.ebi.ac.uk/vol1/fastq/SRR1.fastq.gz\tdef\t20\n"
    )
    runs = parse_filereport(text, "SAMN1")
    assert [r.run for r in runs] == ["SRR1", "SRR2"]
    assert runs[0].url == "https://ftp.sra.ebi.ac.uk/vol1/fastq/SRR1.fastq.gz"
    assert runs[0].md5 == "def" and runs[0].size == 20


# --- sra-tools backend: fake executables on PATH, no network -------------------------------

FAKE_PREFETCH = """#!{python}
import os, sys
with open(os.environ["FAKE_LOG"], "a") as fh:
    fh.write("prefetch " + " ".join(sys.argv[1:]) + "\\n")
if os.environ.get("FAKE_FAIL") == "prefetch":
    sys.stderr.write("err: item not found\\n")
    sys.exit(3)
args = sys.argv[1:]
outdir = args[args.index("--output-directory") + 1]
run = args[-1]
os.makedirs(os.path.join(outdir, run), exist_ok=True)
open(os.path.join(outdir, run, run + ".sra"), "w").write("SRA")
"""

FAKE_FASTERQ = """#!{python}
import os, sys
with open(os.environ["FAKE_LOG"], "a") as fh:
    fh.write("fasterq-dump " + " ".join(sys.argv[1:]) + "\\n")
if os.environ.get("FAKE_FAIL") == "fasterq-dump":
    sys.stderr.write("fasterq-dump failed: disk full\\n")
    sys.exit(2)
args = sys.argv[1:]
outdir = args[args.index("--outdir") + 1]
run = os.path.basename(args[-1]).split(".")[0]
paired = os.environ.get("FAKE_PAIRED") == "1"
for suffix in (["_1", "_2"] if paired else [""]):
    with open(os.path.join(outdir, run + suffix + ".fastq"), "w") as fh:
        fh.write("@%s%s\\nACGT\\n+\\nIIII\\n" % (run, suffix))
"""


@pytest.fixture
def fake_sra(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name, text in (("prefetch", FAKE_PREFETCH), ("fasterq-dump", FAKE_FASTERQ)):
        exe = bindir / name
        exe.write_text(text.format(python=sys.executable))
        exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "calls.log"
    monkeypatch.setenv("PATH", str(bindir))
    monkeypatch.setenv("FAKE_LOG", str(log))
    return log


def test_sra_tools_backend_runs_prefetch_then_fasterq_dump(fake_sra, tmp_path):
    out = tmp_path / "out" / "R1.fastq.gz"
    download_accession("SRR0000010", out, backend="sra-tools", threads=3, portal="http://unused")
    assert gzip.decompress(out.read_bytes()).decode() == "@SRR0000010\nACGT\n+\nIIII\n"
    calls = fake_sra.read_text().splitlines()
    assert calls[0].startswith("prefetch --max-size u --output-directory ")
    assert calls[0].endswith(" SRR0000010")
    assert calls[1].startswith("fasterq-dump --split-files --skip-technical --threads 3 ")
    assert calls[1].endswith("/SRR0000010/SRR0000010.sra")
    assert sorted(p.name for p in out.parent.iterdir()) == ["R1.fastq.gz"]


def test_sra_tools_backend_keeps_read_1_of_paired_runs(fake_sra, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_PAIRED", "1")
    out = tmp_path / "R2.fastq.gz"
    download_accession("DRR0000011", out, backend="sra-tools", portal="http://unused")
    assert gzip.decompress(out.read_bytes()).decode() == "@DRR0000011_1\nACGT\n+\nIIII\n"


@pytest.mark.parametrize(
    ("tool", "message"),
    [("prefetch", "exited with code 3: err: item not found"), ("fasterq-dump", "disk full")],
)
def test_sra_tools_failure_is_reported_and_leaves_nothing(
    fake_sra, tmp_path, monkeypatch, tool, message
):
    monkeypatch.setenv("FAKE_FAIL", tool)
    out = tmp_path / "out" / "R3.fastq.gz"
    with pytest.raises(MirscopeError, match=message):
        download_accession("SRR0000012", out, backend="sra-tools", portal="http://unused")
    assert list(out.parent.iterdir()) == []


def test_missing_sra_tools_say_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MirscopeError, match=r"prefetch, fasterq-dump.*sra-toolkit.*backend: ena"):
        download_accession("SRR0000012", tmp_path / "x.fastq.gz", backend="sra-tools")


def test_command_construction():
    work = Path("/w")
    assert prefetch_command("SRR1", work) == [
        "prefetch",
        "--max-size",
        "u",
        "--output-directory",
        "/w",
        "SRR1",
    ]
    cmd = fasterq_dump_command(work / "SRR1" / "SRR1.sra", work, 4)
    assert cmd[0] == "fasterq-dump" and cmd[-1] == "/w/SRR1/SRR1.sra"
    assert cmd[cmd.index("--threads") + 1] == "4" and cmd[cmd.index("--outdir") + 1] == "/w"


def test_naddeo_sample_sheet_lists_the_61_biosamples(repo_root, monkeypatch):
    from mirscope.inputs.config import load_config
    from mirscope.inputs.sheets import read_samples

    cfg = load_config(repo_root / "config" / "naddeo2026.yaml")
    monkeypatch.chdir(repo_root)
    sheet = read_samples(cfg["samples"])
    expected = [f"SAMN{n}" for n in range(39307284, 39307345)]
    assert list(sheet["accession"]) == expected and len(expected) == 61
    assert cfg["preset"] == "qiaseq" and cfg["clinical"] is None
    text = (repo_root / "config" / "naddeo2026.yaml").read_text()
    assert "# clinical: path/to/your_clinical.tsv" in text
