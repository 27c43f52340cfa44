"""The auditor's command: two CSV files, no database rows; bad files named by file, line and column,
nothing written."""

import csv

import pytest
from django.core.management import CommandError, call_command


def write(path, text):
    path.write_text(text)
    return str(path)


def run(tmp_path, expected, actual, *extra):
    out = tmp_path / "exceptions.csv"
    call_command(
        "reconcile_files",
        "--expected",
        write(tmp_path / "E.csv", expected),
        "--actual",
        write(tmp_path / "A.csv", actual),
        "--key",
        "holder,tranche",
        "--amount",
        "amount",
        "--out",
        str(out),
        *extra,
    )
    return out


def test_exceptions_file_layout_and_exact_amounts(tmp_path, capsys):
    out = run(
        tmp_path,
        "holder,tranche,amount,currency\nH1,A,100.00,USD\nH2,A,250.5,USD\nH3,A,10,USD\nH4,A,7,EUR\n",
        "holder,tranche,amount,currency\nH1,A,100,USD\nH2,A,250.49,USD\nH2,A,250.49,USD\n"
        "H5,A,1.25,USD\nH4,A,7,USD\n",
        "--tolerance",
        "0.01",
    )
    with out.open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == [
        "holder",
        "tranche",
        "type",
        "side",
        "currency",
        "actual_currency",
        "expected_amount",
        "actual_amount",
        "difference",
        "expected_count",
        "actual_count",
        "expected_rows",
        "actual_rows",
    ]
    assert sorted(rows[1:]) == sorted(
        [
            [
                "H2",
                "A",
                "duplicate",
                "actual",
                "USD",
                "USD",
                "250.50",
                "500.98",
                "250.48",
                "1",
                "2",
                "3",
                "3;4",
            ],
            [
                "H4",
                "A",
                "currency_mismatch",
                "both",
                "EUR",
                "USD",
                "7.00",
                "7.00",
                "0.00",
                "1",
                "1",
                "5",
                "6",
            ],
            ["H3", "A", "missing", "expected", "USD", "USD", "10.00", "0.00", "-10.00", "1", "0", "4", ""],
            ["H5", "A", "unexpected", "actual", "USD", "USD", "0.00", "1.25", "1.25", "0", "1", "", "5"],
        ]
    )
    assert capsys.readouterr().out.startswith("4 expected, 5 actual rows: 1 matched, 4 exception(s)")


def test_bad_files_are_named_by_file_line_and_column_and_nothing_is_written(tmp_path, capsys):
    with pytest.raises(CommandError, match="3 problem"):
        run(tmp_path, "holder,tranche,amount\nH1,A,1e5\n,A,3\n", "holder,tranche,amount\nH1,A,12,50\n")
    assert not (tmp_path / "exceptions.csv").exists()
    err = capsys.readouterr().err
    assert "E.csv line 2 column amount: '1e5' is not an amount" in err
    assert "E.csv line 3 column holder: empty key" in err
    assert "A.csv: not readable CSV" in err


def test_a_missing_column_is_named(tmp_path, capsys):
    with pytest.raises(CommandError):
        run(tmp_path, "holder,amount\nH1,1\n", "holder,tranche,amount\nH1,A,1\n")
    assert "E.csv: missing column(s) tranche (the header names holder, amount)" in capsys.readouterr().err


def test_currency_on_one_side_only_is_refused(tmp_path, capsys):
    with pytest.raises(CommandError):
        run(tmp_path, "holder,tranche,amount,currency\nH1,A,1,USD\n", "holder,tranche,amount\nH1,A,1\n")
    assert "A.csv: no currency column" in capsys.readouterr().err
