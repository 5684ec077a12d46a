"""Rehearse a class on one machine: JupyterHub, simulated learners under load, and faults.

    make classroom LEARNERS=8                        # or: .venv/bin/python tools/classroom.py --learners 8
    .venv/bin/python tools/classroom.py --learners 3 --think 0.2,0.5 --cull-timeout 40 --cull-every 5

What it starts, all on 127.0.0.1 and all from the course's pins (Linux):
- configurable-http-proxy from tests/node (npm), on its own, and JupyterHub with tools/classroom/jupyterhub_config.py:
  a local-process spawner with every learner in their own folder below a temporary root, a dummy authenticator
  with one shared password, a per-learner memory limit, the idle culler (jupyterhub-idle-culler) as a hub service.
- The course is published as a git repository (the checkout's HEAD commit, in the temporary root) and every
  learner pulls it into their folder with nbgitpuller, as a class's nbgitpuller link does.

What each simulated learner does, through the hub's REST API and the server's REST and WebSocket APIs only (no
browser): log in on the hub's login form, ask for an API token, start their server, pull the course, open the
lesson (a notebook session with the course kernel), run it cell by cell with think time between cells, move a
slider of `segcourse.explore(...)` the way JupyterLab does (a comm message that updates the slider model's state)
and time each step until the new image arrives, then ask for an exercise's solution, run it and check it.

The lesson is chosen when the rehearsal runs (lessons are renamed and split over time): the first notebook in
notebooks/, by name, whose code calls `explore(` and an exercise's `.check(` and does not open napari. Its
exercise is the first `<exercise>.check(<answer>)` call in it; the solution is that exercise's `solution_text`.

Every learner starts with an empty OpenCL kernel cache (~/.cache/pocl in a new home: the first cell of each OpenCL
operation compiles), unless --warm-cache: then the lesson runs once first to fill a cache that everyone starts with,
as the image built from .binder/ provides it.

First one learner works alone (the baseline), then N learners at once, with these faults (--faults):
- kill:        one learner's kernel is killed (SIGKILL) while it runs a cell mid-lesson; the server restarts it, the
               learner re-runs the lesson up to there and goes on. Nobody else is affected.
- memory:      one learner runs a cell that allocates twice the per-learner memory limit. The limit is the
               address-space limit (RLIMIT_AS) that the spawner sets on the learner's server and so on its kernels:
               the allocation fails with MemoryError in that kernel alone, which stays alive.
- hub-restart: the hub is stopped and started again while everyone works; servers and kernels keep running
               (the proxy is separate and the hub does not stop servers), and nobody's cell fails.
- read-only:   one learner's output folder (~/segcourse-output) cannot be written; `segcourse.output_dir(...)`
               must say so clearly (which folder, and to set SEGCOURSE_OUTPUT), and exercises still get checked.
- idle:        one more learner logs in, starts a server and does nothing; the culler must stop that server
               (checked when --cull-timeout is short enough to see it within the rehearsal).

Measured: per learner the cell latency (execute request to idle) p50/p95 and against the same cell run alone,
slider step latency, peak memory (peak RSS, VmHWM, and peak PSS) of their server and kernel, CPU seconds; the hub's
and the proxy's memory; the machine's load average and available memory. A table is printed and everything goes to
a JSON file. Exit status 0 only if no cell failed and every fault behaved as described.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent / "classroom"
HUB_CONFIG = HERE / "jupyterhub_config.py"
NODE_BIN = ROOT / "tests" / "node" / "node_modules" / ".bin"
PROXY = NODE_BIN / "configurable-http-proxy"
VENV_BIN = Path(sys.executable).parent
KERNEL_NAME = "segcourse"
COURSE_FOLDER = "segmentation-course"          # where nbgitpuller puts the course in each learner's folder
PASSWORD = "classroom-rehearsal"               # the shared password of the dummy authenticator
FAULTS = ("kill", "memory", "hub-restart", "read-only", "idle")
NEEDS_DISPLAY = "napari.Viewer("
EXPLORE_CALL = re.compile(r"(?<![\w])(?:segcourse\.)?explore\(")
CHECK_CALL = re.compile(r"^\s*(?:\w+\s*=\s*)?(?P<exercise>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\.check\((?P<answer>.+)\)"
                        r"\s*(?:#.*)?$", re.M)
CELL_TIMEOUT = 600
MB = 2 ** 20


def say(message: str) -> None:
    print(f"[classroom {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the lesson ---------------------------------------------------------------------------------------------------

@dataclass
class Cell:
    index: int                 # position among the lesson's code cells
    source: str
    may_fail: bool             # tagged raises-exception: an error is what the lesson shows


@dataclass
class Lesson:
    path: Path
    cells: list[Cell]
    explore_cell: int          # index of the first cell that draws sliders
    exercise: str              # e.g. "exercises.count_nuclei"
    answer: str                # the expression passed to check(), e.g. "number_of_nuclei"
    relative: str = ""         # its path inside the course, e.g. "notebooks/03_gauss_otsu.ipynb"

    @property
    def name(self) -> str:
        return self.path.stem


def code_cells(path: Path) -> list[Cell]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if source.strip():
            tags = cell.get("metadata", {}).get("tags", [])
            cells.append(Cell(len(cells), source, "raises-exception" in tags))
    return cells


def read_lesson(path: Path) -> Lesson | None:
    """The lesson with its slider cell and first checked exercise, or None if it lacks one of them."""
    cells = code_cells(path)
    code = "\n".join(cell.source for cell in cells)
    if NEEDS_DISPLAY in code:
        return None
    explore = next((cell.index for cell in cells if EXPLORE_CALL.search(cell.source)), None)
    check = next((match for cell in cells for match in CHECK_CALL.finditer(cell.source)), None)
    if explore is None or check is None:
        return None
    return Lesson(path, cells, explore, check["exercise"], check["answer"].strip())


def choose_lesson(notebooks: Path) -> Lesson:
    """The first notebook (by name) with a slider and a checked exercise that needs no screen."""
    for path in sorted(notebooks.glob("*.ipynb")):
        lesson = read_lesson(path)
        if lesson is not None:
            return lesson
    raise SystemExit(f"No lesson in {notebooks} calls segcourse.explore( and an exercise's .check( without "
                     f"opening napari: the rehearsal needs one (or name one with --lesson).")


# --- small helpers ------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse_bytes(text: str) -> int:
    units = {"K": 2 ** 10, "M": 2 ** 20, "G": 2 ** 30, "T": 2 ** 40}
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*", text.upper())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size: write e.g. 4G or 1500M")
    return int(float(match[1]) * units.get(match[2], 1))


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def load_average() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def mem_available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def proc_memory(pid: int) -> tuple[float, float, float] | None:
    """(peak RSS, PSS now, CPU seconds) of one process, or None if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        hwm = int(re.search(r"VmHWM:\s+(\d+)", status)[1]) / 1024
        pss = 0.0
        match = re.search(r"^Pss:\s+(\d+)", Path(f"/proc/{pid}/smaps_rollup").read_text(), re.M)
        if match:
            pss = int(match[1]) / 1024
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return hwm, pss, cpu
    except (OSError, TypeError, IndexError):
        return None


