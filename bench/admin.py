"""Admin list-page latency: the first page (100 rows) of the main changelists over 2,000 rows each.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.admin

Seeds 2,000 deals (one tranche each), investors (one KYC case and one subscription each),
invoices and bank entries from a fixed seed (tests/admin/list_rows.py, bulk inserts), signs in an
issuer-operations user (second factor passed) and, for each list page, renders it 5 times to warm
up and then 40 times through Django's test client in this process (view, queries, template; no
network, no web server). Prints the median and the 95th percentile in milliseconds and the
queries per page.
"""

import os
import statistics
import sys
import time

import django

SEED = 20261201
ROWS = 2000
WARM, RUNS = 5, 40


def count_queries(connection, client, url: str) -> int:
    sent = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        client.get(url)
    return len(sent)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.db import connection, transaction

    from core import roles
    from tests.admin.list_rows import LIST_PAGES, seed_list_rows
    from tests.factories import make_user
    from tests.two_factor import VerifiedClient

    started = time.perf_counter()
    with transaction.atomic():
        ops = make_user(roles.ISSUER_OPERATIONS, "bench-admin-ops")
        officer = make_user(roles.COMPLIANCE_OFFICER, "bench-admin-officer")
        seed_list_rows(n=ROWS, seed=SEED, tag="bench", ops=ops, officer=officer)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"    seeded {ROWS} rows per list in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    client = VerifiedClient(SERVER_NAME="127.0.0.1")
    client.force_login(ops)
    for name, url in LIST_PAGES.items():
        for _ in range(WARM):
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        queries = count_queries(connection, client, url)
        times = []
        for _ in range(RUNS):
            begin = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - begin) * 1000)
        times.sort()
        key = name.replace(" ", "_")
        print(f"admin_list_{key}_p50_ms {statistics.median(times):.1f}")
        print(f"admin_list_{key}_p95_ms {times[int(len(times) * 0.95) - 1]:.1f}")
        print(f"admin_list_{key}_queries {queries}")


if __name__ == "__main__":
    main()
