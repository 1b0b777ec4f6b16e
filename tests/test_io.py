"""Outputs are written whole or not at all."""

import pandas as pd
import pytest

from panelstudy.io import atomic_path, write_parquet


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "out" / "table.csv"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half a table")
            raise RuntimeError("killed mid-write")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_completed_write_replaces_target(tmp_path):
    target = tmp_path / "panel.parquet"
    target.write_text("old")
    write_parquet(pd.DataFrame({"a": [1, 2]}), target)
    assert pd.read_parquet(target)["a"].tolist() == [1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["panel.parquet"]
