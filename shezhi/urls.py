from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from shezhi import health, views
from shezhi.accounts.forms import LoginForm
from shezhi.api import api
from shezhi.ops import metrics

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("shezhi.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("places/", include("shezhi.places.urls")),
    path("people/", include("shezhi.people.urls")),
    path("lifecircle/", include("shezhi.lifecircle.urls")),
    path("cases/", include("shezhi.cases.urls")),
    path("eldercare/", include("shezhi.eldercare.urls")),
    path("participation/", include("shezhi.participation.urls")),
    path("indicators/", include("shezhi.indicators.urls")),
    path("open311/v2/", include("shezhi.cases.open311")),
    path("api/v1/", api.urls),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
]

# Error pages in the user's language; under /api/ and for JSON answers the API's error shape.
handler400 = "shezhi.views.bad_request"
handler403 = "shezhi.views.permission_denied"
handler404 = "shezhi.views.page_not_found"
handler500 = "shezhi.views.server_error"
