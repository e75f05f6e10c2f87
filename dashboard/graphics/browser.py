"""One offline Chromium, driven by Playwright on a thread of its own, that lays out and draws graphics.

Playwright's sync API belongs to the thread that started it, and request
threads come and go, so every call is queued to one renderer thread (two
exports at the same time both succeed, one after the other). The browser is
Debian's chromium through `dashboard/bin/chromium-offline`, started once per
process and restarted after `RESTART_AFTER` pages, or between jobs once the
anonymous resident memory of its process tree (from /proc) passes
`$JEWELCRIME_CHROMIUM_MAX_MB` (default 1024), to keep its memory bounded.

Everything on disk the renderer makes (its `jewelcrime-render-*` folder, and
Playwright's `playwright_chromiumdev_profile-*` profiles, which the driver is
told to make inside that folder) goes when the renderer closes, on exit or
SIGTERM (`install_signal_cleanup`); the folders of a process that was killed
are removed by the next renderer that starts (`remove_orphans`).

Nothing leaves the machine: every request a page makes is answered from the
package (plotly's base-map topojson) or refused, and refused requests are
recorded in `Renderer.blocked`; a proxy that goes nowhere (a closed local
port, or $JEWELCRIME_RENDER_PROXY) catches anything Chromium itself sends.
"""
from __future__ import annotations

import atexit
import json
import os
import queue
import secrets
import signal
import tempfile
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from dashboard.graphics import processes


# plotly.js with only the trace types graphics draw (scripts/build_plotly_bundle.sh): a third of the full
# bundle's 4.8 MB, so a new process parses it in a third of the time
PLOTLY_JS = Path(__file__).parent / "vendor" / "plotly-graphics.min.js"
BUNDLE_TRACES = ("scatter", "bar", "scattergeo", "choropleth")
CHART_JS = Path(__file__).parent / "templates" / "chart-page.js"
CHROMIUM = Path(__file__).resolve().parents[1] / "bin" / "chromium-offline"
PROXY_ENV = "JEWELCRIME_RENDER_PROXY"
CLOSED_PORT_PROXY = "127.0.0.1:9"
TOPOJSON_DIR = Path(__file__).resolve().parents[1] / "assets" / "topojson"
LOCAL_ORIGIN = "http://graphics.invalid"  # answered by the route below, never by a network
# no GPU compositing either: measured on this 2-core machine, the first image comes about 0.15 s sooner
# (benchmarks/export_bench.py)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-gpu-compositing", "--disable-dev-shm-usage", "--no-first-run", "--disable-sync",
        "--disable-extensions", "--enable-unsafe-swiftshader", "--font-render-hinting=none"]
RESTART_AFTER = 500
MAX_MB_ENV, MAX_MB_DEFAULT = "JEWELCRIME_CHROMIUM_MAX_MB", 1024
MEASURE_EVERY_S = 2.0  # a few ms of /proc reads, on a thread of its own
RENICE_EVERY_S = 1.0  # how soon a new Chromium process of a lowered-priority renderer is lowered too
TMP_PREFIX = "jewelcrime-render-"
PROFILE_PREFIX = "playwright_chromiumdev_profile-"
OWNER_FLAG = "--jewelcrime-renderer="  # on the browser's command line: /proc finds it, and its owner, by it
TIMEOUT_S = 60
IDLE_AFTER_S = 0.25  # no job for this long: the renderer gets the next page ready


class RenderError(RuntimeError):
    """The browser could not draw the graphic (the message says why)."""


