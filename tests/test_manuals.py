"""The documentation is installed with the package, and what messages point to exists there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coprod_sim.cli import main
from coprod_sim.manuals import doc_names, doc_path

PACKAGE = Path(__file__).resolve().parent.parent / "coprod_sim"


def test_every_shipped_document_is_listed_and_printed(capsys):
    assert {"ODD", "strategists", "experiments", "validation"} <= set(doc_names())
    assert main(["docs"]) == 0
    listing = capsys.readouterr().out
    assert "ODD" in listing and "model description" in listing
    assert main(["docs", "odd"]) == 0  # case does not matter
    assert capsys.readouterr().out == doc_path("ODD").read_text(encoding="utf-8")
    assert main(["docs", "ODD", "--path"]) == 0
    assert Path(capsys.readouterr().out.strip()).is_file()


def test_an_unknown_document_is_one_line_and_status_2(capsys):
    assert main(["docs", "nonsense"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "'nonsense'" in err and "ODD" in err


def test_messages_point_to_documents_that_exist():
    """Every "coprod-sim docs NAME" written in the package names a document the package ships."""
    pointer = re.compile(r"coprod-sim docs (?!NAME\b)(\w+)")
    named = {m for p in PACKAGE.rglob("*.py") for m in pointer.findall(p.read_text("utf-8"))}
    assert "ODD" in named
    for name in named:
        assert doc_path(name).is_file(), name


def test_a_misspelt_key_points_to_the_installed_model_description(capsys):
    assert main(["run", "baseline", "--set", "power.transfr=0.3"]) == 2
    err = capsys.readouterr().err
    assert "coprod-sim docs ODD" in err and "docs/ODD.md" not in err


@pytest.mark.parametrize("source", sorted(p.name for p in (PACKAGE.parent / "docs").glob("*.md")))
def test_the_wheel_ships_every_document(source):
    pyproject = (PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '"docs" = "coprod_sim/docs"' in pyproject
    assert doc_path(source.removesuffix(".md")).name == source
