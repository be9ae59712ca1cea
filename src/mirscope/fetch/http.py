"""Robust HTTP(S) downloads with the standard library: retries, resume, checksums, progress.

Public sequence archives and miRBase are large, slow and sometimes flaky, so one transfer
may stop half-way. :func:`fetch` therefore

* retries with exponential backoff (``backoff * 2**attempt`` seconds) on network errors,
  5xx and 408/429 answers; other 4xx answers (404, 403, ...) are permanent and fail at once;
* resumes a truncated transfer with an HTTP ``Range`` request from the bytes already on
  disk (a server that ignores ``Range`` and answers 200 restarts the file from zero);
* logs progress (bytes done, total, rate) at most every ``progress_every`` seconds;
* verifies an expected MD5 and/or SHA-256 when given; a mismatch discards the file and
  counts as a failed attempt (so a corrupt transfer is fetched again, then reported);
* writes atomically: data goes to a temporary ``.part`` file next to the destination,
  renamed into place only after verification, so a failure never leaves a partial file.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from mirscope.errors import MirscopeError

log = logging.getLogger(__name__)

CHUNK = 1 << 16
USER_AGENT = "mirscope (https://github.com/; small-RNA reanalysis pipeline)"
#: HTTP status codes worth retrying; every other 4xx is a permanent failure.
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class DownloadError(MirscopeError):
    """A transfer failed for good (after all retries, or with a permanent HTTP error)."""


@dataclass(frozen=True)
class FetchResult:
    """What :func:`fetch` did: final size, hashes and how many attempts/resumes it took."""

    path: Path
    size: int
    md5: str
    sha256: str
    attempts: int
    resumes: int


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


def _hash_file(path: Path) -> tuple[str, str]:
    md5, sha = hashlib.md5(), hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            md5.update(block)
            sha.update(block)
    return md5.hexdigest(), sha.hexdigest()


def get_text(url: str, *, retries: int = 5, backoff: float = 2.0, timeout: float = 60.0) -> str:
    """GET a small text resource (an API answer) with the same retry policy as :func:`fetch`."""
    last: Exception | None = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            if exc.code not in RETRYABLE_STATUS:
                raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
            last = exc
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            last = exc
        log.warning("GET %s failed (attempt %d of %d): %s", url, attempt + 1, retries + 1, last)
    raise DownloadError(f"{url}: failed after {retries + 1} attempts: {last}")


def _transfer(
    url: str, part: Path, *, timeout: float, progress_every: float, label: str
) -> tuple[bool, int | None]:
    """One HTTP request appending to ``part`` (resuming from its size).

    Returns (complete, total_size). ``complete`` is False when the body ended early.
    Network errors propagate to the caller, which decides on a retry.
    """
    offset = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": USER_AGENT}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    req = urllib.request.Request(url, headers=headers)
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:
            # Requested range not satisfiable: what we have is already the whole file.
            return True, offset
        raise
    with resp:
        status = resp.status
        length = resp.headers.get("Content-Length")
        length = int(length) if length is not None else None
        if offset and status == 206:
            total = offset + length if length is not None else None
            mode = "ab"
            log.info("%s: resuming at byte %d", label, offset)
        else:
            if offset:
                log.info("%s: server ignored Range; restarting from byte 0", label)
            offset, total, mode = 0, length, "wb"
        done = offset
        t0 = last = time.monotonic()
        with open(part, mode) as fh:
            while True:
                try:
                    block = resp.read(CHUNK)
                except (http.client.IncompleteRead, ConnectionError, TimeoutError) as exc:
                    log.warning("%s: connection lost after %s: %s", label, _human(done), exc)
                    return False, total
                if not block:
                    break
                fh.write(block)
                done += len(block)
                now = time.monotonic()
                if now - last >= progress_every:
                    rate = (done - offset) / max(now - t0, 1e-9)
                    pct = f" ({100 * done / total:.0f}%)" if total else ""
                    size = f" of {_human(total)}" if total else ""
                    log.info("%s: %s%s%s, %s/s", label, _human(done), size, pct, _human(rate))
                    last = now
        elapsed = time.monotonic() - t0
        rate = (done - offset) / max(elapsed, 1e-9)
        log.info("%s: %s transferred in %.1f s (%s/s)", label, _human(done), elapsed, _human(rate))
        if total is not None and done < total:
            log.warning("%s: body ended early at %d of %d bytes", label, done, total)
            return False, total
        return True, total


def fetch(
    url: str,
    dest: str | os.PathLike[str],
    *,
    md5: str | None = None,
    sha256: str | None = None,
    size: int | None = None,
    retries: int = 5,
    backoff: float = 2.0,
    timeout: float = 60.0,
    progress_every: float = 10.0,
    label: str | None = None,
) -> FetchResult:
    """Download ``url`` to ``dest`` atomically, resuming and retrying; verify checksums.

    ``retries`` counts attempts after the first; a truncated body resumed within the same
    attempt budget. Raises :class:`DownloadError` (and leaves no file) when all fail.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f".{dest.name}.part")
    label = label or dest.name
    md5 = md5.lower() if md5 else None
    sha256 = sha256.lower() if sha256 else None
    resumes = 0
    last_error = "unknown error"
    try:
        for attempt in range(retries + 1):
            if attempt:
                wait = backoff * 2 ** (attempt - 1)
                log.info("%s: retry %d of %d in %.1f s", label, attempt, retries, wait)
                time.sleep(wait)
            try:
                if part.exists() and part.stat().st_size:
                    resumes += 1
                complete, total = _transfer(
                    url, part, timeout=timeout, progress_every=progress_every, label=label
                )
            except urllib.error.HTTPError as exc:
                if exc.code not in RETRYABLE_STATUS:
                    raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
                last_error = f"HTTP {exc.code} {exc.reason}"
                continue
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                last_error = str(getattr(exc, "reason", exc))
                log.warning("%s: %s", label, last_error)
                continue
            if not complete:
                last_error = "transfer truncated"
                continue
            got = part.stat().st_size
            expect = size if size is not None else total
            if expect is not None and got != expect:
                last_error = f"size {got} bytes, expected {expect}"
                log.warning("%s: %s; discarding", label, last_error)
                part.unlink()
                continue
            got_md5, got_sha = _hash_file(part)
            if md5 and got_md5 != md5:
                last_error = f"MD5 mismatch: got {got_md5}, expected {md5}"
                log.warning("%s: %s; discarding and fetching again", label, last_error)
                part.unlink()
                continue
            if sha256 and got_sha != sha256:
                last_error = f"SHA-256 mismatch: got {got_sha}, expected {sha256}"
                log.warning("%s: %s; discarding and fetching again", label, last_error)
                part.unlink()
                continue
            os.replace(part, dest)
            log.info("%s: verified (md5 %s) -> %s", label, got_md5, dest)
            return FetchResult(dest, got, got_md5, got_sha, attempt + 1, resumes)
        raise DownloadError(
            f"{url}: download failed after {retries + 1} attempts ({last_error}); "
            "nothing was written"
        )
    finally:
        if part.exists():
            part.unlink()
