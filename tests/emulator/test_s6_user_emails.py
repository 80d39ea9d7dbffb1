"""Users' emails as a backup tool (PyPI ``grafana-backup``, ``save --components=users``)
reads them with the admin's basic auth: ``GET /api/users``, ``GET /api/users/:id``,
``GET /api/org/users``. Grafana's user ``Create`` sets an empty email to the login, and the
first server admin gets ``[security] admin_email`` (defaults.ini: ``admin@localhost``)."""

from __future__ import annotations

import hashlib

from emulator_api import Api


def _avatar(email: str) -> str:
    return "/avatar/" + hashlib.md5(email.encode()).hexdigest()


def test_s6_the_first_admins_email_is_admin_at_localhost(api: Api) -> None:
    admin = api.get("/api/users/1").json()
    assert (admin["login"], admin["email"]) == ("admin", "admin@localhost")
    assert admin["avatarUrl"] == _avatar("admin@localhost")
    listed = next(u for u in api.get("/api/users", params={"perpage": 5000}).json())
    assert (listed["email"], listed["avatarUrl"]) == ("admin@localhost", _avatar("admin@localhost"))


def test_s6_a_user_created_without_an_email_has_its_login_as_email(api: Api) -> None:
    created = api.post("/api/admin/users", json={"login": "bob", "password": "secret123"})
    assert created.status_code == 200
    user = api.get(f"/api/users/{created.json()['id']}").json()
    assert (user["email"], user["avatarUrl"]) == ("bob", _avatar("bob"))
    member = next(u for u in api.get("/api/org/users").json() if u["login"] == "bob")
    assert member["email"] == "bob"
    assert api.get("/api/users/lookup", params={"loginOrEmail": "bob"}).json()["email"] == "bob"


def test_s6_creating_a_taken_user_412_names_the_forms_email_and_login(api: Api) -> None:
    """grafana-backup restores users by re-POSTing each saved user's DTO."""
    form = {"login": "alice", "email": "alice@example.com", "password": "secret123"}
    assert api.post("/api/admin/users", json=form).status_code == 200
    again = api.post("/api/admin/users", json=form)
    assert (again.status_code, again.json()) == (
        412,
        {"message": "User with email 'alice@example.com' or username 'alice' already exists"},
    )
    by_login_only = api.post("/api/admin/users", json={"login": "admin", "password": "x1234"})
    assert by_login_only.json() == {
        "message": "User with email '' or username 'admin' already exists"
    }
