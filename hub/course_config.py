"""The course's JupyterHub settings shared by the recipe for real classes (hub/jupyterhub_config.py) and the
loopback test hub (hub/test_config.py): who may log in, each kernel's threads, and each learner's copy of the lessons.

Loaded with `load_subconfig` from a config file next to it, so the tests exercise exactly what classes run.
Environment variables an instructor may set before starting the hub:
  COURSE_HUB_ADMIN       the instructor's user name (default: instructor); signs up first, then authorizes learners
  COURSE_KERNEL_THREADS  torch/OpenMP threads per learner's kernel (default 1; "default" leaves torch's own choice,
                         which is every core, and oversubscribes the machine as soon as two learners compute)
  COURSE_LESSONS         the folder of student notebooks each learner gets a copy of (default: this checkout's lessons/)
"""
import os
import shutil
from pathlib import Path

import nativeauthenticator

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads a config file)

# --- Who may log in: JupyterHub's NativeAuthenticator (accounts with passwords kept by the hub itself). ---------------
# Learners sign up at /hub/signup; nobody can log in until the instructor authorizes the account at /hub/authorize.
c.JupyterHub.authenticator_class = "nativeauthenticator.NativeAuthenticator"
c.JupyterHub.template_paths = [str(Path(nativeauthenticator.__file__).parent / "templates")]
c.NativeAuthenticator.open_signup = False
c.NativeAuthenticator.minimum_password_length = 10
c.NativeAuthenticator.check_common_password = True
c.NativeAuthenticator.ask_email_on_signup = False
# Password guessing: after 5 failed logins the account waits 60 s before the next try.
c.NativeAuthenticator.allowed_failed_logins = 5
c.NativeAuthenticator.seconds_before_next_try = 60
c.Authenticator.admin_users = {os.environ.get("COURSE_HUB_ADMIN", "instructor")}
# JupyterHub 5 lets in nobody unless told whom: NativeAuthenticator itself refuses every account the instructor has
# not authorized (tests/hub proves it), so every account it lets through is allowed.
c.Authenticator.allow_all = True

# --- Each kernel's threads. ------------------------------------------------------------------------------------------
# torch starts one thread per core in every kernel; N learners computing at once then run N x cores threads on the
# cores and all of them slow down far more than N-fold (docs/capacity.md). One thread per kernel shares the machine.
THREADS = os.environ.get("COURSE_KERNEL_THREADS", "1")
if THREADS != "default":
    if not THREADS.isdigit() or int(THREADS) < 1:
        raise ValueError(f"COURSE_KERNEL_THREADS must be a positive integer or 'default', got {THREADS!r}")
    c.Spawner.environment = {name: THREADS for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}

c.Spawner.default_url = "/lab/tree/rnncourse/00_getting_started.ipynb"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# --- Each learner's own copy of the lessons, made once, at the first start of the learner's server. ------------------
LESSONS = Path(os.environ.get("COURSE_LESSONS", Path(__file__).resolve().parents[1] / "lessons"))


def learner_home(spawner) -> Path:
    """The folder the learner's server opens: its home for local process spawners, the private state folder of
    SystemdSpawner's dynamic users."""
    if getattr(spawner, "dynamic_users", False):
        return Path("/var/lib/private") / spawner.user.name
    return Path(spawner.home_dir if hasattr(spawner, "home_dir") else os.path.expanduser(f"~{spawner.user.name}"))


def copy_lessons(spawner) -> None:
    """Give the learner a copy of the student notebooks in rnncourse/ unless one is already there (never overwritten:
    it holds the learner's work)."""
    if not LESSONS.is_dir():
        raise FileNotFoundError(f"COURSE_LESSONS is not a folder: {LESSONS}")
    target = learner_home(spawner) / "rnncourse"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copytree(LESSONS, target)


c.Spawner.pre_spawn_hook = copy_lessons
