"""Migration 0002 moves each entry's JSON aliases into alias rows, in order, and back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("screening", "0001_initial")]
AFTER = [("screening", "0002_aliases")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_json_aliases_become_rows_and_back():
    old = migrate(BEFORE)
    version = old.get_model("screening", "ListVersion").objects.create(
        name="demo", version_label="v1", sha256="0" * 64, row_count=2)
    entries = old.get_model("screening", "ListEntry")
    boris = entries.objects.create(list_version=version, entity_id="a", schema="Person", name="Boris",
                                   aliases=["Борис", " ", "Boris Z."], row_number=2)
    entries.objects.create(list_version=version, entity_id="b", schema="Person", name="No Alias",
                           row_number=3)
    try:
        new = migrate(AFTER)
        rows = new.get_model("screening", "ListAlias").objects.order_by("entry_id", "position")
        assert list(rows.values_list("entry_id", "position", "name", "quality")) == [
            (boris.pk, 1, "Борис", ""), (boris.pk, 3, "Boris Z.", "")]

        back = migrate(BEFORE)
        restored = back.get_model("screening", "ListEntry").objects.order_by("entity_id")
        assert list(restored.values_list("entity_id", "aliases")) == [("a", ["Борис", "Boris Z."]), ("b", [])]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
