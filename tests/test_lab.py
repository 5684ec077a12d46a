"""`make lab`, the README's command, serves the lessons: its HTTP API answers on 127.0.0.1."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_lab_serves_the_lessons(tmp_path):
    port, token = free_port(), "segcourse-test"
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    process = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, contents = time.monotonic() + 120, None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/api/contents/notebooks?token={token}"
                with urllib.request.urlopen(url, timeout=2) as response:
                    contents = json.load(response)
                break
            except OSError:
                time.sleep(0.5)
        assert contents is not None, process.stdout.read().decode() if process.poll() is not None else "no answer"
        names = {item["name"] for item in contents["content"]}
        assert "00_setup_check.ipynb" in names
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