def machine_cpu_seconds() -> float:
    """CPU seconds the whole machine has been busy since boot (every process of every user), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(fields) - fields[3] - fields[4]          # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Sampler(threading.Thread):
    """Every second: peak RSS, PSS and CPU time of each watched process; the machine's load and free memory."""

    def __init__(self, interval: float = 1.0):
        super().__init__(daemon=True)
        self.interval = interval
        self.watched: dict[int, str] = {}             # pid -> "learner01/kernel", "hub", ...
        self.readings: dict[int, dict] = {}
        self.mem_available_min = mem_available_mb()
        self.loads: list[float] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def watch(self, pid: int, key: str) -> None:
        with self._lock:
            self.watched[pid] = key
            if pid in self.readings:            # the same server, now counted for another learner record
                self.readings[pid]["key"] = key
        self.sample_one(pid, key)

    def sample_one(self, pid: int, key: str) -> None:
        reading = proc_memory(pid)
        if reading is None:
            return
        hwm, pss, cpu = reading
        with self._lock:
            old = self.readings.setdefault(pid, {"key": key, "rss_mb": 0.0, "pss_mb": 0.0, "cpu_s": 0.0})
            old["rss_mb"] = max(old["rss_mb"], hwm)
            old["pss_mb"] = max(old["pss_mb"], pss)
            old["cpu_s"] = max(old["cpu_s"], cpu)

    def run(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                watched = list(self.watched.items())
            for pid, key in watched:
                self.sample_one(pid, key)
            self.mem_available_min = min(self.mem_available_min, mem_available_mb())
            self.loads.append(load_average()[0])

    def stop(self) -> None:
        for pid, key in list(self.watched.items()):
            self.sample_one(pid, key)
        self._stop.set()

    def cpu_seconds(self) -> float:
        """CPU time of every watched process so far (a process that ended keeps its last reading)."""
        with self._lock:
            return sum(r["cpu_s"] for r in self.readings.values())

    def peak(self, key: str) -> dict:
        """Peak over every process that had this key (a restarted kernel is a new process); CPU summed."""
        with self._lock:
            rows = [r for r in self.readings.values() if r["key"] == key]
        if not rows:
            return {"rss_mb": None, "pss_mb": None, "cpu_s": None, "processes": 0}
        return {"rss_mb": round(max(r["rss_mb"] for r in rows), 1), "pss_mb": round(max(r["pss_mb"] for r in rows), 1),
                "cpu_s": round(sum(r["cpu_s"] for r in rows), 2), "processes": len(rows)}


# --- the hub and its proxy ----------------------------------------------------------------------------------------

class Hub:
    """configurable-http-proxy and JupyterHub as separate processes, so the hub can restart under the proxy."""

    def __init__(self, root: Path, settings: dict):
        self.root, self.settings = root, settings
        self.url = f"http://127.0.0.1:{settings['proxy_port']}"
        self.proxy: subprocess.Popen | None = None
        self.process: subprocess.Popen | None = None
        self.env = dict(os.environ, CLASSROOM_SETTINGS=str(root / "hub" / "settings.json"),
                        CONFIGPROXY_AUTH_TOKEN=settings["proxy_token"], CLASSROOM_RUN=settings["run_id"],
                        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', os.defpath)}")
        self.env.pop("SEGCOURSE_OUTPUT", None)

    def start_proxy(self) -> None:
        s = self.settings
        command = [str(PROXY), "--ip", "127.0.0.1", "--port", str(s["proxy_port"]), "--api-ip", "127.0.0.1",
                   "--api-port", str(s["proxy_api_port"]), "--default-target", f"http://127.0.0.1:{s['hub_port']}",
                   "--error-target", f"http://127.0.0.1:{s['hub_port']}/hub/error", "--log-level", "warn"]
        with open(self.root / "hub" / "proxy.log", "ab") as log:
            self.proxy = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True)

    def start(self) -> float:
        """Start the hub and wait until its API answers through the proxy; returns the seconds it took."""
        start = time.monotonic()
        command = [str(VENV_BIN / "jupyterhub"), "-f", str(HUB_CONFIG), "--log-level", "INFO"]
        with open(self.root / "hub" / "hub.log", "ab") as log:
            self.process = subprocess.Popen(command, cwd=self.root / "hub", env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        import urllib.request
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api/", timeout=2) as response:
                    if response.status == 200:
                        return time.monotonic() - start
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"JupyterHub did not start; the end of its log:\n{self.log_tail()}")
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop the hub (SIGTERM, as a service manager does); servers keep running (cleanup_servers=False)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def stop_proxy(self) -> None:
        if self.proxy and self.proxy.poll() is None:
            self.proxy.terminate()
            try:
                self.proxy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proxy.kill()

    def log_tail(self, chars: int = 3000) -> str:
        path = self.root / "hub" / "hub.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"

    def culler_pid(self) -> int | None:
        import psutil
        try:
            for child in psutil.Process(self.process.pid).children():
                if "jupyterhub_idle_culler" in " ".join(child.cmdline()):
                    return child.pid
        except psutil.Error:
            pass
        return None

    async def api(self, http, method: str, path: str, **kwargs):
        headers = {"Authorization": f"token {self.settings['admin_token']}"}
        async with http.request(method, f"{self.url}/hub/api{path}", headers=headers, **kwargs) as response:
            text = await response.text()
            return response.status, (json.loads(text) if text.strip().startswith(("{", "[")) else text)


# --- one kernel over the WebSocket API ----------------------------------------------------------------------------

class KernelDied(Exception):
    """The kernel died (or was restarted) while a request was pending."""


@dataclass
class Request:
    msg_id: str
    sent: float
    wants_reply: bool
    reply: dict | None = None
    idle: bool = False
    outputs: list = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    image_model: str | None = None         # slider steps: the result image's widget model
    image_at: float | None = None          # when that image's new value arrived
    image: bytes | None = None
    failure: Exception | None = None

    def finish_if_done(self) -> None:
        if self.idle and (self.reply is not None or not self.wants_reply):
            self.done.set()


@dataclass
class Execution:
    status: str                # ok, error, aborted
    seconds: float
    outputs: list
    error: dict | None         # {ename, evalue} of the first error output

    def stdout(self) -> str:
        return "".join(o["text"] for o in self.outputs if o.get("msg_type") == "stream" and o.get("name") == "stdout")


class Kernel:
    """A kernel's channels over one WebSocket (the JSON protocol; binary frames carry widget buffers)."""

    def __init__(self, http, url: str, username: str):
        self.http, self.url, self.username = http, url, username
        self.session = uuid.uuid4().hex
        self.pending: dict[str, Request] = {}
        self.models: dict[str, dict] = {}      # widget comm id -> state
        self.restarts = 0
        self.seen_restarts = 0
        self.ws = None
        self.reader: asyncio.Task | None = None

    async def connect(self) -> None:
        self.ws = await self.http.ws_connect(f"{self.url}?session_id={self.session}", max_msg_size=0, heartbeat=30)
        self.reader = asyncio.create_task(self._read())
        await self.wait_ready()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()

    def message(self, msg_type: str, content: dict, channel: str = "shell") -> dict:
        header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": self.session,
                  "username": self.username, "date": datetime.now(timezone.utc).isoformat(), "version": "5.3"}
        return {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": channel,
                "buffers": []}

    async def _read(self) -> None:
        import aiohttp
        from jupyter_server.services.kernels.connection.base import deserialize_binary_message
        try:
            async for frame in self.ws:
                if frame.type == aiohttp.WSMsgType.TEXT:
                    self._dispatch(json.loads(frame.data))
                elif frame.type == aiohttp.WSMsgType.BINARY:
                    self._dispatch(deserialize_binary_message(frame.data))
                else:
                    break
        finally:
            for request in self.pending.values():
                request.failure = request.failure or ConnectionError("the kernel's WebSocket closed")
                request.done.set()

    def _dispatch(self, msg: dict) -> None:
        now = time.monotonic()
        msg_type = msg["header"]["msg_type"]
        content = msg.get("content", {})
        parent = (msg.get("parent_header") or {}).get("msg_id")
        if msg_type == "status" and content.get("execution_state") in ("restarting", "dead"):
            self.restarts += 1
            self.models.clear()
            for request in self.pending.values():
                request.failure = KernelDied(content["execution_state"])
                request.done.set()
            return
        if msg_type == "comm_open" and content.get("target_name") == "jupyter.widget":
            data = content.get("data", {})
            self.models[content["comm_id"]] = self._with_buffers(data.get("state", {}), data, msg)
        elif msg_type == "comm_msg" and content.get("comm_id") in self.models:
            data = content.get("data", {})
            if data.get("method") in ("update", "echo_update"):
                state = self._with_buffers(data.get("state", {}), data, msg)
                self.models[content["comm_id"]].update(state)
                request = self.pending.get(parent)
                if request is not None and request.image_model == content["comm_id"] \
                        and "value" in state and request.image_at is None:
                    request.image_at, request.image = now, bytes(state["value"])
        request = self.pending.get(parent)
        if request is None:
            return
        if msg.get("channel") == "shell" and msg_type.endswith("_reply"):
            request.reply = content
        elif msg_type == "status" and content.get("execution_state") == "idle":
            request.idle = True
        elif msg_type in ("stream", "error", "display_data", "execute_result"):
            request.outputs.append(dict(content, msg_type=msg_type))
        request.finish_if_done()

    @staticmethod
    def _with_buffers(state: dict, data: dict, msg: dict) -> dict:
        state = dict(state)
        for path, buffer in zip(data.get("buffer_paths", []), msg.get("buffers", [])):
            if len(path) == 1:
                state[path[0]] = buffer
        return state

    async def request(self, msg: dict, wants_reply: bool = True, timeout: float = CELL_TIMEOUT,
                      image_model: str | None = None, after_send=None) -> Request:
        if self.restarts != self.seen_restarts:
            self.seen_restarts = self.restarts
            raise KernelDied("restarted while the learner was away")
        request = Request(msg["header"]["msg_id"], time.monotonic(), wants_reply, image_model=image_model)
        self.pending[request.msg_id] = request
        try:
            await self.ws.send_str(json.dumps(msg))
            if after_send is not None:
                after_send()
            await asyncio.wait_for(request.done.wait(), timeout)
        except asyncio.TimeoutError:
            request.failure = TimeoutError(f"no answer from the kernel in {timeout:.0f} s")
        finally:
            del self.pending[request.msg_id]
        if isinstance(request.failure, KernelDied):
            self.seen_restarts = self.restarts
        if request.failure is not None:
            raise request.failure
        return request

    async def wait_ready(self, timeout: float = 120) -> None:
        """Send kernel_info requests until one is answered (JupyterLab does the same when it connects)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                await self.request(self.message("kernel_info_request", {}), timeout=5)
                self.seen_restarts = self.restarts
                return
            except (TimeoutError, KernelDied):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the kernel did not answer in {timeout:.0f} s") from None

    async def execute(self, code: str, after_send=None) -> Execution:
        msg = self.message("execute_request", {"code": code, "silent": False, "store_history": True,
                                                "user_expressions": {}, "allow_stdin": False,
                                                "stop_on_error": True})
        request = await self.request(msg, after_send=after_send)
        seconds = time.monotonic() - request.sent
        error = next(({"ename": o["ename"], "evalue": o["evalue"]} for o in request.outputs
                      if o["msg_type"] == "error"), None)
        status = request.reply.get("status", "error")
        if status == "error" and error is None:
            error = {"ename": request.reply.get("ename", "?"), "evalue": request.reply.get("evalue", "")}
        return Execution(status, seconds, request.outputs, error)

    def widget(self, outputs: list) -> tuple[str, str, list]:
        """(slider model id, result image model id, slider options) of an explore() output."""
        view = next((o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] for o in outputs
                     if "application/vnd.jupyter.widget-view+json" in o.get("data", {})), None)
        if view is None or view not in self.models:
            raise RuntimeError("the explore() cell showed no widget (no widget view in its output)")

        def children(model_id):
            return [child.removeprefix("IPY_MODEL_") for child in self.models[model_id].get("children", [])]

        slider = next(c for c in children(view) if self.models[c].get("_model_name") == "SelectionSliderModel")
        box = next(c for c in children(view) if self.models[c].get("_model_name") == "HBoxModel")
        result = children(box)[1]          # explore() shows the input image, then the result
        return slider, result, self.models[slider].get("_options_labels", [])

    async def move_slider(self, slider: str, image: str, index: int) -> tuple[float, bool, bytes | None]:
        """Send what a browser sends when the slider moves; (seconds until the new image, image arrived, PNG)."""
        msg = self.message("comm_msg", {"comm_id": slider, "data": {"method": "update", "state": {"index": index},
                                                                     "buffer_paths": []}})
        request = await self.request(msg, wants_reply=False, image_model=image, timeout=120)
        arrived = request.image_at is not None
        return ((request.image_at if arrived else time.monotonic()) - request.sent), arrived, request.image


# --- a learner ----------------------------------------------------------------------------------------------------

@dataclass
class CellRecord:
    index: int
    seconds: float
    status: str
    error: dict | None = None
    rerun: bool = False


class Learner:
    def __init__(self, name: str, run: "Rehearsal", seed: int, faults: tuple[str, ...] = (), key: str = ""):
        self.name, self.run, self.faults = name, run, faults
        self.key = key or name                 # how the memory sampler files this learner's processes
        self.think_range = run.think
        self.random = random.Random(seed)
        self.token: str | None = None
        self.http = None
        self.kernel: Kernel | None = None
        self.server_pid: int | None = None
        self.kernel_pid: int | None = None
        self.progress = -1                   # highest lesson cell reached
        self.cells: list[CellRecord] = []
        self.failed: list[dict] = []
        self.slider: list[dict] = []
        self.timings: dict[str, float] = {}
        self.exercise: dict = {}
        self.fault_results: dict[str, dict] = {}
        self.finished = asyncio.Event()
        self.error: str | None = None

    @property
    def home(self) -> Path:
        return self.run.root / "learners" / self.name

    @property
    def server_url(self) -> str:
        return f"{self.run.hub.url}/user/{self.name}"

    async def think(self) -> None:
        low, high = self.think_range
        await asyncio.sleep(self.random.uniform(low, high))

    # -- arriving --
    async def log_in(self) -> None:
        """The hub's login form (username, shared password), then an API token for this learner."""
        hub = self.run.hub.url
        start = time.monotonic()
        async with self.http.get(f"{hub}/hub/login") as response:
            page = await response.text()
            assert response.status == 200, f"login page: HTTP {response.status}"
        xsrf = re.search(r'name="_xsrf"\s+value="([^"]+)"', page)[1]
        form = {"username": self.name, "password": PASSWORD, "_xsrf": xsrf}
        async with self.http.post(f"{hub}/hub/login", data=form, allow_redirects=False) as response:
            if response.status != 302:
                raise RuntimeError(f"login as {self.name} failed: HTTP {response.status}")
        cookie = next(c.value for c in self.http.cookie_jar if c.key == "_xsrf")
        async with self.http.post(f"{hub}/hub/api/users/{self.name}/tokens", headers={"X-XSRFToken": cookie},
                                  json={"note": "classroom rehearsal", "expires_in": 4 * 3600}) as response:
            body = await response.json()
            if response.status != 201:
                raise RuntimeError(f"token for {self.name}: HTTP {response.status} {body}")
        self.token = body["token"]
        self.http.headers["Authorization"] = f"token {self.token}"
        self.timings["log_in_s"] = time.monotonic() - start

    async def start_server(self) -> None:
        start = time.monotonic()
        async with self.http.post(f"{self.run.hub.url}/hub/api/users/{self.name}/server") as response:
            if response.status not in (201, 202, 400):      # 400: already running
                raise RuntimeError(f"starting {self.name}'s server: HTTP {response.status} {await response.text()}")
        while True:
            async with self.http.get(f"{self.run.hub.url}/hub/api/users/{self.name}") as response:
                user = await response.json()
            server = user.get("servers", {}).get("")
            if server and server.get("ready"):
                break
            if server is None and time.monotonic() - start > 10:
                raise RuntimeError(f"{self.name}'s server stopped while starting:\n{self.run.hub.log_tail()}")
            if time.monotonic() - start > 300:
                raise RuntimeError(f"{self.name}'s server did not start in 300 s")
            await asyncio.sleep(0.5)
        self.timings["server_start_s"] = time.monotonic() - start

    async def pull_course(self) -> None:
        """What an nbgitpuller link does: the server clones the course repository into the learner's folder."""
        start = time.monotonic()
        params = {"repo": self.run.repo_url, "branch": "main", "targetpath": COURSE_FOLDER}
        last = {}
        async with self.http.get(f"{self.server_url}/git-pull/api", params=params,
                                 timeout=self.run.client_timeout(600)) as response:
            if response.status != 200:
                raise RuntimeError(f"nbgitpuller for {self.name}: HTTP {response.status}")
            async for line in response.content:
                if line.startswith(b"data:"):
                    last = json.loads(line[5:])
                    if last.get("phase") in ("finished", "error"):
                        break
        if last.get("phase") != "finished":
            raise RuntimeError(f"nbgitpuller for {self.name} did not finish: {last.get('message', last)}")
        self.timings["pull_s"] = time.monotonic() - start

    async def open_lesson(self, lesson_path: str) -> None:
        """A notebook session with the course kernel (what opening the notebook in JupyterLab does)."""
        start = time.monotonic()
        body = {"path": lesson_path, "name": Path(lesson_path).name, "type": "notebook",
                "kernel": {"name": KERNEL_NAME}}
        async with self.http.post(f"{self.server_url}/api/sessions", json=body) as response:
            session = await response.json()
            if response.status != 201:
                raise RuntimeError(f"{self.name} could not open {lesson_path}: HTTP {response.status} {session}")
        self.session_id = session["id"]
        ws_url = f"{self.server_url}/api/kernels/{session['kernel']['id']}/channels".replace("http:", "ws:", 1)
        self.kernel = Kernel(self.http, ws_url, self.name)
        await self.kernel.connect()
        await self.probe()
        self.timings["kernel_start_s"] = time.monotonic() - start

    async def probe(self) -> dict:
        """Where the kernel runs, which segcourse it would import and its limits (not a lesson cell; it imports
        nothing the lesson would, so the lesson's first cell is timed as a learner waits for it)."""
        result = await self.kernel.execute(
            "import importlib.util as _u, json as _j, os as _o, resource as _r\n"
            "print(_j.dumps({'pid': _o.getpid(), 'server_pid': _o.getppid(),"
            " 'segcourse': _u.find_spec('segcourse').origin, 'rlimit_as': _r.getrlimit(_r.RLIMIT_AS)[0]}))\n"
            "del _u, _j, _o, _r")
        if result.status != "ok":
            raise RuntimeError(f"{self.name}: probe failed: {result.error}")
        info = json.loads(result.stdout())
        self.kernel_pid, self.server_pid = info["pid"], info["server_pid"]
        self.run.sampler.watch(self.server_pid, f"{self.key}/server")
        self.run.sampler.watch(self.kernel_pid, f"{self.key}/kernel")
        self.probe_info = info
        return info

    # -- the lesson --
    async def run_cell(self, cell: Cell, rerun: bool = False, after_send=None) -> Execution:
        result = await self.kernel.execute(cell.source, after_send=after_send)
        self.cells.append(CellRecord(cell.index, result.seconds, result.status, result.error, rerun))
        if result.status != "ok" and not cell.may_fail and not self.expected_error(result):
            self.failed.append({"cell": cell.index, "status": result.status, "error": result.error,
                                "source": cell.source.splitlines()[0][:80]})
        return result

    def expected_error(self, result: Execution) -> bool:
        """With a read-only output folder, a lesson cell that writes files fails with output_dir's message."""
        if "read-only" in self.faults and result.error and "SEGCOURSE_OUTPUT" in result.error["evalue"]:
            self.fault_results.setdefault("read-only", {}).setdefault("lesson_cells_stopped", []).append(
                result.error["evalue"][:300])
            return True
        return False

    async def attend(self, lesson: Lesson) -> None:
        """The whole visit: arrive, pull, open the lesson, work through it, check the exercise."""
        import aiohttp
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                          timeout=self.run.client_timeout(120))
        try:
            if self.run.warm_cache is not None:       # as a class image or a prepared home would bring it
                shutil.copytree(self.run.warm_cache, self.home / ".cache" / "pocl")
            await self.log_in()
            await self.start_server()
            if "read-only" in self.faults:
                self.run.make_read_only(self.home / "segcourse-output")
            await self.pull_course()
            await self.open_lesson(f"{COURSE_FOLDER}/{lesson.relative}")
            await self.work_through(lesson)
            await self.check_exercise(lesson)
        except Exception as error:  # reported with the learner; the others go on
            self.error = f"{type(error).__name__}: {error}"
            say(f"{self.name}: {self.error}")
        finally:
            self.finished.set()

    async def work_through(self, lesson: Lesson) -> None:
        middle = len(lesson.cells) // 2
        index = 0
        while index < len(lesson.cells):
            cell = lesson.cells[index]
            self.progress = max(self.progress, index)
            after_send = None
            if index == middle:
                await self.mid_lesson_faults(lesson)
                if "kill" in self.faults and "kill" not in self.fault_results:
                    await self.run.hub_restarted_or_skipped()
                    after_send = self.kill_kernel
            try:
                result = await self.run_cell(cell, after_send=after_send)
            except KernelDied:
                await self.recover(lesson, index)
                continue
            if index == lesson.explore_cell and not self.slider and result.status == "ok":
                await self.play_with_slider(result.outputs)
            index += 1
            if index < len(lesson.cells):
                await self.think()

    def kill_kernel(self) -> None:
        """The fault: SIGKILL the learner's kernel right after it was sent a cell."""
        pid = self.kernel_pid
        os.kill(pid, signal.SIGKILL)
        self.fault_results["kill"] = {"killed_pid": pid, "at_cell": self.progress, "killed_at": time.monotonic()}
        say(f"{self.name}: kernel {pid} killed at cell {self.progress}")

    async def recover(self, lesson: Lesson, index: int) -> None:
        """The kernel died: wait for the server to restart it, then re-run the lesson up to this cell."""
        info = self.fault_results.setdefault("kill", {"killed_pid": None, "at_cell": index})
        info["cells_lost"] = info.get("cells_lost", 0) + 1
        start = time.monotonic()
        if "killed_at" in info:
            info["noticed_after_s"] = round(start - info.pop("killed_at"), 2)
        await self.kernel.wait_ready()
        info["restart_s"] = round(time.monotonic() - start, 2)
        await self.probe()
        info["new_pid"] = self.kernel_pid
        start = time.monotonic()
        for cell in lesson.cells[:index]:          # "Run All Above": no think time
            try:
                await self.run_cell(cell, rerun=True)
            except KernelDied as error:
                raise RuntimeError("the kernel died again while re-running the lesson") from error
        info["rerun_cells"] = index
        info["rerun_s"] = round(time.monotonic() - start, 2)

    async def mid_lesson_faults(self, lesson: Lesson) -> None:
        if "memory" in self.faults and "memory" not in self.fault_results:
            await self.allocate_too_much()
        if "read-only" in self.faults and "output_dir" not in self.fault_results.get("read-only", {}):
            await self.write_to_read_only_output(lesson)

    async def allocate_too_much(self) -> None:
        limit = self.run.mem_limit
        size = 2 * limit
        record = {"limit_bytes": limit, "allocated_bytes": size, "kernel_rlimit_as": self.probe_info["rlimit_as"]}
        self.fault_results["memory"] = record
        if self.probe_info["rlimit_as"] != limit:
            # Never allocate without the limit in place: on a shared machine that would take everyone's memory.
            record["not_run"] = f"the kernel's RLIMIT_AS is {self.probe_info['rlimit_as']}, not {limit}"
            return
        pid = self.kernel_pid
        result = await self.kernel.execute(f"import numpy as np\ntoo_big = np.ones(({size},), dtype=np.uint8)")
        record.update(status=result.status, error=result.error, seconds=round(result.seconds, 3))
        after = await self.kernel.execute("print(1 + 1)")
        record["kernel_alive_after"] = after.status == "ok" and after.stdout().strip() == "2" and alive(pid)
        record["same_kernel"] = alive(pid) and self.kernel_pid == pid

    async def write_to_read_only_output(self, lesson: Lesson) -> None:
        folder = self.home / "segcourse-output"
        result = await self.kernel.execute(f"import segcourse\nsegcourse.output_dir({lesson.name!r})")
        record = self.fault_results.setdefault("read-only", {})
        record.update(folder=str(folder), status=result.status, error=result.error)
        evalue = (result.error or {}).get("evalue", "")
        record["output_dir"] = "clear" if (result.status == "error" and str(folder) in evalue
                                          and "SEGCOURSE_OUTPUT" in evalue) else "unclear"

    async def play_with_slider(self, outputs: list) -> None:
        """Move the first slider: up two steps, back down four (within its range), as learners do."""
        slider, image, options = self.kernel.widget(outputs)
        index = int(self.kernel.models[slider].get("index", 0))
        steps = []
        for delta in (1, 1, -1, -1, -1, -1):
            target = index + delta
            if 0 <= target < len(options):
                index = target
                steps.append(index)
        for target in steps:
            seconds, arrived, png = await self.kernel.move_slider(slider, image, target)
            self.slider.append({"index": target, "value": options[target], "seconds": seconds,
                                "new_image": arrived, "png": bool(png and png.startswith(b"\x89PNG\r\n\x1a\n"))})
            await asyncio.sleep(self.random.uniform(0.2, 0.8))     # a learner looks at the result

    async def check_exercise(self, lesson: Lesson) -> None:
        """Ask for the solution (.solution_text), run it, and check the answer, as a learner who gave up would."""
        shown = await self.kernel.execute(f"print({lesson.exercise}.solution_text)")
        if shown.status != "ok":
            self.exercise = {"status": "no solution", "error": shown.error}
            return
        solution = shown.stdout()
        ran = await self.kernel.execute(solution)
        if ran.status != "ok":
            self.exercise = {"status": "solution failed", "error": ran.error}
            return
        checked = await self.kernel.execute(
            f"import json as _j\n_f = {lesson.exercise}.check({lesson.answer})\n"
            "print(_j.dumps({'status': _f.status, 'correct': _f.correct, 'message': _f.message}))\ndel _j, _f")
        if checked.status != "ok":
            self.exercise = {"status": "check failed", "error": checked.error}
            return
        self.exercise = json.loads(checked.stdout())
        if "read-only" in self.faults:
            self.fault_results.setdefault("read-only", {})["exercise_checked"] = self.exercise["status"]
            self.fault_results["read-only"]["progress_note"] = "your progress was not saved" in self.exercise["message"]

    # -- results --
    def summary(self, alone: dict[int, float] | None) -> dict:
        first_pass = [c for c in self.cells if not c.rerun]
        seconds = [c.seconds for c in first_pass]
        ratios = [c.seconds / alone[c.index] for c in first_pass if alone and alone.get(c.index)]
        slider = [s["seconds"] for s in self.slider]
        return {
            "name": self.name, "faults": list(self.faults), "error": self.error,
            "cells_run": len(self.cells), "cells_rerun": sum(c.rerun for c in self.cells),
            "cells_failed": len(self.failed), "failed": self.failed,
            "cell_ms": {"p50": ms(percentile(seconds, 50)), "p95": ms(percentile(seconds, 95)),
                        "max": ms(max(seconds, default=None))},
            "slowdown_vs_alone": {"p50": rounded(percentile(ratios, 50), 2), "p95": rounded(percentile(ratios, 95), 2)},
            "cells": [{"index": c.index, "ms": ms(c.seconds), "status": c.status, "rerun": c.rerun}
                      for c in self.cells],
            "slider": {"steps": len(slider), "new_images": sum(s["new_image"] for s in self.slider),
                       "pngs": sum(s["png"] for s in self.slider),
                       "p50_ms": ms(percentile(slider, 50)), "p95_ms": ms(percentile(slider, 95)),
                       "values": [s["value"] for s in self.slider]},
            "exercise": self.exercise,
            "timings_s": {k: round(v, 2) for k, v in self.timings.items()},
            "server": self.run.sampler.peak(f"{self.key}/server"),
            "kernel": self.run.sampler.peak(f"{self.key}/kernel"),
            "segcourse": getattr(self, "probe_info", {}).get("segcourse"),
            "segcourse_from_own_copy": str(getattr(self, "probe_info", {}).get("segcourse", "")).startswith(
                str(self.home / COURSE_FOLDER)),
            "fault_results": self.fault_results,
        }


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


