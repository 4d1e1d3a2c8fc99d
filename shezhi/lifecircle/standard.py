"""The default configuration standard of the 一刻钟社区生活圈 (service elements and rules).

Each element names the circle of seed 001 it serves (八圈), its type (基础保障型/品质提升型/
特色引导型), its circle level (5/10/15 minutes, walked as 300/500/1000 m per GB 50180-2018
§3.0.2 and TD/T 1062-2021 §5), and quantity rules where a published rule exists:

* ``space_per_100_households_m2``: floor area per 100 households (成都：社区综合服务设施
  每百户不低于 30 平方米, seed 000 §4);
* ``residents_per_facility``: at most this many residents per facility (GB 50180-2018
  附录 B 的服务人口规模 for 5/10/15-minute circles).

``sources`` map source categories (OSM ``key=value`` tags; Amap ``大类;中类;小类`` prefixes;
name keywords) to the element, for the facility/POI import.

This is data, not code: the city administrator revises it in the platform, and every
revision is a new :class:`~shezhi.lifecircle.models.StandardVersion`; an analysis records
the version it used.
"""

from __future__ import annotations

from typing import Any

#: GB 50180-2018 §3.0.2: walking distance of each circle.
LEVEL_RADIUS_M = {5: 300, 10: 500, 15: 1000}

BASIS = (
    "GB 50180-2018《城市居住区规划设计标准》; TD/T 1062-2021《社区生活圈规划技术指南》; "
    "成都市一刻钟社区生活圈实施方案（八圈、三类服务要素）; 每百户不低于30平方米（社区综合服务设施）"
)


def _e(code: str, name: str, circle: str, kind: str, level: int, **rules: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "circle": circle,
        "kind": kind,
        "level_minutes": level,
        "radius_m": rules.pop("radius_m", LEVEL_RADIUS_M[level]),
        "space_per_100_households_m2": rules.pop("space", None),
        "residents_per_facility": rules.pop("residents", None),
        "sources": {
            "osm": rules.pop("osm", []),
            "amap": rules.pop("amap", []),
            "keywords": rules.pop("keywords", []),
        },
        "basis": rules.pop("basis", ""),
    }


