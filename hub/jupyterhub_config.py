"""JupyterHub for a class on one machine (see hub/README.md; larger classes: Zero to JupyterHub on Kubernetes).

    sudo COURSE_HUB_ADMIN=instructor COURSE_KERNEL_THREADS=1 /opt/rnncourse/hub-venv/bin/jupyterhub -f hub/jupyterhub_config.py

Logins: NativeAuthenticator (hub/course_config.py; an institution's OAuth works the same way through
oauthenticator). Servers: SystemdSpawner with dynamic users, so each learner's server runs as its own transient Unix
user whose files (/var/lib/private/<name>) only that user can read, under a memory and CPU limit.
Never use this file's test sibling (hub/test_config.py) for a class: it lets anyone in without a password check
of its own and keeps every learner under one Unix user.
"""
import os
import sys

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads a config file)
load_subconfig(os.path.join(os.path.dirname(os.path.abspath(__file__)), "course_config.py"))  # noqa: F821

# Where learners reach the hub. Put it behind HTTPS (a reverse proxy, or ssl_key/ssl_cert below) before the class.
c.JupyterHub.bind_url = os.environ.get("COURSE_HUB_URL", "http://0.0.0.0:8000")
# c.JupyterHub.ssl_key = "/etc/letsencrypt/live/hub.example.org/privkey.pem"
# c.JupyterHub.ssl_cert = "/etc/letsencrypt/live/hub.example.org/fullchain.pem"
c.JupyterHub.db_url = "sqlite:////srv/jupyterhub/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "/srv/jupyterhub/jupyterhub_cookie_secret"

# One server per learner, each its own Unix user (pip install jupyterhub-systemdspawner==1.0.2).
c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
c.SystemdSpawner.dynamic_users = True
c.SystemdSpawner.isolate_tmp = True
c.SystemdSpawner.isolate_devices = True
c.SystemdSpawner.disable_user_sudo = True
# The course's own virtual environment (jupyterlab, ipykernel, rnncourse with its pinned torch), shared read-only.
c.SystemdSpawner.cmd = [os.environ.get("COURSE_SINGLEUSER", "/opt/rnncourse/hub-venv/bin/jupyterhub-singleuser")]
c.SystemdSpawner.readonly_paths = ["/opt/rnncourse"]
# Per learner: the measured peak of the heaviest lesson plus headroom (docs/capacity.md), and one core at most,
# matching COURSE_KERNEL_THREADS=1.
c.SystemdSpawner.mem_limit = os.environ.get("COURSE_MEM_LIMIT", "2G")
c.SystemdSpawner.cpu_limit = float(os.environ.get("COURSE_CPU_LIMIT", "1.0"))

# Servers nobody used for an hour are stopped (their files stay): pip install jupyterhub-idle-culler==2.0.0.
c.JupyterHub.services = [{"name": "idle-culler", "command": [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=3600"]}]
c.JupyterHub.load_roles = [{"name": "idle-culler", "services": ["idle-culler"],
                            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]}]
