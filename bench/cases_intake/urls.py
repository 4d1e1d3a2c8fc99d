"""The platform's URLs plus /bench/insert: a bare view that only inserts one row (the ceiling)."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from shezhi.urls import urlpatterns as platform


@csrf_exempt
def insert(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_rows (ref, body) VALUES (%s, %s)",
            [request.POST.get("device_id", ""), request.POST.get("description", "")],
        )
    return HttpResponse("ok")


urlpatterns = [path("bench/insert", insert), *platform]