#: The documented default set (version 1).
DEFAULT_ELEMENTS: list[dict[str, Any]] = [
    # ---- 5-minute circle (居住街坊 / 小区级, 300 m)
    _e(
        "service_station",
        "社区综合服务站（党群服务站）",
        "response",
        "basic",
        5,
        space=30,
        osm=["office=government", "amenity=community_centre"],
        amap=["政府机构及社会团体;政府机关;乡镇以下级政府及事业单位"],
        keywords=["社区居委会", "居民委员会", "党群服务", "社区服务站", "便民服务"],
        basis="成都：社区综合服务设施每百户不低于30平方米；GB 50180-2018 附录B 社区服务站",
    ),
    _e(
        "kindergarten",
        "幼儿园",
        "education",
        "basic",
        5,
        residents=12000,
        osm=["amenity=kindergarten"],
        amap=["科教文化服务;学校;幼儿园"],
        basis="GB 50180-2018 附录B：幼儿园服务半径不宜大于300m",
    ),
    _e(
        "childcare",
        "托育机构（托儿所）",
        "education",
        "quality",
        5,
        osm=["amenity=childcare"],
        keywords=["托育", "托儿所", "早教"],
        basis="GB 50180-2018 附录B 托儿所；成都“一老一小”",
    ),
    _e(
        "elderly_daycare",
        "养老服务站（老年人日间照料中心）",
        "elderly",
        "basic",
        5,
        osm=["social_facility=day_care", "amenity=social_facility"],
        keywords=["日间照料", "养老服务站", "老年活动中心", "长者"],
        basis="GB 50180-2018 附录B 老年人日间照料中心（托老所）",
    ),
    _e(
        "health_station",
        "社区卫生服务站",
        "health",
        "basic",
        5,
        osm=["amenity=clinic", "amenity=doctors", "healthcare=clinic"],
        amap=["医疗保健服务;诊所"],
        keywords=["卫生服务站", "卫生室"],
        basis="GB 50180-2018 附录B 社区卫生服务站；实施方案：卫生服务中心难以覆盖的小区补充设置",
    ),
    _e(
        "culture_station",
        "文化活动站（社区图书室）",
        "culture",
        "basic",
        5,
        osm=["amenity=library", "amenity=arts_centre"],
        keywords=["文化活动室", "文化站", "图书室"],
        basis="GB 50180-2018 附录B 文化活动站",
    ),
    _e(
        "fitness_outdoor",
        "室外综合健身场地",
        "culture",
        "basic",
        5,
        osm=["leisure=fitness_station", "leisure=pitch", "leisure=playground"],
        amap=["体育休闲服务;运动场馆;全民健身"],
        keywords=["健身路径", "健身广场"],
        basis="GB 50180-2018 附录B 室外综合健身场地",
    ),
    _e(
        "convenience",
        "便利店（社区商业网点）",
        "consumer",
        "basic",
        5,
        osm=["shop=convenience", "shop=supermarket"],
        amap=["购物服务;便民商店/便利店"],
        basis="GB 50180-2018 附录B 社区商业网点",
    ),
    _e(
        "canteen",
        "社区食堂（老年助餐点）",
        "elderly",
        "quality",
        5,
        keywords=["社区食堂", "助餐", "长者食堂"],
        basis="实施方案：养老服务圈、社区服务",
    ),
    _e(
        "parcel",
        "快递与邮政服务点",
        "consumer",
        "quality",
        5,
        osm=["amenity=post_office", "amenity=parcel_locker"],
        amap=["生活服务;邮局", "生活服务;物流速递"],
        keywords=["菜鸟驿站", "速递易", "邮政"],
        basis="GB 50180-2018 附录B 邮件和快件送达设施",
    ),
    _e(
        "ev_charging",
        "电动自行车充电设施",
        "housing",
        "basic",
        5,
        osm=["amenity=charging_station"],
        keywords=["充电桩", "充电站"],
        basis="实施方案（舒适安居圈）：配建电动汽车、电动自行车充电设施",
    ),
    _e(
        "toilet",
        "公共厕所",
        "cityscape",
        "basic",
        5,
        osm=["amenity=toilets"],
        keywords=["公厕", "公共厕所"],
        basis="GB 50180-2018 附录B 公共厕所",
    ),
    # ---- 10-minute circle (500 m)
    _e(
        "primary_school",
        "小学",
        "education",
        "basic",
        10,
        residents=25000,
        osm=["amenity=school"],
        amap=["科教文化服务;学校;小学"],
        keywords=["小学"],
        basis="GB 50180-2018 附录B：小学服务半径不宜大于500m",
    ),
    _e(
        "market",
        "菜市场（生鲜超市）",
        "consumer",
        "basic",
        10,
        osm=["amenity=marketplace", "shop=greengrocer"],
        amap=["购物服务;综合市场"],
        keywords=["菜市场", "农贸市场", "生鲜"],
        basis="GB 50180-2018 附录B：菜市场服务半径不宜大于500m",
    ),
    _e(
        "bus_stop",
        "公交站",
        "cityscape",
        "basic",
        10,
        osm=["highway=bus_stop", "public_transport=platform"],
        amap=["交通设施服务;公交车站"],
        basis="GB 50180-2018 §6.0.4：公交站点服务半径不宜大于500m",
    ),
    _e(
        "park",
        "社区公园（口袋公园）",
        "cityscape",
        "basic",
        10,
        osm=["leisure=park", "leisure=garden"],
        keywords=["公园", "绿地", "游园"],
        basis="GB 50180-2018 §4.0.4：10分钟生活圈居住区公园",
    ),
    _e(
        "pharmacy",
        "药店",
        "health",
        "quality",
        10,
        osm=["amenity=pharmacy", "shop=chemist"],
        amap=["医疗保健服务;医药保健销售店"],
        keywords=["药房", "大药房"],
        basis="实施方案：满足日常取药需求",
    ),
    _e(
        "sports_venue",
        "中型多功能运动场地",
        "culture",
        "quality",
        10,
        osm=["leisure=sports_centre", "leisure=stadium"],
        amap=["体育休闲服务;运动场馆"],
        basis="GB 50180-2018 附录B 中型多功能运动场地",
    ),
    # ---- 15-minute circle (1000 m)
    _e(
        "middle_school",
        "初中",
        "education",
        "basic",
        15,
        residents=50000,
        amap=["科教文化服务;学校;中学"],
        keywords=["中学", "初级中学"],
        basis="GB 50180-2018 附录B：初中服务半径不宜大于1000m",
    ),
    _e(
        "health_centre",
        "社区卫生服务中心（社区医院）",
        "health",
        "basic",
        15,
        residents=100000,
        osm=["amenity=hospital"],
        amap=["医疗保健服务;综合医院"],
        keywords=["社区卫生服务中心", "社区医院", "卫生院"],
        basis="GB 50180-2018 附录B：卫生服务中心服务半径不宜大于1000m",
    ),
    _e(
        "elderly_home",
        "养老院（老年养护院）",
        "elderly",
        "basic",
        15,
        osm=["amenity=nursing_home", "social_facility=nursing_home"],
        amap=["度假疗养场所;疗养院"],
        keywords=["养老院", "敬老院", "养护院", "颐养"],
        basis="GB 50180-2018 附录B 养老院",
    ),
    _e(
        "culture_centre",
        "文化活动中心（街道级）",
        "culture",
        "basic",
        15,
        osm=["amenity=theatre", "amenity=cinema"],
        amap=["科教文化服务;文化宫", "科教文化服务;图书馆"],
        keywords=["文化中心", "文化馆", "图书馆"],
        basis="GB 50180-2018 附录B 文化活动中心",
    ),
    _e(
        "street_service_centre",
        "街道社区服务中心（市民驿站）",
        "response",
        "basic",
        15,
        osm=["amenity=townhall"],
        keywords=["街道办事处", "便民服务中心", "市民驿站", "党群服务中心"],
        basis="GB 50180-2018 附录B 社区服务中心（街道级）；成华区市民驿站",
    ),
    _e(
        "police",
        "派出所（警务室）",
        "response",
        "basic",
        15,
        osm=["amenity=police"],
        amap=["政府机构及社会团体;公检法机构;公安警察"],
        keywords=["派出所", "警务室"],
        basis="GB 50180-2018 附录B 派出所；一格一长一警",
    ),
    _e(
        "metro",
        "地铁站",
        "cityscape",
        "guided",
        15,
        osm=["railway=station", "railway=subway_entrance"],
        amap=["交通设施服务;地铁站"],
        basis="实施方案：构建绿色交通体系",
    ),
]
