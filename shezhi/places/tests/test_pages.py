import re

from django.conf import settings
from django.test import Client


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_pages_need_a_login(db):
    response = Client().get("/places/divisions/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_login_page_is_chinese_first(db):
    html = Client().get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录社智在线" in html


def test_a_bad_login_says_why_in_the_users_language(world):
    html = Client().post("/accounts/login/", {"username": "alice", "password": "wrong"}).content.decode()
    assert "用户名或密码错误" in html
    assert "Wrong username or password" not in html
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = english.post("/accounts/login/", {"username": "alice", "password": "wrong"}).content.decode()
    assert "Wrong username or password" in html
    assert "用户名或密码错误" not in html


def test_english_is_one_switch_away(db):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html


def test_the_city_tree_shows_the_official_counts(world):
    html = client_for(world.cate).get("/places/divisions/").content.decode()
    assert "成都市" in html
    assert "510100000000" in html
    found = re.findall(r'data-level="(\w+)"><dt>[^<]*</dt><dd>([\d,]+)</dd>', html)
    counts = {level: int(n.replace(",", "")) for level, n in found}
    assert counts == {"city": 1, "district": 20, "street": 261, "community": 3047}


def test_drilling_down_shows_children_and_breadcrumbs(world):
    html = client_for(world.cate).get("/places/divisions/510108002000/").content.decode()
    assert "猛追湾街道" in html
    assert "建华社区居委会" in html
    assert "510108002002" in html
    assert 'href="/places/divisions/510108000000/"' in html  # breadcrumb to 成华区
    assert "边界：生成（示意）" in html


def test_search_finds_by_name_and_by_code(world):
    client = client_for(world.cate)
    html = client.get("/places/divisions/", {"q": "猛追湾"}).content.decode()
    assert "510108002000" in html
    html = client.get("/places/divisions/", {"q": "510108002002"}).content.decode()
    assert "建华社区居委会" in html


def test_search_stays_inside_ones_area(world):
    html = client_for(world.sam).get("/places/divisions/", {"q": "双桥子"}).content.decode()
    assert world.street_y.code not in html


def test_a_street_officer_starts_at_their_street(world):
    html = client_for(world.sam).get("/places/divisions/").content.decode()
    assert "猛追湾街道" in html
    assert "成华区" not in html


def test_the_grid_page_labels_generated_boundaries(world):
    html = client_for(world.alice).get(f"/places/grids/{world.grid_a.code}/").content.decode()
    assert world.grid_a.name in html
    assert "生成（示意）" in html
    assert "一般网格" in html


def test_the_grid_list_filters_by_kind(world):
    html = client_for(world.sam).get("/places/grids/", {"kind": "micro"}).content.decode()
    assert "微网格" in html
    assert "总网格</td>" not in html


def test_map_layers_are_geojson_of_visible_things(world):
    body = client_for(world.alice).get("/places/map/layers.geojson").json()
    grids = [f for f in body["features"] if f["properties"]["layer"] == "grid"]
    assert grids
    assert all(f["properties"]["code"].startswith(world.grid_a.code) for f in grids)
    assert all(f["geometry"]["type"] in {"Polygon", "MultiPolygon", "Point"} for f in body["features"])


def test_the_basemap_is_the_bundled_osm_network(world):
    body = client_for(world.alice).get("/places/map/basemap.geojson").json()
    assert len(body["features"]) > 2000
    assert "OpenStreetMap" in body["attribution"]


def test_no_page_references_the_internet(world):
    client = client_for(world.cate)
    for url in (
        "/",
        "/places/divisions/",
        "/places/grids/",
        "/places/map/",
        f"/places/grids/{world.grid_a.code}/",
        "/accounts/login/",
    ):
        html = client.get(url).content.decode()
        external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
        assert not external, (url, external)


def test_the_admin_speaks_chinese(world):
    client = client_for(world.cate)
    world.cate.is_staff = world.cate.is_superuser = True
    world.cate.save()
    html = client.get("/admin/").content.decode()
    assert "站点管理" in html
    assert "网格" in html


def test_the_admin_is_for_superusers_even_when_staff_hold_permissions(world):
    """Area staff administer in the app (accounts, grid staff); the Django admin stays closed."""
    from django.contrib.auth.models import Permission

    world.sam.is_staff = True
    world.sam.save()
    world.sam.user_permissions.add(Permission.objects.get(codename="view_grid"))
    client = client_for(world.sam)
    response = client.get("/admin/places/grid/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert client.get(f"/admin/places/grid/{world.grid_y.pk}/change/").status_code == 302
