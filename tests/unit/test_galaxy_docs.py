"""The landing page Galaxy and Automation Hub show: docs/*.md.

galaxy-importer renders the collection's README and the ``.md`` files directly in ``docs/``
(``DOCUMENTATION_DIR = "docs"`` in galaxy_importer/loaders/collection.py, ``DOCFILE_EXTENSIONS =
[".md"]`` in galaxy_importer/utils/markup.py, https://github.com/ansible/galaxy-importer); the
guides are reStructuredText under docs/docsite/rst/, which it skips. So a docs/*.md page links to
every guide. Galaxy serves the rendered HTML from its own site, where a relative link leads
nowhere: links are absolute, into the source repository. `scripts/test packaging` checks that
galaxy-importer renders every docs/*.md page.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)\s]+)\)|<(https?://[^>\s]+)>")


def repository():
    return yaml.safe_load((ROOT / "galaxy.yml").read_text())["repository"].rstrip("/")


def pages():
    return sorted((ROOT / "docs").glob("*.md"))


def links():
    found = []
    for page in pages():
        for match in LINK.finditer(page.read_text()):
            found.append((page.name, match.group(1) or match.group(2)))
    return found


def test_there_is_a_landing_page():
    assert [p.name for p in pages()] == ["README.md"]


def test_links_are_absolute_and_repository_links_name_paths_that_exist():
    prefix = re.compile(re.escape(repository()) + r"/(blob|tree)/main/(.+)")
    for page, url in links():
        assert url.startswith("https://"), (page, url)
        match = prefix.fullmatch(url)
        if match:
            path = ROOT / match.group(2).rstrip("/")
            assert path.is_file() if match.group(1) == "blob" else path.is_dir(), (page, url)


def test_every_guide_and_the_maintainers_notes_are_linked():
    guides = yaml.safe_load((ROOT / "docs" / "docsite" / "extra-docs.yml").read_text())
    names = [name for section in guides["sections"] for name in section["toctree"]]
    urls = set(url for _page, url in links())
    for name in names:
        assert "%s/blob/main/docs/docsite/rst/%s.rst" % (repository(), name) in urls, name
    assert "%s/tree/main/docs/dev" % repository() in urls