# --- the rehearsal ------------------------------------------------------------------------------------------------

class Rehearsal:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.think = args.think
        self.mem_limit = args.mem_limit
        self.faults = set(args.faults)
        self.root = Path(args.root or tempfile.mkdtemp(prefix="segcourse-classroom-")).resolve()
        self.read_only: list[Path] = []
        self.run_id = uuid.uuid4().hex
        activity = max(2, min(300, args.cull_timeout // 6))
        self.settings = {
            "root": str(self.root), "venv_bin": str(VENV_BIN), "run_id": self.run_id, "password": PASSWORD,
            "learners": ["alone", "idle"] + [f"learner{i:02d}" for i in range(1, args.learners + 1)],
            "hub_port": free_port(), "proxy_port": free_port(), "proxy_api_port": free_port(),
            "proxy_token": secrets.token_hex(32), "admin_token": secrets.token_hex(32),
            "mem_limit": self.mem_limit, "cull_timeout": args.cull_timeout, "cull_every": args.cull_every,
            "activity_interval": activity, "course_folder": COURSE_FOLDER,
        }
        self.hub = Hub(self.root, self.settings)
        self.sampler = Sampler()
        self.repo_url = f"file://{self.root / 'course.git'}"
        self.hub_restart_done = asyncio.Event()
        self.warm_cache: Path | None = None     # a filled pocl kernel cache for every class learner (--warm-cache)
        self.problems: list[str] = []
        self.results: dict = {}

    def client_timeout(self, seconds: float):
        import aiohttp
        return aiohttp.ClientTimeout(total=seconds)

    def clone_of(self, name: str) -> Path:
        return self.root / "learners" / name / COURSE_FOLDER

    async def hub_restarted_or_skipped(self) -> None:
        if "hub-restart" in self.faults:
            await self.hub_restart_done.wait()

    # -- setting up --
    def publish_course(self) -> str:
        """The course as a class publishes it: a git repository holding this checkout's HEAD as branch main."""
        bare = self.root / "course.git"
        run = lambda *command: subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: E731
        run("git", "init", "--quiet", "--bare", str(bare))
        run("git", "-C", str(ROOT), "push", "--quiet", str(bare), "HEAD:refs/heads/main")
        run("git", "-C", str(bare), "symbolic-ref", "HEAD", "refs/heads/main")
        return run("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD").stdout.strip()

    def make_read_only(self, folder: Path) -> None:
        """A folder this user cannot write to: chmod for a normal user; as root (whom permissions do not stop)
        the immutable attribute (chattr +i, ext4/xfs/btrfs). Checked by trying to write."""
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            subprocess.run(["chattr", "+i", str(folder)], check=True, capture_output=True)
        else:
            folder.chmod(0o555)
        self.read_only.append(folder)
        try:
            (folder / "probe").write_text("")
        except OSError:
            return
        (folder / "probe").unlink()
        raise RuntimeError(f"could not make {folder} read-only on this file system")

    def undo_read_only(self) -> None:
        for folder in self.read_only:
            if os.geteuid() == 0:
                subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
            else:
                folder.chmod(0o755)

    # -- phases --
    async def alone(self, lesson_arg: str | None) -> tuple[Lesson, Learner]:
        """One learner with the hub to themselves: the baseline, and where the lesson is chosen."""
        learner = Learner("alone", self, seed=self.args.seed)
        import aiohttp
        learner.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                             timeout=self.client_timeout(120))
        await learner.log_in()
        await learner.start_server()
        await learner.pull_course()
        clone = self.clone_of("alone")
        if lesson_arg:
            lesson = read_lesson(clone / lesson_arg)
            if lesson is None:
                raise SystemExit(f"{lesson_arg} has no explore( slider and .check( exercise (or it opens napari)")
        else:
            lesson = choose_lesson(clone / "notebooks")
        lesson.relative = str(lesson.path.relative_to(clone))
        say(f"lesson: {lesson.relative} ({len(lesson.cells)} code cells, slider in cell "
            f"{lesson.explore_cell}, exercise {lesson.exercise}.check({lesson.answer}))")
        if self.args.warm_cache:
            # Run the lesson once unmeasured to fill pocl's kernel cache, then measure with a new kernel; the class
            # learners get a copy of that cache.
            warming = Learner("alone", self, seed=self.args.seed, key="alone-warming")
            warming.http, warming.think_range = learner.http, (0.0, 0.0)
            await warming.open_lesson(f"{COURSE_FOLDER}/{lesson.relative}")
            await warming.work_through(lesson)
            await warming.kernel.close()
            async with learner.http.delete(f"{learner.server_url}/api/sessions/{warming.session_id}") as response:
                if response.status != 204:
                    raise RuntimeError(f"could not close the warming session: HTTP {response.status}")
            if warming.failed:
                raise RuntimeError(f"the warming run failed: {warming.failed}")
            self.warm_cache = self.root / "warm-pocl-cache"
            shutil.copytree(learner.home / ".cache" / "pocl", self.warm_cache)
            say("pocl kernel cache warmed; every class learner starts with a copy of it")
        await learner.open_lesson(f"{COURSE_FOLDER}/{lesson.relative}")
        await learner.work_through(lesson)
        await learner.check_exercise(lesson)
        learner.finished.set()
        return lesson, learner

    async def stop_server(self, http, name: str) -> None:
        status, _ = await self.hub.api(http, "DELETE", f"/users/{name}/server")
        if status not in (202, 204, 400):
            self.problems.append(f"stopping {name}'s server: HTTP {status}")
        for _ in range(120):
            status, user = await self.hub.api(http, "GET", f"/users/{name}")
            if not user.get("servers"):
                return
            await asyncio.sleep(0.5)

    async def restart_hub(self, learners: list[Learner], http) -> None:
        """When every learner is a third into the lesson: stop the hub, start it again, check nobody noticed."""
        record = {}
        self.results.setdefault("faults", {})["hub-restart"] = record
        try:
            while not all(l.progress >= self.third or l.finished.is_set() for l in learners):
                await asyncio.sleep(0.2)
            before = {l.name: (l.server_pid, l.kernel_pid) for l in learners if l.kernel_pid}
            old_pid = self.hub.process.pid
            cells_before = sum(len(l.cells) for l in learners)
            say(f"hub: restarting (pid {old_pid}) while {len(before)} learners work")
            start = time.monotonic()
            await asyncio.to_thread(self.hub.stop)
            stopped = time.monotonic() - start
            survived_stop = {name: alive(server) and alive(kernel) for name, (server, kernel) in before.items()}
            await asyncio.to_thread(self.hub.start)
            record["down_s"] = round(time.monotonic() - start, 2)
            record["stop_s"] = round(stopped, 2)
            self.sampler.watch(self.hub.process.pid, "hub")
            culler = self.hub.culler_pid()
            if culler:
                self.sampler.watch(culler, "culler")
            ready = {}
            for name in before:
                status, user = await self.hub.api(http, "GET", f"/users/{name}")
                ready[name] = bool(status == 200 and user.get("servers", {}).get("", {}).get("ready"))
            record.update(old_hub_pid=old_pid, new_hub_pid=self.hub.process.pid, learners=len(before),
                          servers_and_kernels_survived=all(survived_stop.values()),
                          same_processes_after=all(alive(s) and alive(k) for s, k in before.values()),
                          hub_sees_servers_ready=all(ready.values()),
                          culler_running_after=culler is not None,
                          cells_run_during_restart=sum(len(l.cells) for l in learners) - cells_before)
            say(f"hub: back after {record['down_s']} s; servers and kernels survived: "
                f"{record['servers_and_kernels_survived']}")
        except Exception as error:
            record["error"] = f"{type(error).__name__}: {error}"
        finally:
            self.hub_restart_done.set()

    async def idle_learner(self, http) -> Learner:
        learner = Learner("idle", self, seed=self.args.seed + 999)
        import aiohttp
        learner.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                             timeout=self.client_timeout(120))
        await learner.log_in()
        await learner.start_server()
        learner.started_at = time.monotonic()
        return learner

    async def wait_for_cull(self, http, learner: Learner) -> dict:
        timeout, every = self.args.cull_timeout, self.args.cull_every
        activity = self.settings["activity_interval"]
        record = {"timeout_s": timeout, "every_s": every}
        limit = timeout + 2 * every + 2 * activity + 30
        if limit > self.args.max_cull_wait:
            record["checked"] = False
            record["note"] = (f"not watched: the culler stops a server after {timeout} s without activity, "
                              f"longer than this rehearsal waits (--max-cull-wait {self.args.max_cull_wait} s)")
            return record
        record["checked"] = True
        while time.monotonic() - learner.started_at < limit:
            status, user = await self.hub.api(http, "GET", f"/users/idle")
            if status == 200 and not user.get("servers"):
                record["culled_after_s"] = round(time.monotonic() - learner.started_at, 1)
                return record
            await asyncio.sleep(1)
        record["culled_after_s"] = None
        return record

    async def class_(self, lesson: Lesson) -> list[Learner]:
        """N learners arrive within a few seconds of each other and work through the lesson; faults happen."""
        import aiohttp
        n = self.args.learners
        self.third = max(1, len(lesson.cells) // 3)
        plan: dict[int, list[str]] = {}
        for k, fault in enumerate(f for f in ("kill", "memory", "read-only") if f in self.faults):
            plan.setdefault((k + 1) % n, []).append(fault)
        learners = [Learner(f"learner{i + 1:02d}", self, seed=self.args.seed + i + 1, faults=tuple(plan.get(i, ())))
                    for i in range(n)]
        http = aiohttp.ClientSession(timeout=self.client_timeout(120))
        tasks = []
        try:
            idle = None
            if "idle" in self.faults:
                idle = await self.idle_learner(http)
            for learner in learners:
                tasks.append(asyncio.create_task(learner.attend(lesson)))
                await asyncio.sleep(self.random.uniform(0, self.args.arrival / max(1, n)))
            if "hub-restart" in self.faults:
                tasks.append(asyncio.create_task(self.restart_hub(learners, http)))
            await asyncio.gather(*tasks)
            if idle is not None:
                self.results.setdefault("faults", {})["idle"] = await self.wait_for_cull(http, idle)
                await idle.http.close()
            for learner in learners:
                status, user = await self.hub.api(http, "GET", f"/users/{learner.name}")
                learner.server_running_at_end = bool(user.get("servers"))
        finally:
            for task in tasks:
                task.cancel()
            await http.close()
        return learners

    async def main(self) -> dict:
        import aiohttp
        self.random = random.Random(self.args.seed)
        (self.root / "hub").mkdir(parents=True, exist_ok=True)
        (self.root / "hub" / "settings.json").write_text(json.dumps(self.settings, indent=1))
        commit = self.publish_course()
        load_before = load_average()
        available_before = mem_available_mb()
        say(f"root {self.root}; course at commit {commit}; load average {load_before}")
        self.hub.start_proxy()
        self.sampler.watch(self.hub.proxy.pid, "proxy")
        started = await asyncio.to_thread(self.hub.start)
        self.sampler.watch(self.hub.process.pid, "hub")
        self.sampler.start()
        say(f"hub up in {started:.1f} s at {self.hub.url}")
        http = aiohttp.ClientSession(timeout=self.client_timeout(120))
        try:
            culler = self.hub.culler_pid()
            if culler:
                self.sampler.watch(culler, "culler")
            else:
                self.problems.append("the idle culler service is not running")
            say("one learner alone (the baseline)")
            start = time.monotonic()
            lesson, alone = await self.alone(self.args.lesson)
            alone_s = time.monotonic() - start
            alone_cells = {c.index: c.seconds for c in alone.cells if not c.rerun}
            alone_summary = alone.summary(None)
            await alone.kernel.close()
            await alone.http.close()
            await self.stop_server(http, "alone")
            say(f"alone: {len(alone.cells)} cells, p50 {alone_summary['cell_ms']['p50']} ms, "
                f"p95 {alone_summary['cell_ms']['p95']} ms; now {self.args.learners} learners")
            available_class = mem_available_mb()
            start = time.monotonic()
            machine_before, ours_before, me_before = machine_cpu_seconds(), self.sampler.cpu_seconds(), own_cpu()
            learners = await self.class_(lesson)
            class_s = time.monotonic() - start
            for learner in learners:            # a last reading before the servers stop
                for pid in (learner.server_pid, learner.kernel_pid):
                    if pid:
                        self.sampler.sample_one(pid, self.sampler.watched.get(pid, ""))
            machine = machine_cpu_seconds() - machine_before
            ours = self.sampler.cpu_seconds() - ours_before + own_cpu() - me_before
            cpu = {"machine_busy_cores": round(machine / class_s, 2), "rehearsal_cores": round(ours / class_s, 2),
                   "others_cores": round(max(0.0, machine - ours) / class_s, 2)}
            summaries = [learner.summary(alone_cells) for learner in learners]
            for learner, summary in zip(learners, summaries):
                summary["server_running_at_end"] = getattr(learner, "server_running_at_end", None)
                for fault, record in learner.fault_results.items():
                    self.results.setdefault("faults", {})[fault] = dict(record, learner=learner.name)
                if learner.kernel is not None:
                    await learner.kernel.close()
                if learner.http is not None:
                    await learner.http.close()
        finally:
            await http.close()
        self.sampler.stop()
        everyone = [c for l in learners for c in l.cells if not c.rerun]
        class_seconds = [c.seconds for c in everyone]
        ratios = [c.seconds / alone_cells[c.index] for c in everyone if alone_cells.get(c.index)]
        slider = [s["seconds"] for l in learners for s in l.slider]
        starts = [l.timings["server_start_s"] for l in learners if "server_start_s" in l.timings]
        self.results.update({
            "machine": {"cpus": os.cpu_count(),
                        "ram_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30, 1),
                        "python": platform.python_version(), "load_before": load_before, "load_after": load_average(),
                        "load_1min_max_during": max(self.sampler.loads, default=None),
                        "load_1min_mean_during": (rounded(statistics.fmean(self.sampler.loads), 2)
                                                  if self.sampler.loads else None),
                        "mem_available_before_mb": round(available_before),
                        "mem_available_min_mb": round(self.sampler.mem_available_min),
                        "mem_available_before_class_mb": round(available_class)},
            "versions": versions(),
            "settings": {"learners": self.args.learners, "think_s": list(self.think), "mem_limit": self.mem_limit,
                         "cull_timeout_s": self.args.cull_timeout, "cull_every_s": self.args.cull_every,
                         "activity_interval_s": self.settings["activity_interval"], "faults": sorted(self.faults),
                         "commit": commit, "seed": self.args.seed, "run_id": self.run_id,
                         "opencl_cache": "warm" if self.args.warm_cache else "cold",
                         "root": str(self.root)},
            "lesson": {"path": lesson.relative, "code_cells": len(lesson.cells),
                       "explore_cell": lesson.explore_cell, "exercise": f"{lesson.exercise}.check({lesson.answer})"},
            "alone": dict(alone_summary, wall_s=round(alone_s, 1)),
            "class": {"wall_s": round(class_s, 1), "cells_run": len(everyone),
                      "cells_failed": sum(len(l.failed) for l in learners),
                      "cell_ms": {"p50": ms(percentile(class_seconds, 50)), "p95": ms(percentile(class_seconds, 95))},
                      "slowdown_vs_alone": {"p50": rounded(percentile(ratios, 50), 2),
                                            "p95": rounded(percentile(ratios, 95), 2)},
                      "slider_ms": {"p50": ms(percentile(slider, 50)), "p95": ms(percentile(slider, 95))},
                      "memory_used_mb": round(available_class - self.sampler.mem_available_min),
                      "server_start_s": {"p50": rounded(percentile(starts, 50), 1),
                                         "max": rounded(max(starts, default=0), 1)},
                      "cpu": cpu},
            "learners": summaries,
            "hub": self.sampler.peak("hub"), "proxy": self.sampler.peak("proxy"), "culler": self.sampler.peak("culler"),
        })
        self.results["problems"] = self.problems + judge(self.results)
        self.results["ok"] = not self.results["problems"]
        return self.results

    def clean_up(self) -> None:
        """Stop the hub (it stops nobody's server), then every process of this rehearsal, by pid."""
        import psutil
        self.hub.stop()
        self.hub.stop_proxy()
        self.sampler.stop()
        mine = []
        for process in psutil.process_iter(["pid"]):
            try:
                if process.environ().get("CLASSROOM_RUN") == self.run_id and process.pid != os.getpid():
                    mine.append(process)
            except psutil.Error:
                continue
        for process in mine:
            try:
                process.terminate()
            except psutil.Error:
                pass
        _, left = psutil.wait_procs(mine, timeout=15)
        for process in left:
            try:
                process.kill()
            except psutil.Error:
                pass
        self.undo_read_only()
        if not self.args.keep and not self.args.root:
            shutil.rmtree(self.root, ignore_errors=True)


def own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def versions() -> dict:
    from importlib.metadata import version
    found = {name: version(name) for name in ("jupyterhub", "jupyterhub-idle-culler", "nbgitpuller",
                                               "jupyter_server", "jupyterlab", "ipykernel", "ipywidgets")}
    try:
        found["configurable-http-proxy"] = subprocess.run([str(PROXY), "--version"], capture_output=True,
                                                          text=True, timeout=30).stdout.strip()
        found["node"] = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    return found


def judge(results: dict) -> list[str]:
    """Everything that did not go as a class needs it to."""
    problems = []
    for learner in [results["alone"]] + results["learners"]:
        name = learner["name"]
        if learner["error"]:
            problems.append(f"{name}: {learner['error']}")
        for failure in learner["failed"]:
            problems.append(f"{name}: cell {failure['cell']} failed ({failure['error']}): {failure['source']}")
        if not learner["segcourse_from_own_copy"] and not learner["error"]:
            problems.append(f"{name}: the kernel imported segcourse from {learner['segcourse']}, not from the "
                            "learner's own copy of the course")
        if learner["exercise"].get("status") != "correct":
            problems.append(f"{name}: the exercise's solution was not accepted: {learner['exercise']}")
        if learner["slider"]["steps"] == 0 or learner["slider"]["new_images"] == 0:
            problems.append(f"{name}: no slider step brought a new image ({learner['slider']})")
        elif learner["slider"]["pngs"] != learner["slider"]["new_images"]:
            problems.append(f"{name}: a slider step brought something that is not a PNG")
    faults = results.get("faults", {})
    wanted = set(results["settings"]["faults"])
    if "kill" in wanted:
        kill = faults.get("kill", {})
        if not (kill.get("new_pid") and kill.get("new_pid") != kill.get("killed_pid") and kill.get("cells_lost") == 1):
            problems.append(f"kill: the learner did not get a new kernel and re-run the lesson: {kill}")
    if "memory" in wanted:
        memory = faults.get("memory", {})
        if (memory.get("error") or {}).get("ename") != "MemoryError" or not memory.get("kernel_alive_after"):
            problems.append(f"memory: expected a MemoryError in a kernel that stays alive: {memory}")
    if "read-only" in wanted:
        read_only = faults.get("read-only", {})
        if read_only.get("output_dir") != "clear":
            problems.append(f"read-only: segcourse.output_dir did not give a clear error: {read_only}")
        if read_only.get("exercise_checked") != "correct" or not read_only.get("progress_note"):
            problems.append(f"read-only: the exercise was not checked, or without saying progress was not saved: "
                            f"{read_only}")
    if "hub-restart" in wanted:
        restart = faults.get("hub-restart", {})
        if not (restart.get("servers_and_kernels_survived") and restart.get("same_processes_after")
                and restart.get("hub_sees_servers_ready") and restart.get("new_hub_pid") != restart.get("old_hub_pid")):
            problems.append(f"hub-restart: servers or kernels did not survive, or the hub lost them: {restart}")
        if not restart.get("culler_running_after"):
            problems.append("hub-restart: the idle culler did not come back with the hub")
    if "idle" in wanted:
        idle = faults.get("idle", {})
        if idle.get("checked") and idle.get("culled_after_s") is None:
            problems.append(f"idle: the culler did not stop the idle learner's server: {idle}")
    return problems


# --- Zero to JupyterHub ------------------------------------------------------------------------------------------

Z2JH = HERE / "z2jh"


def merge_values(defaults: dict, values: dict) -> dict:
    """Helm's merge of a values file over the chart's defaults: maps merge, anything else replaces, null removes."""
    merged = dict(defaults)
    for key, value in values.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_values(merged[key], value)
        else:
            merged[key] = value
    return merged


def validate_values(path: Path) -> list[str]:
    """Problems with a Zero to JupyterHub values file, checked as Helm does: merged over the chart's default
    values, then against the chart's JSON schema (Draft 7). Copies of both are in tools/classroom/z2jh/."""
    import jsonschema
    import yaml
    defaults = yaml.safe_load((Z2JH / "default-values.yaml").read_text())
    values = yaml.safe_load(Path(path).read_text()) or {}
    schema = json.loads((Z2JH / "values.schema.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    return sorted(f"{'.'.join(map(str, error.absolute_path)) or '(top level)'}: {error.message}"
                  for error in validator.iter_errors(merge_values(defaults, values)))


# --- the report ---------------------------------------------------------------------------------------------------

def table(results: dict) -> str:
    def cell(value, width, digits=0):
        if value is None:
            return "-".rjust(width)
        return (f"{value:.{digits}f}" if isinstance(value, float) else str(value)).rjust(width)

    head = (f"{'learner':<10} {'fault':<10} {'cells':>5} {'failed':>6} {'p50 ms':>7} {'p95 ms':>7} "
            f"{'x alone':>7} {'slider p50':>10} {'p95 ms':>7} {'exercise':<9} {'server MB':>9} {'kernel MB':>9} "
            f"{'kernel CPU s':>12}")
    lines = [head, "-" * len(head)]
    for row in [results["alone"]] + results["learners"]:
        lines.append(
            f"{row['name']:<10} {','.join(row['faults']) or '-':<10} {cell(row['cells_run'], 5)} "
            f"{cell(row['cells_failed'], 6)} {cell(row['cell_ms']['p50'], 7)} {cell(row['cell_ms']['p95'], 7)} "
            f"{cell(row['slowdown_vs_alone']['p50'], 7, 2)} {cell(row['slider']['p50_ms'], 10)} "
            f"{cell(row['slider']['p95_ms'], 7)} {row['exercise'].get('status', '-'):<9} "
            f"{cell(row['server']['rss_mb'], 9)} {cell(row['kernel']['rss_mb'], 9)} "
            f"{cell(row['kernel']['cpu_s'], 12, 1)}")
    c, m = results["class"], results["machine"]
    lines += ["-" * len(head),
              f"class of {results['settings']['learners']}: {c['cells_run']} cells, {c['cells_failed']} failed; "
              f"cell p50 {c['cell_ms']['p50']} ms, p95 {c['cell_ms']['p95']} ms (alone "
              f"{results['alone']['cell_ms']['p50']} / {results['alone']['cell_ms']['p95']} ms); each cell "
              f"{c['slowdown_vs_alone']['p50']}x its time alone (median), {c['slowdown_vs_alone']['p95']}x (p95); "
              f"slider step p50 {c['slider_ms']['p50']} ms, p95 {c['slider_ms']['p95']} ms (alone "
              f"{results['alone']['slider']['p50_ms']} / {results['alone']['slider']['p95_ms']} ms)",
              f"memory: server + kernel peak RSS (VmHWM) per learner; PSS (shared pages split) in the JSON. Hub "
              f"{results['hub']['rss_mb']} MB, proxy {results['proxy']['rss_mb']} MB, culler "
              f"{results['culler']['rss_mb']} MB; the class took {c['memory_used_mb']} MB of available memory at "
              f"its peak",
              f"machine: {m['cpus']} CPUs, {m['ram_gb']} GB; load average before {m['load_before']}, during "
              f"mean {m['load_1min_mean_during']} max {m['load_1min_max_during']}, after {m['load_after']}; during "
              f"the class the CPUs were busy {c['cpu']['machine_busy_cores']} cores on average: the rehearsal "
              f"{c['cpu']['rehearsal_cores']}, other users {c['cpu']['others_cores']}",
              f"times: class {c['wall_s']} s, alone {results['alone']['wall_s']} s; servers started in "
              f"{c['server_start_s']['p50']} s (median), {c['server_start_s']['max']} s (slowest) when the class "
              f"arrived",
              f"lesson {results['lesson']['path']} ({results['lesson']['code_cells']} code cells), exercise "
              f"{results['lesson']['exercise']}, commit {results['settings']['commit']}, think time "
              f"{results['settings']['think_s'][0]}-{results['settings']['think_s'][1]} s, OpenCL kernel cache "
              f"{results['settings']['opencl_cache']} at the start"]
    faults = results.get("faults", {})
    for name in FAULTS:
        if name in faults:
            lines.append(f"fault {name}: {fault_line(name, faults[name])}")
    lines.append("OK: no failed cell, every fault as expected" if results["ok"] else
                 "PROBLEMS:\n  " + "\n  ".join(results["problems"]))
    return "\n".join(lines)


def fault_line(name: str, r: dict) -> str:
    if r.get("error") and name != "memory" and name != "read-only":
        return f"{r.get('learner', '')} ERROR {r['error']}"
    if name == "kill":
        return (f"{r.get('learner')}'s kernel (pid {r.get('killed_pid')}) killed during cell {r.get('at_cell')}; "
                f"the server noticed after {r.get('noticed_after_s')} s and started pid {r.get('new_pid')} "
                f"(ready {r.get('restart_s')} s later); {r.get('cells_lost')} cell lost, "
                f"{r.get('rerun_cells')} cells re-run in {r.get('rerun_s')} s")
    if name == "memory":
        if r.get("not_run"):
            return f"{r.get('learner')}: not run: {r['not_run']}"
        error = r.get("error") or {}
        return (f"{r.get('learner')} allocated {r['allocated_bytes'] / 2 ** 30:.1f} GiB under a "
                f"{r['limit_bytes'] / 2 ** 30:.1f} GiB RLIMIT_AS: {error.get('ename')}: "
                f"{error.get('evalue', '')[:80]}; "
                f"kernel alive after: {r.get('kernel_alive_after')}")
    if name == "hub-restart":
        return (f"hub down {r.get('down_s')} s (pid {r.get('old_hub_pid')} -> {r.get('new_hub_pid')}) while "
                f"{r.get('learners')} learners worked ({r.get('cells_run_during_restart')} cells ran meanwhile); "
                f"servers and kernels survived: {r.get('servers_and_kernels_survived')}, hub sees them ready: "
                f"{r.get('hub_sees_servers_ready')}, culler back: {r.get('culler_running_after')}")
    if name == "read-only":
        error = r.get("error") or {}
        return (f"{r.get('learner')}: output_dir error is {r.get('output_dir')}: {error.get('ename')}: "
                f"{error.get('evalue', '')[:160]}...; exercise still checked ({r.get('exercise_checked')}) with a "
                f"'progress was not saved' note: {r.get('progress_note')}")
    if name == "idle":
        if not r.get("checked"):
            return r.get("note", "")
        return (f"culler (timeout {r['timeout_s']} s, every {r['every_s']} s) stopped the idle server after "
                f"{r.get('culled_after_s')} s")
    return json.dumps(r)


def think_range(text: str) -> tuple[float, float]:
    try:
        low, high = (float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--think takes two numbers of seconds, e.g. 3,10; got {text!r}") from None
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError(f"--think {text}: need 0 <= low <= high")
    return low, high


def fault_list(text: str) -> list[str]:
    if text in ("", "none"):
        return []
    names = [name.strip() for name in text.split(",")]
    unknown = [name for name in names if name not in FAULTS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown fault(s) {unknown}; known: {', '.join(FAULTS)} (or none)")
    return names


def missing_prerequisites() -> list[str]:
    missing = []
    if not sys.platform.startswith("linux"):
        missing.append(f"the rehearsal runs on Linux (local spawner, /proc); this is {sys.platform}")
    if not PROXY.exists():
        missing.append(f"configurable-http-proxy is not installed in tests/node ({PROXY}): "
                       "run `npm ci --prefix tests/node`")
    if shutil.which("node") is None:
        missing.append("node is not on PATH (Debian: apt-get install nodejs)")
    if shutil.which("git") is None:
        missing.append("git is not on PATH (nbgitpuller needs it)")
    try:
        import jupyterhub  # noqa: F401
        import jupyterhub_idle_culler  # noqa: F401
        import nbgitpuller  # noqa: F401
    except ImportError as error:
        missing.append(f"{error.name} is not installed in this Python: run `python3 course.py setup`")
    return missing


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=8, help="learners in the class (default 8)")
    parser.add_argument("--think", type=think_range, default=(3.0, 10.0),
                        help="think time between cells, seconds, low,high (default 3,10)")
    parser.add_argument("--arrival", type=float, default=10.0, help="learners arrive within this many seconds")
    parser.add_argument("--faults", type=fault_list, default=list(FAULTS),
                        help=f"comma-separated, or none (default: all of {','.join(FAULTS)})")
    parser.add_argument("--mem-limit", type=parse_bytes, default=parse_bytes("4G"),
                        help="per-learner memory limit, the address space of each of their processes (default 4G)")
    parser.add_argument("--cull-timeout", type=int, default=3600,
                        help="idle culler: stop a server after this many seconds without activity (default 3600, "
                             "as Zero to JupyterHub)")
    parser.add_argument("--cull-every", type=int, default=600, help="idle culler: check every N seconds (default 600)")
    parser.add_argument("--max-cull-wait", type=int, default=300,
                        help="wait at most this long for the culler to stop the idle learner's server")
    parser.add_argument("--warm-cache", action="store_true",
                        help="learners start with a filled OpenCL kernel cache, as the image of .binder/ gives them "
                             "(default: an empty one, as a new home on a one-machine hub)")
    parser.add_argument("--lesson", help="a notebook path inside the course (default: chosen by the rule above)")
    parser.add_argument("--json", type=Path, default=HERE / "last-run.json", help="where the results go")
    parser.add_argument("--root", help="folder for the hub and the learners (default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, learners' files)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check-values", type=Path, metavar="VALUES_YAML",
                        help="only validate a Zero to JupyterHub values file against the chart's schema, then stop")
    args = parser.parse_args(argv)
    if args.check_values:
        problems = validate_values(args.check_values)
        print("\n".join(problems) or f"{args.check_values}: valid for the Zero to JupyterHub chart "
                                     f"(merged over its defaults, JSON schema Draft 7)")
        return 1 if problems else 0
    if args.learners < 1:
        parser.error("--learners must be at least 1")
    missing = missing_prerequisites()
    if missing:
        print("The classroom rehearsal cannot run here:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 2
    rehearsal = Rehearsal(args)
    try:
        results = asyncio.run(rehearsal.main())
    except BaseException:
        say(f"the rehearsal stopped; hub log:\n{rehearsal.hub.log_tail()}")
        raise
    finally:
        rehearsal.clean_up()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1) + "\n")
    print(table(results))
    print(f"results: {args.json}")
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
