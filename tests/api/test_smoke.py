"""The harness itself: the app answers, the database is reachable and emptied."""


def test_healthz_checks_the_database(client, runtime):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "pass", "database": runtime.db.dialect}


def test_every_test_starts_with_an_empty_database(api):
    org = api.organization()
    caller = api.login(org, "admin")
    assert [o["id"] for o in caller.get("/api/v1/organizations").json()] == [str(org.id)]
