"""manage.py run_waterfall: the step table as CSV, no database; errors only, with their paths."""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "docs" / "examples"


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("run_waterfall", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def subprocess_command(*args):
    # an unreachable database: the command must not need one
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "run_waterfall", *map(str, args)], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("name", ["senior-junior-reserve", "pro-rata-oc-switch"])
def test_each_example_gives_the_committed_step_table(name, tmp_path):
    expected = (EXAMPLES / f"{name}.csv").read_text()

    out, err = run_command(EXAMPLES / f"{name}.json")
    assert (out, err) == (expected, "")
    target = tmp_path / "table.csv"
    assert run_command(EXAMPLES / f"{name}.json", "--out", target) == ("", "")
    assert target.read_text() == expected


def test_the_worked_example_figures_of_the_docs():
    table = list(csv.DictReader(io.StringIO(run_command(EXAMPLES / "senior-junior-reserve.json")[0])))
    by_key = {(r["period"], r["step"], r["target"]): r for r in table}

    def figures(period, step, target):
        r = by_key[(period, step, target)]
        return r["due"], r["paid"], r["shortfall"], r["carried_forward"], r["balance_after"]

    assert figures("2027-02", "1", "servicer") == ("8333.33", "8333.33", "0.00", "0.00", "")
    assert figures("2027-02", "5", "reserve") == ("50000.00", "50000.00", "0.00", "0.00", "100000.00")
    assert figures("2027-02", "7", "R") == ("89416.67", "89416.67", "0.00", "0.00", "500000.00")
    assert figures("2027-04", "2", "A") == ("38797.08", "21000.00", "17797.08", "17797.08", "7759416.67")
    assert figures("2027-04", "3", "A") == ("17797.08", "17797.08", "0.00", "0.00", "82202.92")
    assert figures("2027-04", "4", "B") == ("11250.00", "0.00", "11250.00", "11250.00", "1500000.00")
    assert figures("2027-05", "4", "B") == ("22500.00", "22500.00", "0.00", "0.00", "1500000.00")
    assert figures("2027-05", "5", "reserve") == ("17797.08", "17797.08", "0.00", "0.00", "100000.00")
    assert figures("2027-05", "6", "A") == ("200000.00", "111989.17", "88010.83", "0.00", "7647427.50")

    table = list(csv.DictReader(io.StringIO(run_command(EXAMPLES / "pro-rata-oc-switch.json")[0])))
    paid = {(r["period"], r["step"], r["target"]): (r["applied"], r["paid"]) for r in table}
    assert paid[("2027-02", "1", "A1")] == ("yes", "2066.66")
    assert paid[("2027-02", "2", "A1")] == ("yes", "32213.89")
    assert paid[("2027-02", "2", "A2")] == ("yes", "16106.95")
    assert paid[("2027-03", "2", "A1")] == ("no", "0.00")
    assert paid[("2027-03", "3", "A1")] == ("yes", "17129.54")
    assert paid[("2027-04", "3", "A1")] == ("yes", "36880.99")
    assert paid[("2027-05", "2", "A1")] == ("yes", "11949.45")
    assert paid[("2027-05", "2", "A2")] == ("yes", "6602.82")
    assert paid[("2027-05", "4", "R")] == ("yes", "18552.27")


def test_as_a_process_without_a_database():
    done = subprocess_command(EXAMPLES / "pro-rata-oc-switch.json")

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (EXAMPLES / "pro-rata-oc-switch.csv").read_text()


def invalid_file(tmp_path) -> Path:
    data = json.loads((EXAMPLES / "senior-junior-reserve.json").read_text())
    data["steps"][3]["tranches"] = ["A3"]
    data["tranches"][0]["rate"] = 0.06
    data["periods"][1]["collections"] = "lots"
    del data["periods"][2]["pool_balance"]
    path = tmp_path / "deal.json"
    path.write_text(json.dumps(data))
    return path


ERRORS = [
    "steps[3].tranches[0]: unknown tranche 'A3'",
    "tranches[0].rate: must be a non-negative decimal written as a string (e.g. \"1000.00\") or an integer",
    "periods[1].collections: must be a non-negative decimal written as a string (e.g. \"1000.00\") "
    "or an integer",
    "periods[2].pool_balance: is required",
]


def test_an_invalid_file_prints_only_its_errors_and_fails(tmp_path):
    path, target = invalid_file(tmp_path), tmp_path / "out.csv"
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("run_waterfall", str(path), "--out", str(target), stdout=out, stderr=err)

    assert exited.value.code == 1
    assert (out.getvalue(), err.getvalue().splitlines()) == ("", ERRORS)
    assert not target.exists()

    done = subprocess_command(path)
    assert (done.returncode, done.stdout, done.stderr.splitlines()) == (1, "", ERRORS)


def test_periods_out_of_order_are_named(tmp_path):
    data = json.loads((EXAMPLES / "pro-rata-oc-switch.json").read_text())
    data["periods"][2]["payment_date"] = "2027-01-01"
    path = tmp_path / "deal.json"
    path.write_text(json.dumps(data))

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):
        call_command("run_waterfall", str(path), stdout=out, stderr=err)
    assert (out.getvalue(), err.getvalue()) == (
        "", "periods[2].payment_date: 2027-01-01 must be after the previous payment date 2027-03-01\n")


@pytest.mark.parametrize(("content", "message", "as_process"), [
    (None, "no such file", True),
    ("{not json", "$: not valid JSON (Expecting property name enclosed in double quotes at line 1, column 2)",
     True),
    ("[1, 2]", "$: must be an object", False),
    ("{\"periods\": []}", "periods: must be a list of at least one period", False),
])
def test_a_missing_or_unreadable_file_or_bad_json_is_a_clear_error(tmp_path, content, message, as_process):
    path = tmp_path / "deal.json"
    if content is not None:
        path.write_text(content)
        with pytest.raises(SystemExit):
            call_command("run_waterfall", str(path), stdout=io.StringIO(), stderr=(err := io.StringIO()))
        assert message in err.getvalue().splitlines()
    else:
        with pytest.raises(CommandError) as refused:
            call_command("run_waterfall", str(path))
        assert str(refused.value) == f"{path}: no such file"
    if not as_process:
        return
    done = subprocess_command(path)
    assert done.returncode == 1 and done.stdout == "" and message in done.stderr