@dataclass
class Session:
    """What a job gets: pages a graphic is laid out in and the page that turns plotly figures into SVG."""

    renderer: "Renderer"

    @property
    def page(self) -> Any:
        """A page of no particular size, made on first use (each new page costs a cold export about 0.2 s)."""
        if self.renderer._page is None:
            self.renderer._page = self.renderer._context.new_page()
        return self.renderer._page

    def page_for(self, width: int, height: int, purpose: str = "screen") -> Any:
        """A page whose viewport is already width x height, one per size and purpose ("screen" for PNG,
        "files" for PDF, SVG and HTML), reused: resizing a page, printing it or serialising it makes its next
        screenshot repaint everything (about 1 s)."""
        pages = self.renderer._pages
        key = (int(width), int(height), purpose)
        if key not in pages:
            page = self.renderer._context.new_page()
            page.set_viewport_size({"width": key[0], "height": key[1]})
            pages[key] = page
        return pages[key]

    def chart_svg(self, figure_json: str, width: int, height: int) -> str:
        """A plotly figure (its JSON) as SVG text at width x height, drawn by plotly.js in the browser."""
        return self.renderer._chart_page_ready().evaluate("([fig, w, h]) => jcChartSvg(fig, w, h)",
                                                          [figure_json, int(width), int(height)])


def _warm_up(session: Session) -> None:
    """The job warm() queues: Chromium starts and opens the page of the most common size (its first page
    starts a renderer process, about 0.3 s) while the caller is still importing and querying."""
    session.page_for(1080, 1080, "screen")


