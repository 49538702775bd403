"""The loopback hub of the maintainers' tests (tests/hub, scripts/hub_load.py). NEVER for a class.

The same course settings as the real recipe (hub/course_config.py: NativeAuthenticator, threads per kernel, each
learner's copy of the lessons) with what a test machine without systemd or Unix accounts needs instead:
SimpleLocalProcessSpawner (every learner's server under the tester's own user, in its own folder under HUB_TEST_DIR),
everything on 127.0.0.1, and a service token the test drives the hub's REST API with.
With HUB_TEST_AUTH=dummy (the load test only) JupyterHub's DummyAuthenticator lets any name in with HUB_TEST_PASSWORD.

Environment: HUB_TEST_DIR (state and homes), HUB_TEST_PORT, HUB_TEST_HUB_PORT, HUB_TEST_API_PORT, HUB_TEST_TOKEN,
HUB_TEST_PROXY (the configurable-http-proxy command), HUB_TEST_AUTH, HUB_TEST_PASSWORD.
"""
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads a config file)
load_subconfig(os.path.join(os.path.dirname(os.path.abspath(__file__)), "course_config.py"))  # noqa: F821

state = Path(os.environ["HUB_TEST_DIR"])
c.JupyterHub.bind_url = f"http://127.0.0.1:{os.environ['HUB_TEST_PORT']}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{os.environ['HUB_TEST_HUB_PORT']}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ['HUB_TEST_API_PORT']}"
c.ConfigurableHTTPProxy.command = [os.environ["HUB_TEST_PROXY"]]
c.ConfigurableHTTPProxy.should_start = True
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")

c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = str(state / "homes" / "{username}")
c.Spawner.cmd = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
c.Spawner.ip = "127.0.0.1"
# Test machines and CI run as root, which Jupyter refuses unless told (every server here runs as the tester).
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []

if os.environ.get("HUB_TEST_AUTH") == "dummy":
    c.JupyterHub.authenticator_class = "jupyterhub.auth.DummyAuthenticator"
    c.DummyAuthenticator.password = os.environ["HUB_TEST_PASSWORD"]
    c.Authenticator.allow_all = True

# The test's service: creates learners, their tokens and servers through the REST API.
c.JupyterHub.services = [{"name": "course-test", "api_token": os.environ["HUB_TEST_TOKEN"]}]
c.JupyterHub.load_roles = [{"name": "course-test", "services": ["course-test"],
                            "scopes": ["admin:users", "admin:servers", "tokens", "admin:auth_state"]}]
