from django.test import Client


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_openapi_document_describes_the_api(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/divisions",
        "/api/v1/divisions/{code}",
        "/api/v1/divisions/{code}/children",
        "/api/v1/grids",
        "/api/v1/grids/{code}",
        "/api/v1/compounds",
        "/api/v1/me",
    ):
        assert path in spec["paths"], path
    schemes = spec["components"]["securitySchemes"]
    assert {"TokenAuth", "SessionAuth"} <= set(schemes)


def test_the_interactive_docs_are_served_offline(db):
    html = Client().get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn." not in html
    assert "https://" not in html.replace("https://swagger.io", "")


def test_division_detail_counts_levels(world):
    body = client_for(world.cate).get("/api/v1/divisions/510100000000").json()
    assert body["name"] == "成都市"
    assert body["counts"] == {"province": 0, "city": 1, "district": 20, "street": 261, "community": 3047}


def test_division_search_by_name_and_code(world):
    client = client_for(world.cate)
    items = client.get("/api/v1/divisions", {"q": "猛追湾"}).json()["items"]
    assert {
        "code": "510108002000",
        "name": "猛追湾街道",
        "level": "street",
        "parent_code": "510108000000",
    } in items
    by_code = client.get("/api/v1/divisions", {"q": "510108002"}).json()
    assert by_code["count"] == 8  # 猛追湾街道 and its 7 communities
    assert all(i["code"].startswith("510108002") for i in by_code["items"])


def test_division_children_are_paginated_in_code_order(world):
    body = client_for(world.cate).get("/api/v1/divisions/510100000000/children").json()
    assert body["count"] == 20
    codes = [i["code"] for i in body["items"]]
    assert codes == sorted(codes)
    assert codes[0] == "510104000000"


def test_grid_detail_has_its_boundary(world):
    body = client_for(world.alice).get(f"/api/v1/grids/{world.grid_a.code}").json()
    assert body["kind"] == "general"
    assert body["source"] == "generated"
    assert body["boundary"]["type"] == "Polygon"
    assert body["parent_code"] == world.grid_a.parent.code


def test_compounds_filtered_by_a_foreign_grid_are_404(world):
    client = client_for(world.alice)
    assert client.get("/api/v1/compounds", {"grid": world.grid_b.code}).status_code == 404
    assert client.get("/api/v1/compounds", {"grid": world.grid_a.code}).status_code == 200


def test_bad_query_parameters_get_the_documented_error_shape(world):
    response = client_for(world.alice).get("/api/v1/compounds/not-a-number")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == "请求参数有误：“compound_id”须为整数"
    assert body["message_en"] == "invalid request: compound_id must be an integer"
    assert body["details"][0]["field"] == "compound_id"
