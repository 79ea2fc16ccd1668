"""The Docker image and ``make run`` both run collectstatic with whitenoise's
manifest storage, which refuses a vendored file that points at a file we do
not ship (a source map, a font): the build would fail, not a page."""

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_with_the_production_storage_finds_every_referenced_file(tmp_path):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/chartjs/chart.umd.min.*.js"))
