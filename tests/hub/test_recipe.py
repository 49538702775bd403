"""The recipe for real classes (hub/jupyterhub_config.py), loaded as JupyterHub loads it: a real authenticator, never
the test one; one Unix user per learner with limits; one thread per kernel."""
from __future__ import annotations

import json
import subprocess

from loopback import HUB_VENV, ROOT

LOAD = """
import json, os, sys
from traitlets.config.loader import PyFileConfigLoader
config = PyFileConfigLoader("jupyterhub_config.py", path=sys.argv[1]).load_config()
print(json.dumps({
    "authenticator": config.JupyterHub.authenticator_class,
    "spawner": config.JupyterHub.spawner_class,
    "allow_all": config.Authenticator.allow_all,
    "open_signup": config.NativeAuthenticator.open_signup,
    "password_length": config.NativeAuthenticator.minimum_password_length,
    "dynamic_users": config.SystemdSpawner.dynamic_users,
    "mem_limit": config.SystemdSpawner.mem_limit,
    "cpu_limit": config.SystemdSpawner.cpu_limit,
    "environment": config.Spawner.environment if isinstance(config.Spawner.environment, dict) else {},
    "hook": config.Spawner.pre_spawn_hook.__name__,
}))
"""


def load_recipe(**env: str) -> dict:
    done = subprocess.run([str(HUB_VENV / "bin" / "python"), "-c", LOAD, str(ROOT / "hub")], capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", **env})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_recipe_uses_native_authenticator_and_isolated_servers():
    recipe = load_recipe()
    assert recipe["authenticator"] == "nativeauthenticator.NativeAuthenticator"
    assert recipe["open_signup"] is False and recipe["password_length"] >= 10
    assert recipe["spawner"] == "systemdspawner.SystemdSpawner" and recipe["dynamic_users"] is True
    assert recipe["mem_limit"] == "2G" and recipe["cpu_limit"] == 1.0
    assert recipe["environment"] == {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    assert recipe["hook"] == "copy_lessons"


def test_recipe_never_names_the_test_authenticator():
    for name in ("jupyterhub_config.py", "course_config.py"):
        text = (ROOT / "hub" / name).read_text(encoding="utf-8")
        assert "DummyAuthenticator" not in text and "test_config" not in text.split('"""', 2)[-1]


def test_threads_per_kernel_can_be_raised_or_left_to_torch():
    assert load_recipe(COURSE_KERNEL_THREADS="2")["environment"]["OMP_NUM_THREADS"] == "2"
    assert load_recipe(COURSE_KERNEL_THREADS="default")["environment"] == {}
