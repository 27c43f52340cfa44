"""The generated docs are committed; they must say what the code says now.

Both are rendered from code alone (core.roles and the models' transitions), so
these tests need no database.
"""

from pathlib import Path

import pytest
from django.core.management import call_command

from core import roles
from core.management.commands import permission_matrix, state_diagrams

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("command", "module"),
    [("permission_matrix", permission_matrix), ("state_diagrams", state_diagrams)],
)
def test_committed_doc_equals_a_fresh_rendering(command, module):
    path = ROOT / module.OUTPUT
    committed = path.read_text(encoding="utf-8") if path.exists() else "(missing)"

    assert committed == module.render(), (
        f"{module.OUTPUT} is out of date with the code. Run "
        f"`.venv/bin/python manage.py {command} --write` and commit the result."
    )


def _row(text: str, first_cells: str) -> list[str]:
    """The cells of the one table row that starts with ``first_cells``."""
    rows = [line for line in text.splitlines() if line.startswith(f"| {first_cells} | ")]
    assert len(rows) == 1, f"expected one row starting {first_cells!r}, found {len(rows)}"
    return [cell.strip() for cell in rows[0].strip("|").split("|")]


def _sections(text: str) -> dict[str, str]:
    return {part.split("\n", 1)[0]: part for part in text.split("\n## ")[1:]}


def test_every_fsm_model_has_a_diagram_and_a_row_per_transition():
    text = state_diagrams.render()
    sections = _sections(text)
    fields = state_diagrams.fsm_fields()

    assert {"SPV", "Deal", "Subscription"} <= set(sections)
    assert text.count("```mermaid\nstateDiagram-v2\n") == len(fields)
    for model, field in fields:
        section = sections[model._meta.object_name]
        for t in field.get_all_transitions(model):
            cells = _row(section, f"`{t.name}`")
            assert t.source in ("*", "+") or f"`{t.source}`" in cells[1].split(", ")
            targets = state_diagrams._targets(t)  # several for a RETURN_VALUE target
            assert cells[2] == ", ".join(f"`{target}`" for target in targets)
            if isinstance(t.permission, str):
                assert cells[3] == f"`{t.permission}`"
            assert cells[4] == ", ".join(f"`{g}`" for g in state_diagrams._guards(t))
            assert ("bulk only" in cells[5]) == bool(t.custom.get("bulk_only"))
            assert ("reason required" in cells[5]) == bool(t.custom.get("reason_required"))
            if t.custom.get("checker_of"):
                assert f"maker-checker (actor is not {t.custom['checker_of']})" in cells[5]
            if t.source not in ("*", "+"):
                for target in targets:
                    edge = f"{state_diagrams._state_id(t.source)} --> {state_diagrams._state_id(target)}"
                    assert f"    {edge} : {t.name}<br>" in section


def test_matrix_marks_exactly_the_roles_that_hold_each_permission():
    text = permission_matrix.render()

    for dotted in {p for perms in roles.MATRIX.values() for p in perms}:
        rows = [line for line in text.splitlines() if f" | `{dotted}` | " in line]
        assert len(rows) == 1, dotted
        marks = [cell.strip() for cell in rows[0].strip("|").split("|")][-len(roles.ROLES):]
        assert marks == [permission_matrix.CHECK if dotted in roles.MATRIX[r] else "" for r in roles.ROLES]
    assert "| deal: approve (checker) | `issuance.approve_deal` | Deal.approve |" in text


def test_command_prints_the_rendering_without_write(capsys):
    call_command("permission_matrix")

    assert capsys.readouterr().out == permission_matrix.render()
