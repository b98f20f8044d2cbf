"""The harness itself: the app answers, the database is reachable and emptied."""


def test_healthz_checks_the_database(client, runtime):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "pass", "database": runtime.db.dialect}


def test_every_test_starts_with_an_empty_database(api):
    org = api.organization()
    caller = api.login(org, "admin")
    assert [o["id"] for o in caller.get("/api/v1/organizations").json()] == [str(org.id)]


def test_api_docs_are_served_from_our_own_origin(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text and "https://" not in page.text
    assert client.get("/static/vendor/swagger/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/api-docs.js").status_code == 200
    assert "/api/v1/slots/search" in client.get("/openapi.json").json()["paths"]
