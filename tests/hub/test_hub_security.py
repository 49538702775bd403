"""The course's hub settings (hub/course_config.py: NativeAuthenticator, the instructor authorizes each learner)
keep learners apart: a wrong password is refused, and one learner can reach neither another's server nor its files,
by cookie or by token. Started for real on loopback; run with `make test-hub` (not part of the main run).
"""
from __future__ import annotations

import httpx
import pytest

from loopback import LoopbackHub, login

ADMIN, ALICE, BOB = "instructor", "alice", "bob"
PASSWORDS = {ADMIN: "lead-instructor-7q", ALICE: "alice-learns-rnn-4", BOB: "bob-learns-lstm-9"}
SECRET = "bob의 답안: 아직 아무도 보면 안 됩니다"


def signup(url: str, username: str, password: str) -> None:
    """Sign up through the hub's form as a learner does."""
    with httpx.Client(base_url=url, timeout=60) as client:
        page = client.get("/hub/signup")
        page.raise_for_status()
        xsrf = client.cookies.get("_xsrf")
        r = client.post("/hub/signup", data={"username": username, "signup_password": password,
                                             "signup_password_confirmation": password, "_xsrf": xsrf})
        assert r.status_code == 200, r.status_code
        accepted = ("The signup was successful", "Your information has been sent to the admin")
        assert any(message in r.text for message in accepted), f"signup of {username} failed"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with LoopbackHub(tmp_path_factory.mktemp("hub-security"), auth="native") as hub:
        for name, password in PASSWORDS.items():
            signup(hub.url, name, password)
        hub.sessions = {}
        yield hub
        for client in hub.sessions.values():
            client.close()


def test_signed_up_learner_cannot_log_in_before_the_instructor_authorizes(hub):
    with pytest.raises(PermissionError):
        login(hub.url, ALICE, PASSWORDS[ALICE])


def test_instructor_authorizes_learners(hub):
    admin = login(hub.url, ADMIN, PASSWORDS[ADMIN])
    hub.sessions[ADMIN] = admin
    for name in (ALICE, BOB):
        assert admin.get(f"/hub/authorize/{name}").status_code == 302
    for name in (ALICE, BOB):
        hub.sessions[name] = login(hub.url, name, PASSWORDS[name])


def test_weak_password_is_refused_at_signup(hub):
    with httpx.Client(base_url=hub.url, timeout=60) as client:
        client.get("/hub/signup")
        r = client.post("/hub/signup", data={"username": "carol", "signup_password": "password",
                                             "signup_password_confirmation": "password",
                                             "_xsrf": client.cookies.get("_xsrf")})
    assert "Something went wrong" in r.text


def test_wrong_password_is_refused(hub):
    with pytest.raises(PermissionError):
        login(hub.url, ALICE, PASSWORDS[BOB])
    with pytest.raises(PermissionError):
        login(hub.url, ALICE, PASSWORDS[ALICE] + "x")
    with pytest.raises(PermissionError):
        login(hub.url, "mallory", "mallory-password-1")


def test_learner_cannot_authorize_accounts(hub):
    alice = hub.sessions[ALICE]
    assert alice.get(f"/hub/authorize/{BOB}").status_code == 403
    assert alice.get("/hub/authorize").status_code == 403


@pytest.fixture(scope="module")
def servers(hub):
    """Both learners' servers running, Bob's holding a file, and each learner's own token."""
    tokens = {name: hub.user_token(name) for name in (ALICE, BOB)}
    for name in (ALICE, BOB):
        hub.start_server(name, tokens[name])
    r = httpx.put(f"{hub.url}/user/{BOB}/api/contents/secret.txt", timeout=60,
                  headers={"Authorization": f"token {tokens[BOB]}"},
                  json={"type": "file", "format": "text", "content": SECRET})
    assert r.status_code in (200, 201), r.text
    return tokens


def test_each_learner_has_own_copy_of_lessons(hub, servers):
    for name in (ALICE, BOB):
        r = httpx.get(f"{hub.url}/user/{name}/api/contents/rnncourse", timeout=60,
                      headers={"Authorization": f"token {servers[name]}"})
        assert r.status_code == 200
        assert "03_bptt.ipynb" in {item["name"] for item in r.json()["content"]}


def test_token_of_one_learner_cannot_open_another_server(hub, servers):
    alice = {"Authorization": f"token {servers[ALICE]}"}
    own = httpx.get(f"{hub.url}/user/{ALICE}/api/contents", headers=alice, timeout=60)
    assert own.status_code == 200
    for path in ("/api/contents/secret.txt", "/api/kernels", "/api/status"):
        r = httpx.get(f"{hub.url}/user/{BOB}{path}", headers=alice, timeout=60)
        assert r.status_code == 403, (path, r.status_code)
        assert SECRET not in r.text
    kernel = httpx.post(f"{hub.url}/user/{BOB}/api/kernels", headers=alice, json={"name": "python3"}, timeout=60)
    assert kernel.status_code == 403
    assert hub.api("GET", f"/users/{BOB}", token=servers[ALICE]).status_code in (403, 404)
    assert hub.api("POST", f"/users/{BOB}/tokens", token=servers[ALICE]).status_code in (403, 404)
    assert hub.api("DELETE", f"/users/{BOB}/server", token=servers[ALICE]).status_code in (403, 404)


def test_cookie_of_one_learner_cannot_open_another_server(hub, servers):
    alice = hub.sessions[ALICE]
    alice.follow_redirects = True  # through the hub's OAuth hand-over to the learner's server, as a browser goes
    try:
        own = alice.get(f"/user/{ALICE}/lab")
        assert own.status_code == 200, own.status_code
        for path in ("/lab", "/files/secret.txt", "/api/contents/secret.txt"):
            other = alice.get(f"/user/{BOB}{path}")
            assert other.status_code == 403, (path, other.status_code)
            assert SECRET not in other.text
    finally:
        alice.follow_redirects = False
    bob = httpx.get(f"{hub.url}/user/{BOB}/api/contents/secret.txt", timeout=60,
                    headers={"Authorization": f"token {servers[BOB]}"})
    assert bob.status_code == 200 and bob.json()["content"] == SECRET
