"""Both languages are complete: every string in the code has a Simplified
Chinese translation, and the compiled catalogue that ships matches it (it is
committed, so the server needs no gettext tools)."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"
MO = PO.with_suffix(".mo")


def test_every_string_is_translated():
    catalogue = polib.pofile(str(PO))
    assert not catalogue.untranslated_entries()
    assert not catalogue.fuzzy_entries()


def test_placeholders_survive_translation():
    for entry in polib.pofile(str(PO)):
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            for placeholder in ("%(", "{"):
                assert entry.msgid.count(placeholder) == translation.count(placeholder), entry.msgid


def test_compiled_catalogue_matches_the_source():
    def text(entry):
        return dict(entry.msgstr_plural) if entry.msgid_plural else entry.msgstr

    compiled = {e.msgid: text(e) for e in polib.mofile(str(MO)) if e.msgid}
    source = {e.msgid: text(e) for e in polib.pofile(str(PO)) if e.msgid and not e.obsolete}
    assert compiled == source, "run `make messages`"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools not installed")
def test_catalogue_covers_every_string_in_the_code(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", "var", ".git", "node_modules", "*.pyc", "static"),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "--ignore=tests",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "salesmeet.settings.dev"},
    )
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po"))}
    committed = {e.msgid for e in polib.pofile(str(PO)) if not e.obsolete}
    assert fresh - committed == set(), "strings without a translation: run `make messages`"
