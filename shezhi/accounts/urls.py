from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from shezhi.accounts import admin_views, views

app_name = "accounts"

urlpatterns = [
    path(
        "password/",
        views.PasswordChangeView.as_view(success_url=reverse_lazy("accounts:password_change_done")),
        name="password_change",
    ),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("login-failures/", views.login_failures, name="login_failures"),
    path("users/", admin_views.user_list, name="users"),
    path("users/new/", admin_views.user_new, name="user_new"),
    path("users/<int:pk>/", admin_views.user_detail, name="user"),
    path("users/<int:pk>/reset-password/", admin_views.user_reset_password, name="user_reset_password"),
    path("users/<int:pk>/active/", admin_views.user_set_active, name="user_set_active"),
    path("audit/", admin_views.account_audit, name="audit"),
]
