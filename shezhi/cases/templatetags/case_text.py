"""``{{ case.description|case_text:can_handle }}``: free text as typed for the handling desk,
with the phone and ID numbers in it masked for every other reader."""

from django import template

from shezhi.common.pii import redact_free_text

register = template.Library()


@register.filter
def case_text(value: str | None, clear: bool) -> str:
    return (value or "") if clear else redact_free_text(value)
