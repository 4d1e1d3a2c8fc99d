"""The English switch is complete: no catalog entry is left empty or fuzzy.

Run ``make messages`` after adding a user-facing string, then translate what it added.
"""

import re
from pathlib import Path

import pytest

SHEZHI = Path(__file__).resolve().parent.parent / "shezhi"
CATALOGS = sorted(SHEZHI.glob("**/locale/en/LC_MESSAGES/django.po"))
#: A msgstr (or msgstr[n]) that is empty: "" and no continuation line after it.
EMPTY = re.compile(r'^msgstr(\[\d+\])? ""\n(?!")', re.M)


def _untranslated(text: str) -> list[str]:
    found = []
    for block in re.split(r"\n\s*\n", text + "\n"):
        if "msgid" not in block or block.lstrip().startswith("#~"):
            continue
        entry = block[block.index("msgid") :]
        if entry.startswith('msgid ""\nmsgstr ""'):
            continue  # the catalog's header
        if "#, fuzzy" in block or EMPTY.search(entry + "\n"):
            found.append(entry[:80])
    return found


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: p.parents[3].name)
def test_every_message_has_an_english_translation(catalog):
    untranslated = _untranslated(catalog.read_text(encoding="utf-8"))
    assert not untranslated, f"{len(untranslated)} messages without English in {catalog}: {untranslated[:5]}"