class Renderer:
    """A queue of jobs run one at a time against one Chromium."""

    def __init__(self) -> None:
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.blocked: list[str] = []  # requests refused because they would have left the machine
        self.pages_drawn = 0
        self.restarts = 0  # browsers started again (page count or memory cap) since this renderer began
        self.memory_mb = 0.0  # the browser's process tree, last measured
        self.measure_every_s = MEASURE_EVERY_S
        self._browser_pid: int | None = None
        self._stop_measuring = threading.Event()

    # -- public -------------------------------------------------------------------------
    def run(self, job: Callable[[Session], Any], timeout: float = TIMEOUT_S) -> Any:
        """Run job(session) on the renderer thread and return what it returns (its exception is raised here)."""
        self._start()
        done: Future = Future()
        self._jobs.put((job, done))
        return done.result(timeout=timeout)

    def warm(self) -> None:
        """Start Chromium now, without waiting, so it launches while the caller queries the database."""
        self._start()
        self._jobs.put((_warm_up, Future()))

    def close(self) -> None:
        with self._lock:
            if self._thread is None:
                return
            self._jobs.put(None)
            self._thread.join(timeout=20)
            self._thread = None

    # -- the renderer thread --------------------------------------------------------------
    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="jewelcrime-renderer", daemon=True)
                self._thread.start()

    def _launch(self) -> None:
        from playwright.sync_api import sync_playwright

        if not hasattr(self, "_pw") or self._pw is None:
            remove_orphans()
            # Node (Playwright's driver) keeps the code it compiled on disk: its start is 0.1 s shorter next time
            os.environ.setdefault("NODE_COMPILE_CACHE", str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
                                                             / "jewelcrime" / "node-compile-cache"))
            # the driver makes each browser's profile in its temp folder: ours, so it goes when ours goes
            before = os.environ.get("TMPDIR")
            os.environ["TMPDIR"] = self._profile_dir()
            try:
                self._pw = sync_playwright().start()
            finally:
                os.environ.pop("TMPDIR") if before is None else os.environ.__setitem__("TMPDIR", before)
        proxy = os.environ.get(PROXY_ENV) or CLOSED_PORT_PROXY
        pid = os.getpid()
        token = f"{OWNER_FLAG}{pid}.{processes.start_time(pid)}.{secrets.token_hex(4)}"
        # Chromium keeps its singleton socket in $TMPDIR too: ours, unless that makes the socket's path longer
        # than a Unix socket may be (108 bytes), when it goes to the usual temp folder as before
        tmp = self._profile_dir() if len(self._profile_dir()) <= 60 else tempfile.gettempdir()
        try:
            self._browser = self._pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[*ARGS, token],
                                                     proxy={"server": f"http://{proxy}"},
                                                     env={**os.environ, "TMPDIR": tmp})
        except Exception as exc:  # Playwright reports a missing browser with its own error types
            raise RenderError(f"could not start Chromium ({type(exc).__name__}: {str(exc).splitlines()[0]}); is "
                              "Debian's chromium installed (apt-get install -y chromium)?") from None
        self._context = self._browser.new_context(device_scale_factor=1, java_script_enabled=True,
                                                  service_workers="block")
        self._context.route("**/*", self._route)
        self._page = None
        self._pages: dict[tuple[int, int, str], Any] = {}
        self._chart_page = None
        self.pages_drawn = 0
        self._browser_pid = processes.find_browser(token)
        self.memory_mb = 0.0

    def _new_chart_page(self) -> Any:
        """The page plotly.js draws charts in. It starts loading and returns at once: Chromium parses the
        1.5 MB script (about 1 s) in its own process while graphics pages go on; chart_svg waits for it."""
        page = self._context.new_page()
        # a file page loads plotly.js from the package by itself; handing 1.5 MB over the driver's pipe
        # would hold up the renderer thread
        html = Path(self._profile_dir()) / "chart.html"
        html.write_text(f'<!doctype html><html><head><script>window.jcTopojsonURL = "{LOCAL_ORIGIN}/topojson/";</script>'
                        f'<script src="{PLOTLY_JS.as_uri()}"></script><script src="{CHART_JS.as_uri()}"></script>'
                        "</head><body></body></html>", encoding="utf-8")
        page.goto(html.as_uri(), wait_until="commit")
        return page

    def _chart_page_ready(self) -> Any:
        """The chart page, once plotly.js has loaded and drawn its warm-up figures."""
        if self._chart_page is None:
            self._chart_page = self._new_chart_page()
        self._chart_page.wait_for_function("window.jcChartReady === true", timeout=TIMEOUT_S * 1000)
        return self._chart_page

    def _profile_dir(self) -> str:
        if getattr(self, "_tmp", None) is None:
            import tempfile

            self._tmp = tempfile.TemporaryDirectory(prefix=TMP_PREFIX)
            processes.write_owner(Path(self._tmp.name))
        return self._tmp.name

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(f"{LOCAL_ORIGIN}/topojson/"):
            name = url.rsplit("/", 1)[-1]
            path = TOPOJSON_DIR / name
            if path.is_file() and path.parent == TOPOJSON_DIR:  # asked for by the chart page (a file page)
                return route.fulfill(status=200, content_type="application/json", body=path.read_bytes(),
                                     headers={"Access-Control-Allow-Origin": "*"})
        if url.startswith(("data:", "about:", "blob:")) or url in (PLOTLY_JS.as_uri(), CHART_JS.as_uri()) or url.startswith(
                Path(self._profile_dir()).as_uri()):
            return route.continue_()
        self.blocked.append(url)
        return route.abort("blockedbyclient")

    def _when_idle(self) -> None:
        """Between jobs, one step of getting ready: start loading plotly.js, then open a page for each size
        (a new page costs about 0.1 s; paid here, it is not paid by the next export)."""
        from dashboard.graphics.presets import PRESETS

        try:
            if self._chart_page is None:
                self._chart_page = self._new_chart_page()
                return
            for purpose in ("screen", "files"):
                for p in PRESETS:
                    if (p.width, p.height, purpose) not in self._pages:
                        Session(self).page_for(p.width, p.height, purpose)
                        return
        except Exception:  # noqa: BLE001 - whatever failed is made again on first use
            return

    def _shut_browser(self) -> None:
        for closer in (getattr(self, "_context", None), getattr(self, "_browser", None)):
            try:
                if closer is not None:
                    closer.close()
            except Exception:  # noqa: BLE001 - a browser that died is closed already
                pass
        self._browser = self._context = None
        self._browser_pid = None

    def _too_big(self) -> bool:
        """Whether the browser's process tree held more memory than the cap when last measured (checked
        between jobs: a job is never cut short)."""
        return self._browser_pid is not None and self.memory_mb > max_mb()

    def _measure(self) -> None:
        """Every `measure_every_s`, the memory of the browser's process tree into `memory_mb`, and in a process
        that lowered its own priority (the export worker), Chromium's processes lowered as far (a thread of
        its own, so the reads never hold up a job)."""
        niceness, measured = os.getpriority(os.PRIO_PROCESS, 0), 0.0
        while not self._stop_measuring.wait(min(RENICE_EVERY_S, self.measure_every_s)):
            pid = self._browser_pid
            if pid is None:
                continue
            members = processes.tree(pid)
            if niceness > 0:
                processes.renice(members, niceness)
            if time.monotonic() - measured >= self.measure_every_s:
                measured, used = time.monotonic(), processes.tree_memory_mb(pid, members)
                if pid == self._browser_pid:  # not a browser that was restarted meanwhile
                    self.memory_mb = used

    def _loop(self) -> None:
        self._pw = None
        self._browser = None
        self._stop_measuring.clear()
        threading.Thread(target=self._measure, name="jewelcrime-renderer-memory", daemon=True).start()
        try:
            while True:
                try:  # idle steps wait for a pause: in a batch, each would hold up the next export
                    item = self._jobs.get(timeout=IDLE_AFTER_S)
                except queue.Empty:
                    if self._browser is not None:
                        self._when_idle()
                    continue
                if item is None:
                    break
                job, done = item
                if not done.set_running_or_notify_cancel():
                    continue
                try:
                    if self._browser is None or not self._browser.is_connected() or self.pages_drawn >= RESTART_AFTER \
                            or self._too_big():
                        self.restarts += self._browser is not None
                        self._shut_browser()
                        self._launch()
                    self.pages_drawn += 1
                    done.set_result(job(Session(self)))
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    done.set_exception(exc)
                if self._browser is not None and self._chart_page is None and job is not _warm_up:
                    # plotly.js parses (about 1 s) in a renderer process of its own while the next graphics
                    # are laid out; started after the first job, so it does not slow the first image
                    self._when_idle()
        finally:
            self._stop_measuring.set()
            self._shut_browser()
            if self._pw is not None:
                self._pw.stop()
                self._pw = None
            if getattr(self, "_tmp", None) is not None:
                self._tmp.cleanup()
                self._tmp = None


