"""Drive headless Chromium over the DevTools protocol, to read what a page shows.

``chromium --dump-dom`` serialises only the top document, but Snakemake's report shows an
HTML item (our table pages) in an iframe loaded from a ``data:`` URI when the item is
clicked. To check that a table's cells are really visible, the test opens the report,
clicks through its own navigation, and reads the iframe's rendered text
(``innerText``, which leaves out hidden elements). The protocol runs over
``--remote-debugging-pipe`` (JSON messages separated by NUL bytes on file descriptors 3
and 4), so no websocket library or network port is needed.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from pathlib import Path


class ChromiumError(RuntimeError):
    pass


class Chromium:
    """One headless Chromium with one page, controlled through the DevTools pipe."""

    def __init__(self, binary: str, profile: Path, *, timeout: float = 60.0) -> None:
        self.timeout = timeout
        flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            # The report's iframe is a data: URL; keep it in the page's process so its
            # document can be read from the page's session.
            "--disable-site-isolation-trials",
            "--disable-features=IsolateOrigins,site-per-process",
            "--window-size=1400,1000",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        # bash puts our pipes on the descriptors Chromium reads (3) and writes (4).
        script = 'exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null'
        self.proc = subprocess.Popen(
            ["bash", "-c", script, binary, *flags],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.call("Page.enable", session=self.session)
        self.call("Runtime.enable", session=self.session)

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (ChromiumError, OSError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChromiumError("no answer from Chromium in time")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
                if not chunk:
                    raise ChromiumError("Chromium closed the DevTools pipe")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, *, session: str | None = None, **params) -> dict:
        """Send one command and return its result (events meanwhile are kept)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        self.proc.stdin.write(json.dumps(message).encode() + b"\0")
        self.proc.stdin.flush()
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise ChromiumError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def evaluate(self, expression: str, *, context: int | None = None):
        """The value of a JavaScript expression in the page (or an execution context);
        promises are awaited."""
        params = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        if context is not None:
            params["contextId"] = context
        result = self.call("Runtime.evaluate", session=self.session, **params)
        if "exceptionDetails" in result:
            raise ChromiumError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str) -> None:
        self.call("Page.navigate", session=self.session, url=url)
        self.wait_for("document.readyState === 'complete'")

    def wait_for(self, condition: str, *, context: int | None = None) -> None:
        """Poll a JavaScript condition until it holds (or time runs out)."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                if self.evaluate(f"Boolean({condition})", context=context):
                    return
            except ChromiumError:
                pass
            time.sleep(0.2)
        raise ChromiumError(f"timed out waiting for {condition}")

    def frame_text(self, url_prefix: str, *, startswith: str = "") -> str:
        """The rendered text of the child frame whose URL starts with ``url_prefix``, once
        it starts with ``startswith`` (a frame being replaced still shows the old one)."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            tree = self.call("Page.getFrameTree", session=self.session)["frameTree"]
            frames = [
                c["frame"]
                for c in tree.get("childFrames", [])
                if c["frame"].get("url", "").startswith(url_prefix)
            ]
            if frames:
                world = self.call(
                    "Page.createIsolatedWorld",
                    session=self.session,
                    frameId=frames[0]["id"],
                    worldName="check",
                )["executionContextId"]
                text = self.evaluate(
                    "document.readyState === 'complete' && document.body"
                    " ? document.body.innerText : ''",
                    context=world,
                )
                if text and text.startswith(startswith):
                    return text
            time.sleep(0.2)
        raise ChromiumError(f"no frame {url_prefix}… rendered text in time")

    def wait_for_frame(self, url_prefix: str, condition: str) -> None:
        """Poll a JavaScript condition in the child frame whose URL starts with
        ``url_prefix`` until it holds (or time runs out)."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                if self.frame_evaluate(url_prefix, f"Boolean({condition})"):
                    return
            except (ChromiumError, ValueError):
                pass
            time.sleep(0.2)
        raise ChromiumError(f"timed out waiting in the frame for {condition}")

    def screenshot(self, path: Path) -> None:
        """Save what the page shows now as a PNG, for a person to look at."""
        import base64

        data = self.call("Page.captureScreenshot", session=self.session, format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def frame_evaluate(self, url_prefix: str, expression: str):
        """Evaluate JavaScript in the child frame whose URL starts with ``url_prefix``."""
        tree = self.call("Page.getFrameTree", session=self.session)["frameTree"]
        (frame,) = [
            c["frame"]
            for c in tree.get("childFrames", [])
            if c["frame"].get("url", "").startswith(url_prefix)
        ]
        world = self.call(
            "Page.createIsolatedWorld",
            session=self.session,
            frameId=frame["id"],
            worldName="check",
        )["executionContextId"]
        return self.evaluate(expression, context=world)
