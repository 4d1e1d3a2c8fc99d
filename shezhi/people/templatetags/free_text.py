"""``{{ case.description|free_text:clear }}``: free text as typed for those who handle it (the
desk on a case, the keepers of a resident's record), with the phone and ID numbers in it
masked for every other reader."""

from django import template

from shezhi.common.pii import redact_free_text

register = template.Library()


@register.filter
def free_text(value: str | None, clear: bool) -> str:
    return (value or "") if clear else redact_free_text(value)