_shared: Renderer | None = None
_shared_lock = threading.Lock()


def shared() -> Renderer:
    """The process's renderer, created on first use (a plain import starts nothing)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Renderer()
            atexit.register(_shared.close)
        return _shared


def shutdown() -> None:
    if _shared is not None:
        _shared.close()


def max_mb() -> float:
    """The memory cap of a renderer's Chromium in MB ($JEWELCRIME_CHROMIUM_MAX_MB; a bad value is ignored)."""
    try:
        return max(float(os.environ.get(MAX_MB_ENV) or MAX_MB_DEFAULT), 0.0)
    except ValueError:
        return float(MAX_MB_DEFAULT)


def remove_orphans() -> None:
    """Kill the Chromium of renderers whose process is gone and remove their folders and profiles."""
    processes.kill_orphan_browsers(OWNER_FLAG)
    processes.remove_orphans(Path(tempfile.gettempdir()), TMP_PREFIX, PROFILE_PREFIX)


def install_signal_cleanup() -> None:
    """On SIGTERM, close the process's renderer (browser, driver, folders) and then die of SIGTERM as before.
    Call it from the main thread of a process that owns its signals (the export worker does)."""
    def on_term(signum: int, _frame: Any) -> None:
        shutdown()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, on_term)


def dumps(figure: Any) -> str:
    """A plotly figure (or its dict) as JSON for the browser (plotly's own encoder: numpy and dates included)."""
    from plotly.utils import PlotlyJSONEncoder

    return figure if isinstance(figure, str) else json.dumps(figure, cls=PlotlyJSONEncoder)
