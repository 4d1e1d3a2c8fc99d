from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from shezhi.accounts import views

app_name = "accounts"

urlpatterns = [
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("accounts:password_change_done")),
        name="password_change",
    ),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("login-failures/", views.login_failures, name="login_failures"),
]
