"""The top-level schemas/ and i18n/ folders must reach a built wheel at the
import paths the plugins use (``ckanext.elections.schemas`` and
``ckanext.elections.i18n``), not only an editable install."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "--no-build-isolation", "--wheel-dir", str(out), str(ROOT)],
        check=True,
    )
    (path,) = out.glob("ckanext_elections-*.whl")
    return path


def test_wheel_ships_schemas_and_compiled_catalogues(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())

    schemas = {f"ckanext/elections/schemas/{p.name}" for p in (ROOT / "schemas").glob("*.yaml")}
    catalogues = {
        "ckanext/elections/i18n/" + str(p.relative_to(ROOT / "i18n").with_suffix(".mo"))
        for p in (ROOT / "i18n").glob("*/LC_MESSAGES/*.po")
    }
    assert schemas <= names
    assert catalogues <= names
    assert "ckanext/elections/plugin.py" in names
    assert "ckanext/usagestats/plugin.py" in names
    # ckanext is a namespace shared with CKAN: a wheel must not overwrite it.
    assert "ckanext/__init__.py" not in names


def test_wheel_resolves_schema_paths_without_the_checkout(wheel, tmp_path):
    zipfile.ZipFile(wheel).extractall(tmp_path)
    # -S: no site-packages, so neither the editable install nor CKAN is seen.
    probe = (
        "import os, ckanext.elections.schemas as s, ckanext.elections.i18n as i;"
        "print(os.path.dirname(s.__file__)); print(os.path.dirname(i.__file__))"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", probe],
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        cwd=tmp_path,  # not the checkout, whose ckanext/ would shadow the wheel's
        capture_output=True, text=True, check=True,
    )
    schemas_dir, i18n_dir = map(pathlib.Path, result.stdout.split())

    assert schemas_dir == tmp_path / "ckanext" / "elections" / "schemas"
    assert i18n_dir == tmp_path / "ckanext" / "elections" / "i18n"
    for schema in (ROOT / "schemas").glob("*.yaml"):
        assert (schemas_dir / schema.name).read_bytes() == schema.read_bytes()
