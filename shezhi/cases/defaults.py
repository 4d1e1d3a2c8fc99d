"""The default request-type taxonomy, units and routing matrix a new installation starts with.

The 15 first-level classes are the ones Chinese 问政/12345 platforms commonly use (names
are facts); the second-level types, their time limits and questions are our own,
written for community handling (微治理) and meant to be edited by each office under
事项分类 in the admin. Time limits follow common 12345 practice: sign within 2 working
hours, close within 5 working days, urgent matters within 24 natural hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from shezhi.accounts.roles import DivisionLevel
from shezhi.places.models import Division


@dataclass(frozen=True)
class Sub:
    code: str
    name: str
    name_en: str
    keywords: str = ""
    handle_days: int = 5
    response_hours: int = 2
    urgent: bool = False
    attributes: list[dict[str, Any]] = field(default_factory=list)


_TIME_OF_DAY = {
    "code": "time_of_day",
    "datatype": "singlevaluelist",
    "required": False,
    "description": "主要发生时段 / when does it mostly happen",
    "values": [
        {"key": "day", "name": "白天 / daytime"},
        {"key": "evening", "name": "晚上 22 点前 / evening"},
        {"key": "night", "name": "夜间 22 点后 / at night"},
    ],
}

TAXONOMY: list[tuple[str, str, str, list[Sub]]] = [
    ("CX", "城乡建设", "Urban and rural construction", [
        Sub("CX01", "物业管理", "Property management", "物业,业委会,维修基金,停车费"),
        Sub("CX02", "市政设施", "Municipal facilities", "路灯,井盖,道路破损,人行道", 3, attributes=[
            {"code": "facility", "datatype": "singlevaluelist", "required": True,
             "description": "设施类型 / facility", "values": [
                 {"key": "lamp", "name": "路灯 / street lamp"},
                 {"key": "manhole", "name": "井盖 / manhole cover"},
                 {"key": "pavement", "name": "路面、人行道 / pavement"},
                 {"key": "other", "name": "其他 / other"}]},
            {"code": "count", "datatype": "number", "required": False,
             "description": "损坏数量（盏、个、处） / how many are broken"}]),
        Sub("CX03", "违章搭建", "Illegal construction", "违建,搭建,私搭乱建,加建"),
        Sub("CX04", "老旧小区改造", "Old compound renewal", "加装电梯,老旧小区,改造"),
        Sub("CX05", "房屋安全", "Building safety", "裂缝,危房,漏水,外墙脱落", 1, 1, True, attributes=[
            {"code": "building", "datatype": "string", "required": False,
             "description": "楼栋、单元 / building and entrance"},
            {"code": "details", "datatype": "text", "required": False,
             "description": "险情详细情况 / what exactly is at risk"}]),
        Sub("CX06", "供水供气", "Water and gas supply", "停水,水压,燃气,漏气", 1, 1, True),
    ]),
    ("HB", "环境保护", "Environmental protection", [
        Sub("HB01", "噪音扰民", "Noise nuisance", "噪音,噪声,扰民,施工噪音,广场舞", 3, attributes=[
            _TIME_OF_DAY,
            {"code": "source", "datatype": "multivaluelist", "required": False,
             "description": "噪音来源 / where the noise comes from", "values": [
                 {"key": "construction", "name": "施工 / construction"},
                 {"key": "shop", "name": "商铺 / shops"},
                 {"key": "dance", "name": "广场舞 / square dancing"},
                 {"key": "neighbour", "name": "邻居 / neighbours"},
                 {"key": "traffic", "name": "车辆 / traffic"}]},
            {"code": "since", "datatype": "datetime", "required": False,
             "description": "最近一次发生时间 / when it last happened"}]),
        Sub("HB02", "垃圾清运", "Waste collection", "垃圾,清运,垃圾分类,堆放", 2),
        Sub("HB03", "大气与油烟污染", "Air and cooking fume pollution", "油烟,烟尘,异味,焚烧"),
        Sub("HB04", "水体污染", "Water pollution", "河道,黑臭,排污"),
    ]),
    ("JT", "交通运输", "Transport", [
        Sub("JT01", "占道停车", "Parking on the road", "乱停,占道,停车,共享单车", 2),
        Sub("JT02", "公交线路", "Bus lines", "公交,站台,线路"),
        Sub("JT03", "道路交通安全", "Road safety", "红绿灯,斑马线,减速带", 3),
    ]),
    ("JY", "教育文体", "Education, culture and sports", [
        Sub("JY01", "入学与学位", "School places", "入学,学位,划片"),
        Sub("JY02", "校外培训", "Private tutoring", "培训,补课,收费"),
        Sub("JY03", "社区文体设施", "Community culture and sports facilities", "健身器材,活动室,球场"),
    ]),
    ("LD", "劳动和社会保障", "Labour and social security", [
        Sub("LD01", "欠薪讨薪", "Unpaid wages", "欠薪,工资,拖欠", 5, 2),
        Sub("LD02", "社会保险", "Social insurance", "社保,医保,养老保险"),
        Sub("LD03", "就业服务", "Employment services", "就业,招聘,失业"),
    ]),
    ("SM", "商贸旅游", "Commerce and tourism", [
        Sub("SM01", "市场秩序与消费维权", "Market order and consumer rights", "商家,消费,退费,价格"),
        Sub("SM02", "占道经营", "Street vending", "摊贩,占道经营,流动摊点", 2),
    ]),
    ("WS", "卫生计生", "Health", [
        Sub("WS01", "社区医疗服务", "Community health services", "卫生服务中心,看病,医生"),
        Sub("WS02", "公共卫生", "Public health", "蚊虫,老鼠,消杀,卫生死角", 3),
    ]),
    ("GT", "国土资源", "Land and resources", [
        Sub("GT01", "土地与规划", "Land use and planning", "规划,用地,拆迁,征地", 10),
    ]),
    ("JJ", "经济管理", "Economic management", [
        Sub("JJ01", "企业服务", "Business services", "营业执照,企业,办证", 10),
    ]),
    ("KJ", "科技与信息产业", "Science and information industry", [
        Sub("KJ01", "通信网络", "Telecom and network", "信号,宽带,基站,网络"),
    ]),
    ("MZ", "民政", "Civil affairs", [
        Sub("MZ01", "养老服务", "Elderly services", "养老,老人,高龄补贴,助餐"),
        Sub("MZ02", "社会救助", "Social assistance", "低保,困难,救助,残疾"),
        Sub("MZ03", "社区治理与居委会", "Community governance", "居委会,社区,议事"),
    ]),
    ("NC", "农村农业", "Rural affairs and agriculture", [
        Sub("NC01", "农村人居环境", "Rural living environment", "村道,农房,灌溉", 10),
    ]),
    ("DW", "党务政务", "Party and government affairs", [
        Sub("DW01", "政务服务", "Government services", "办事,窗口,审批,态度", 5),
    ]),
    ("ZF", "政法", "Law and public security", [
        Sub("ZF01", "矛盾纠纷", "Neighbourhood disputes", "纠纷,邻里,调解,矛盾", 5),
        Sub("ZF02", "治安隐患", "Public security hazards", "治安,盗窃,安全隐患,消防通道", 1, 1, True),
    ]),
    ("JC", "纪检监察", "Discipline inspection", [
        Sub("JC01", "作风问题", "Conduct of officials", "作风,不作为,乱作为", 10),
    ]),
]  # fmt: skip

#: District-level departments (区级职能部门) created in a district, and the first-level
#: classes whose cases the matrix sends to them; the rest go to the community.
DEPARTMENTS: list[tuple[str, list[str]]] = [
    ("区住房和城乡建设局", ["CX05", "CX06"]),
    ("区生态环境局", ["HB03", "HB04"]),
    ("区人力资源和社会保障局", ["LD"]),
    ("区教育局", ["JY01", "JY02"]),
    ("区市场监督管理局", ["SM01"]),
    ("区卫生健康局", ["WS01"]),
    ("区规划和自然资源局", ["GT"]),
    ("区纪委监委", ["JC"]),
]
#: Street-level handling (街道综合执法/城管): second-level types a street office takes.
STREET_TYPES = ["CX02", "CX03", "JT01", "SM02", "HB02"]


def short(name: str) -> str:
    for suffix in ("居民委员会", "居委会", "村民委员会", "村委会"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


@transaction.atomic
def ensure_categories() -> int:
    """Create or update the default taxonomy; returns how many second-level types exist."""
    from shezhi.cases.models import Category, CategoryAttribute

    order = 0
    for code, name, name_en, subs in TAXONOMY:
        order += 1
        top, _ = Category.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "parent": None, "order": order * 100}
        )
        for i, sub in enumerate(subs, start=1):
            cat, _ = Category.objects.update_or_create(
                code=sub.code,
                defaults={
                    "name": sub.name,
                    "name_en": sub.name_en,
                    "parent": top,
                    "keywords": sub.keywords,
                    "handle_days": sub.handle_days,
                    "response_hours": sub.response_hours,
                    "urgent": sub.urgent,
                    "order": order * 100 + i,
                },
            )
            for j, attr in enumerate(sub.attributes):
                CategoryAttribute.objects.update_or_create(
                    category=cat,
                    code=attr["code"],
                    defaults={
                        "datatype": attr["datatype"],
                        "required": attr["required"],
                        "description": attr["description"],
                        "values": attr.get("values", []),
                        "order": j,
                    },
                )
    return Category.objects.filter(parent__isnull=False).count()


@transaction.atomic
def ensure_units(district: Division) -> int:
    """Units and routing matrix for one district: its departments, streets and communities."""
    from shezhi.cases.models import Category, RoutingRule, Unit, UnitKind

    made = 0
    cats = {c.code: c for c in Category.objects.all()}
    district_unit, _ = Unit.objects.get_or_create(
        division=district, name=f"{district.name}社治委（督办）", defaults={"kind": UnitKind.DISTRICT}
    )
    for name, codes in DEPARTMENTS:
        unit, created = Unit.objects.get_or_create(
            division=district, name=name, defaults={"kind": UnitKind.DEPARTMENT}
        )
        made += created
        for code in codes:
            if code in cats:
                RoutingRule.objects.update_or_create(
                    category=cats[code], division=district, defaults={"unit": unit}
                )
    RoutingRule.objects.update_or_create(category=None, division=district, defaults={"unit": district_unit})
    streets = Division.objects.filter(parent=district, level=DivisionLevel.STREET)
    for street in streets:
        office, created = Unit.objects.get_or_create(
            division=street, name=f"{street.name}综合行政执法队", defaults={"kind": UnitKind.STREET}
        )
        made += created
        Unit.objects.get_or_create(
            division=street, name=f"{street.name}办事处", defaults={"kind": UnitKind.STREET}
        )
        for code in STREET_TYPES:
            if code in cats:
                RoutingRule.objects.update_or_create(
                    category=cats[code], division=street, defaults={"unit": office}
                )
        for community in Division.objects.filter(parent=street, level=DivisionLevel.COMMUNITY):
            if not community.grids.exists():
                continue
            unit, created = Unit.objects.get_or_create(
                division=community,
                name=f"{short(community.name)}居委会",
                defaults={"kind": UnitKind.COMMUNITY},
            )
            made += created
            RoutingRule.objects.update_or_create(category=None, division=community, defaults={"unit": unit})
    return made
