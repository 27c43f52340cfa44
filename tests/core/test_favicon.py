def test_the_favicon_is_the_static_icon(client):
    response = client.get("/favicon.ico")

    assert (response.status_code, response["Location"]) == (302, "/static/core/favicon.svg")


def test_admin_pages_link_the_icon(client, ops):
    client.force_login(ops)

    assert '<link rel="icon" href="/static/core/favicon.svg"' in client.get("/admin/").content.decode()
