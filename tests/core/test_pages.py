def test_the_favicon_is_the_static_icon(client):
    response = client.get("/favicon.ico")

    assert (response.status_code, response["Location"]) == (302, "/static/core/favicon.svg")


def test_admin_pages_link_the_icon(client, ops):
    client.force_login(ops)

    assert '<link rel="icon" href="/static/core/favicon.svg"' in client.get("/admin/").content.decode()


def test_a_page_outside_ones_role_says_why_and_who_one_is(client, ops):
    client.force_login(ops)

    response = client.get("/compliance/queue/")  # read-only for the trustee, closed to operations

    page = response.content.decode()
    assert response.status_code == 403
    assert "The review queue is for compliance officers, and read-only for the trustee and auditors." in page
    assert "You are signed in as <strong>ops</strong> (issuer operations)." in page
