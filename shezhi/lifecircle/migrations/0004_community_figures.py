"""Community results carry every figure the run page and the reports show.

Runs stored before this migration get, from their compound results: the number of
compounds per community, the average walk per community and element weighted by
households (a walk beyond the search counted as twice the radius, as the evaluation now
stores it), and a row for each community of the run's area without compounds, so that
every surface counts the same communities, with the facilities located there (as they are
now: running the evaluation again gives them as they were then).
"""

from collections import defaultdict

from django.db import migrations, models

#: Frozen copies of the evaluation's constants (a migration must not import app code).
SPEED_MPS = {"adult": 1.1, "elderly": 0.8}
REFERENCE_SPEED_MPS = 1.1
SEARCH_FACTOR = 2.0
PREFIX_LENGTH = {"province": 2, "city": 4, "district": 6, "street": 9, "community": 12}
#: An element's values in a community without households (as the evaluation stores them).
EMPTY = {
    "households": 0.0,
    "covered": 0.0,
    "coverage": 0.0,
    "facilities": 0,
    "facilities_area_unknown": 0,
    "floor_area_m2": 0.0,
    "per_100_households_m2": None,
    "residents_per_facility": None,
    "access_2sfca": 0.0,
    "mean_walk_m": None,
}


def backfill(apps, schema_editor):
    AnalysisRun = apps.get_model("lifecircle", "AnalysisRun")
    CommunityResult = apps.get_model("lifecircle", "CommunityResult")
    CompoundResult = apps.get_model("lifecircle", "CompoundResult")
    Division = apps.get_model("places", "Division")
    Facility = apps.get_model("people", "Facility")
    ServiceElement = apps.get_model("lifecircle", "ServiceElement")
    for run in AnalysisRun.objects.filter(status="done").select_related("area"):
        speed = SPEED_MPS.get(run.walker, REFERENCE_SPEED_MPS)
        cap = {
            code: radius * speed / REFERENCE_SPEED_MPS * SEARCH_FACTOR
            for code, radius in ServiceElement.objects.filter(version_id=run.standard_id).values_list(
                "code", "radius_m"
            )
        }
        compounds = defaultdict(int)
        walked = defaultdict(lambda: defaultdict(float))  # community → code → Σ households × walk
        weight = defaultdict(float)
        for community, households, values in CompoundResult.objects.filter(run=run).values_list(
            "community_id", "households", "values"
        ):
            compounds[community] += 1
            weight[community] += households
            for code, v in values.items():
                if code in cap:
                    d = v.get("d")
                    walked[community][code] += households * (cap[code] if d is None else min(d, cap[code]))
        unknown = defaultdict(int)  # (community, code) → facilities without a floor area
        prefix = run.area.code[: PREFIX_LENGTH.get(run.area.level, 12)]
        for community, code in Facility.objects.filter(
            community__code__startswith=prefix,
            floor_area_m2__isnull=True,
        ).values_list("community_id", "category"):
            unknown[community, code] += 1
        changed = []
        have = set()
        for row in CommunityResult.objects.filter(run=run):
            have.add(row.community_id)
            row.compounds = compounds.get(row.community_id, 0)
            total = weight.get(row.community_id, 0.0)
            for code, v in row.values.items():
                v["mean_walk_m"] = walked[row.community_id][code] / total if total else None
                v.setdefault("facilities_area_unknown", unknown[row.community_id, code])
            changed.append(row)
        CommunityResult.objects.bulk_update(changed, ["compounds", "values"], batch_size=500)
        missing = list(
            Division.objects.filter(code__startswith=prefix, level="community")
            .exclude(pk__in=have)
            .values_list("pk", flat=True)
        )
        located = defaultdict(dict)  # community → code → values without households
        for community, code, area in Facility.objects.filter(
            community_id__in=missing, category__in=list(cap)
        ).values_list("community_id", "category", "floor_area_m2"):
            v = located[community].setdefault(code, {**EMPTY, "facilities": 0, "floor_area_m2": 0.0})
            v["facilities"] += 1
            if area is None:
                v["facilities_area_unknown"] += 1
            else:
                v["floor_area_m2"] += area
        CommunityResult.objects.bulk_create(
            CommunityResult(
                run=run,
                community_id=pk,
                compounds=0,
                households=0,
                residents=0,
                values={code: located[pk].get(code, {**EMPTY}) for code in cap},
            )
            for pk in missing
        )


class Migration(migrations.Migration):
    dependencies = [
        ("lifecircle", "0003_siting"),
        ("places", "0001_initial"),
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="communityresult",
            name="compounds",
            field=models.PositiveIntegerField(default=0, verbose_name="小区数"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
