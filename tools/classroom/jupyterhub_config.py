"""JupyterHub configuration of the classroom rehearsal (tools/classroom.py starts the hub with it).

One machine, the way a small class runs it: every learner gets their own single-user server (JupyterLab) with
the course kernel, started by a local-process spawner in their own folder. What is particular to a rehearsal:
- SimpleLocalProcessSpawner runs every learner as the user who runs the rehearsal, with HOME set to their own
  folder below a temporary root. A real one-machine class uses LocalProcessSpawner (one system account per
  learner) or systemdspawner; on Kubernetes, Zero to JupyterHub (tools/classroom/z2jh/values.yaml).
- DummyAuthenticator with one shared password for a roster of names: for the rehearsal only.
What a class keeps as it is here:
- the proxy (configurable-http-proxy) runs on its own, not as a child of the hub, and the hub leaves servers
  running when it stops (cleanup_servers=False): a hub restart does not interrupt anyone's work;
- a per-learner memory limit (mem_limit), enforced for every process of the learner (see RehearsalSpawner);
- the idle culler (jupyterhub-idle-culler) as a hub service, with the Zero to JupyterHub defaults unless the
  rehearsal asks for a shorter timeout to watch it work.

The settings come from the JSON file named by $CLASSROOM_SETTINGS (written by tools/classroom.py).
"""
import json
import os
import resource
import sys
from pathlib import Path

from jupyterhub.spawner import SimpleLocalProcessSpawner

c = get_config()  # noqa: F821 (JupyterHub provides get_config when it loads this file)
settings = json.loads(Path(os.environ["CLASSROOM_SETTINGS"]).read_text())
root = Path(settings["root"])
venv_bin = Path(settings["venv_bin"])


class RehearsalSpawner(SimpleLocalProcessSpawner):
    """Each learner's server in their own folder, with its memory limit applied to every process it starts.

    LocalProcessSpawner only passes mem_limit on as $MEM_LIMIT; here it becomes the address-space limit
    (RLIMIT_AS) of the server, set in the child just before it executes. Kernels inherit it, so each process of
    the learner can map at most mem_limit bytes: an allocation beyond it fails at once with MemoryError in that
    learner's kernel, and nobody else's memory is touched. It is a per-process limit (a learner who opens three
    notebooks could use three times it); a cgroup (systemdspawner's MemoryMax, a Kubernetes pod's memory limit)
    bounds the learner as a whole.
    """

    def make_preexec_fn(self, name):
        prepare = super().make_preexec_fn(name)
        limit = int(self.mem_limit or 0)

        def preexec():
            prepare()
            if limit:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        return preexec


c.JupyterHub.spawner_class = RehearsalSpawner
c.SimpleLocalProcessSpawner.home_dir_template = str(root / "learners" / "{username}")
c.Spawner.cmd = [str(venv_bin / "jupyterhub-singleuser")]
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []
c.Spawner.default_url = "/lab"
c.Spawner.mem_limit = settings["mem_limit"]
# The course helpers and data from the learner's own copy (the same commit as the notebooks they pulled), as a
# class image installs them; pocl's OpenCL kernel cache stays in the learner's home (~/.cache/pocl).
c.Spawner.environment = {
    "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', os.defpath)}",   # git for nbgitpuller, the venv
    "LANG": os.environ.get("LANG", "C.UTF-8"),
    "PYTHONPATH": lambda spawner: str(Path(spawner.home_dir) / settings["course_folder"] / "helpers"),
    "JUPYTERHUB_ACTIVITY_INTERVAL": str(settings["activity_interval"]),
    "CLASSROOM_RUN": settings["run_id"],   # marks every process of the rehearsal, to clean up after it
}
c.Spawner.http_timeout = 180               # a whole class starting at once on a small machine is slow
c.Spawner.start_timeout = 300

c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = settings["password"]
c.Authenticator.allowed_users = set(settings["learners"])

c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_port"]
c.JupyterHub.bind_url = f"http://127.0.0.1:{settings['proxy_port']}"
c.ConfigurableHTTPProxy.should_start = False          # tools/classroom.py runs the proxy
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.ConfigurableHTTPProxy.auth_token = settings["proxy_token"]
c.JupyterHub.cleanup_servers = False                  # servers and kernels outlive a hub restart
c.JupyterHub.db_url = f"sqlite:///{root / 'hub' / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(root / "hub" / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(root / "hub" / "jupyterhub.pid")
c.JupyterHub.last_activity_interval = settings["activity_interval"]

c.JupyterHub.services = [
    {"name": "idle-culler",
     "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={settings['cull_timeout']}",
                 f"--cull-every={settings['cull_every']}", "--concurrency=10"]},
    {"name": "rehearsal", "api_token": settings["admin_token"]},   # the rehearsal's own view of the hub
]
c.JupyterHub.load_roles = [
    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
    {"name": "rehearsal", "services": ["rehearsal"],
     "scopes": ["list:users", "read:users", "read:servers", "admin:servers"]},
]
