"""Settings files: a key given twice is named, never silently overridden."""

import pytest

from panelstudy.yaml_files import DuplicateKeyError, load_yaml


def test_duplicate_series_key_is_named(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text("series:\n  gdp: {format: nbs_csv}\n  gdp: {format: nbs_scrape}\n")
    with pytest.raises(DuplicateKeyError, match=r"key 'gdp' appears twice \(lines 2 and 3\)"):
        load_yaml(path)


def test_distinct_keys_load(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text("series:\n  gdp: {format: nbs_csv}\n  fai: {format: nbs_csv}\n")
    assert load_yaml(path) == {"series": {"gdp": {"format": "nbs_csv"},
                                          "fai": {"format": "nbs_csv"}}}
