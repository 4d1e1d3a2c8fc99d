"""Forms of the accounts app."""

from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """Login with its errors in Chinese and English, as every error a user sees."""

    error_messages = {
        "invalid_login": "用户名或密码错误（注意区分大小写）/ wrong username or password (case-sensitive)",
        "inactive": "该账号已停用 / this account is disabled",
    }
