"""Transport and browser hardening: production settings, and a Content-Security-Policy everywhere."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    # Settings of the calling test run (the browser tests allow async-unsafe calls) stay out.
    unset = {"DEBUG", "SECURE_COOKIES", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(DJANGO_SETTINGS_MODULE="shezhi.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "SHEZHI_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "example.org",
}


def test_check_deploy_is_clean_under_the_production_settings():
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


_SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k, None) for k in "
    "['SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', 'SECURE_SSL_REDIRECT', "
    "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SECURE_PROXY_SSL_HEADER']}))"
)


def _settings(**env: str) -> dict:
    result = _run(["shell", "-c", _SHOW], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_production_switch_turns_on_https_only():
    production = _settings(**PRODUCTION)
    assert production["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_HSTS_PRELOAD"] is False
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    # The forwarded-protocol header is trusted only when a proxy is declared.
    assert production["SECURE_PROXY_SSL_HEADER"] is None
    proxied = _settings(**PRODUCTION, SHEZHI_BEHIND_PROXY="1")
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def _policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in filter(None, (p.strip() for p in header.split(";"))):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_every_page_carries_a_content_security_policy(world):
    anonymous = Client().get("/accounts/login/")
    signed_in = Client()
    signed_in.force_login(world.cate)
    admin = Client().get("/admin/login/")
    for response in (anonymous, signed_in.get("/places/divisions/"), admin):
        policy = _policy(response)
        assert policy.get("default-src") == ["'self'"]
        assert "'unsafe-inline'" not in policy["script-src"]
        assert "'unsafe-eval'" not in policy["script-src"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
    # The admin's inline style carries this response's nonce.
    nonce = next(v for v in _policy(admin)["style-src"] if v.startswith("'nonce-"))[len("'nonce-") : -1]
    assert f'<style nonce="{nonce}">' in admin.content.decode()


_INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S)
_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)


def test_no_template_runs_script_the_policy_would_block():
    """Inline scripts need the nonce (or an approved hash); inline event handlers are not allowed."""
    allowed = set(getattr(settings, "CSP_SCRIPT_HASHES", []))
    offenders = []
    for path in sorted((ROOT / "shezhi").rglob("templates/**/*.html")):
        text = path.read_text()
        for match in _INLINE_SCRIPT.finditer(text):
            attrs, body = match["attrs"], match["body"]
            if "src=" in attrs or "application/json" in attrs or "csp_nonce" in attrs:
                continue
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            if f"'sha256-{digest}'" not in allowed:
                offenders.append(f"{path.relative_to(ROOT)}: inline <script> without nonce")
        offenders += [f"{path.relative_to(ROOT)}: inline event handler" for _ in _HANDLER.finditer(text)]
    assert offenders == []
