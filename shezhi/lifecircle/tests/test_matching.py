from shezhi.lifecircle.matching import CategoryMatcher
from shezhi.lifecircle.standard import DEFAULT_ELEMENTS


def matcher() -> CategoryMatcher:
    return CategoryMatcher((e["code"], e["sources"]) for e in DEFAULT_ELEMENTS)


def test_osm_tags_map_to_elements():
    m = matcher()
    assert m.match_osm({"amenity": "kindergarten"}, "红星幼儿园") == "kindergarten"
    assert m.match_osm({"amenity": "school"}, "府青路小学") == "primary_school"
    assert m.match_osm({"highway": "bus_stop"}, "建设路") == "bus_stop"
    assert m.match_osm({"amenity": "restaurant"}, "火锅") is None


def test_a_name_keyword_is_more_specific_than_the_tag():
    m = matcher()
    assert m.match_osm({"amenity": "school"}, "成都七中初中学校") == "middle_school"
    assert m.match_osm({"amenity": "hospital"}, "猛追湾社区卫生服务中心") == "health_centre"
    assert m.match_osm({"amenity": "clinic"}, "建设路社区卫生服务站") == "health_station"


def test_amap_types_and_names():
    m = matcher()
    assert m.match_amap("科教文化服务;学校;幼儿园", "小天鹅幼儿园") == "kindergarten"
    hospital = "医疗保健服务;综合医院;三级甲等医院|医疗保健服务;专科医院"
    assert m.match_amap(hospital, "某医院") == "health_centre"
    office = "政府机构及社会团体;政府机关;乡镇以下级政府及事业单位"
    assert m.match_amap(office, "建华社区居民委员会") == "service_station"
    assert m.match_amap("体育休闲服务;娱乐场所;网吧", "星际网咖") is None
