"""Screen 10,000 investors against a 50,000-entry sanctions list, and time it; measure recall
and precision on real public list names.

Three parts:

1. recall and precision on the labelled public names (screening/fixtures/public_names_*: real
   OFAC SDN / UN names, their published aliases and common spellings, and names that must match
   nothing), at the threshold and around it, against those 57 entries alone and inside the
   50,000 generated entries of part 2;
2. the pure matcher (screening.matching) on data generated from a fixed seed (all names made up
   from syllables): build the index, screen 10,000 subjects;
3. with a database (DJANGO_SETTINGS_MODULE set, as bench/run.sh does): import the list file
   through ``list_import`` and re-screen every investor through the background task's code
   (``screening.tasks.rescreen_run``, run in this process), hits saved.

    python -m bench.screening            # part 1 only
    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://... python -m bench.screening

Figures go to stdout, one per line; progress goes to stderr. Exits non-zero when the matcher
misses more than 2 % of the planted true matches or the target of 500 screenings/s is missed.
"""

import csv
import io
import os
import random
import sys
import time
from datetime import date

SEED = 20261122
ENTRIES = 50_000
INVESTORS = 10_000
PLANTED = 200  # investors that are (perturbed) copies of list entries
TARGET_PER_SECOND = 500
COLUMNS = ("id", "schema", "name", "aliases", "birth_date", "countries", "addresses", "identifiers",
           "sanctions", "phones", "emails", "dataset", "first_seen", "last_seen", "last_change")
SYLLABLES = ("ka ri mo ta ne lu vi so da re mi ko zu ba le no ga ti pe ra ho ju se fa ly qu xo dr an "
             "el or in us ar ek ov ic is ad um ya zh ch sh").split()
COUNTRIES = "ru by ir kp sy cu ve ae cy pa sg hk gb fr de cn ng tr ua kz".split()
LEGAL = ["Ltd", "Limited", "Corp", "LLC", "GmbH", "SA", "PLC", "Pte Ltd", "Holdings Ltd", "Inc"]
SECTORS = ("Shipping Trading Energy Mining Compute Logistics Capital Metals Petroleum Marine Systems "
           "Resources Industries Ventures Partners Technologies").split()
CYRILLIC = dict(zip("abvgdezijklmnoprstufhcy", "абвгдезийклмнопрстуфхцы", strict=True))


def log(message: str) -> None:
    print(f"    {message}", file=sys.stderr, flush=True)


def word(rng: random.Random, parts: tuple[int, int] = (2, 4)) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(*parts))).capitalize()


def cyrillic(name: str) -> str:
    return "".join(CYRILLIC.get(ch, ch) for ch in name.lower()).title()


def generate(rng: random.Random) -> tuple[list[dict], list[tuple[str, date | None, str, str | None]]]:
    given = [word(rng, (2, 3)) for _ in range(2_000)]
    family = [word(rng, (2, 4)) for _ in range(15_000)]
    brands = [word(rng, (2, 3)) for _ in range(8_000)]
    entries = []
    for n in range(ENTRIES):
        roll = rng.random()
        row = dict.fromkeys(COLUMNS, "")
        countries = ";".join(rng.sample(COUNTRIES, rng.randint(1, 2)))
        row.update(id=f"bx-{n:06d}", dataset="bench", countries=countries)
        if roll < 0.7:
            name = f"{rng.choice(given)} {rng.choice(family)}"
            if rng.random() < 0.3:
                name = f"{rng.choice(given)} {name}"
            row.update(schema="Person", name=name)
            if rng.random() < 0.8:
                born = date(1940 + rng.randrange(60), rng.randint(1, 12), rng.randint(1, 28))
                row["birth_date"] = born.isoformat()
            if rng.random() < 0.3:
                row["aliases"] = cyrillic(name)
        elif roll < 0.95:
            name = f"{rng.choice(brands)} {rng.choice(SECTORS)} {rng.choice(LEGAL)}"
            row.update(schema="Company", name=name)
        else:
            address = "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40))
            row.update(schema="CryptoWallet", name=address)
        entries.append(row)
    subjects: list[tuple[str, date | None, str, str | None]] = []
    planted = rng.sample([e for e in entries if e["schema"] != "CryptoWallet"], PLANTED)
    for entry in planted:
        tokens = entry["name"].split()
        if entry["schema"] == "Company":
            tokens[-1] = rng.choice(LEGAL)  # another legal form
        else:
            rng.shuffle(tokens)  # word order
        name = " ".join(tokens)
        if rng.random() < 0.5 and len(name) > 10:  # one typo (not a space) in a long name
            i = rng.choice([i for i in range(1, len(name) - 1) if name[i] != " "])
            name = name[:i] + rng.choice("aeiou") + name[i + 1:]
        born = date.fromisoformat(entry["birth_date"]) if entry["birth_date"] else None
        subjects.append((name, born, entry["countries"].split(";")[0], entry["id"]))
    while len(subjects) < INVESTORS:
        if rng.random() < 0.6:
            subjects.append((f"{rng.choice(given)} {rng.choice(family)}",
                             date(1950 + rng.randrange(50), rng.randint(1, 12), rng.randint(1, 28)),
                             rng.choice(COUNTRIES), None))
        else:
            subjects.append((f"{rng.choice(brands)} {rng.choice(SECTORS)} {rng.choice(LEGAL)}", None,
                             rng.choice(COUNTRIES), None))
    rng.shuffle(subjects)
    return entries, subjects


def bench_public_names(entries) -> None:
    from decimal import Decimal

    from screening.evaluation import evaluate, load_cases, matcher_from_file
    from screening.management.commands.screening_evaluate import FIXTURES
    from screening.matching import THRESHOLD, Matcher, entry_from_row

    listed = (FIXTURES / "public_names.targets.simple.csv").read_bytes()
    cases = load_cases((FIXTURES / "public_names_labelled.csv").read_bytes())
    alone = matcher_from_file(listed)
    figures = evaluate(alone, cases)
    print(f"screening_public_names_queries {len(cases)}")
    print(f"screening_public_names_recall {figures.recall}")
    print(f"screening_public_names_precision {figures.precision}")
    print(f"screening_public_names_negatives_flagged {figures.negatives_flagged}/{figures.negatives}")
    for threshold in ("0.80", "0.90"):
        around = evaluate(alone, cases, Decimal(threshold))
        print(f"screening_public_names_recall_at_{threshold} {around.recall}")
        print(f"screening_public_names_precision_at_{threshold} {around.precision}")
    crowded = Matcher([*alone.entries, *(
        entry_from_row(e["id"], e["id"], e["schema"], e["name"], [a for a in e["aliases"].split(";") if a],
                       [b for b in e["birth_date"].split(";") if b], e["countries"].split(";"))
        for e in entries)])
    among = evaluate(crowded, cases, THRESHOLD)
    print(f"screening_public_names_among_{ENTRIES}_recall {among.recall}")
    print(f"screening_public_names_among_{ENTRIES}_precision {among.precision}")
    flagged = f"{among.negatives_flagged}/{among.negatives}"
    print(f"screening_public_names_among_{ENTRIES}_negatives_flagged {flagged}")
    for case in figures.misses:
        log(f"missed: {case.query} ({case.kind})")
    for case, entity, score in among.false_hits:
        log(f"false hit among {ENTRIES}: {case.query} ~ {entity} at {score}")


def bench_matcher(entries, subjects) -> None:
    from screening.matching import Matcher, Subject, entry_from_row

    started = time.perf_counter()
    matcher = Matcher([
        entry_from_row(e["id"], e["id"], e["schema"], e["name"], [a for a in e["aliases"].split(";") if a],
                       [b for b in e["birth_date"].split(";") if b], e["countries"].split(";"))
        for e in entries
    ])
    build = time.perf_counter() - started
    queries = [Subject(name, born, frozenset({country})) for name, born, country, _ in subjects]
    started = time.perf_counter()
    results = [matcher.screen(q) for q in queries]
    elapsed = time.perf_counter() - started
    found = sum(1 for (_, _, _, planted), r in zip(subjects, results, strict=True)
                if planted and planted in {m.entity_id for m in r})
    hits = sum(len(r) for r in results)
    print(f"screening_index_build_{ENTRIES}_entries_seconds {build:.2f}")
    print(f"screening_matcher_screenings_per_second {len(queries) / elapsed:.0f}")
    print(f"screening_matcher_planted_found {found}/{PLANTED}")
    print(f"screening_matcher_hits_total {hits}")
    if found < PLANTED * 0.98:
        sys.exit(f"screening benchmark FAILED: found only {found} of {PLANTED} planted matches")
    if len(queries) / elapsed < TARGET_PER_SECOND:
        sys.exit(f"screening benchmark FAILED: {len(queries) / elapsed:.0f}/s < {TARGET_PER_SECOND}/s")


def bench_database(entries, subjects) -> None:
    import django

    django.setup()
    from compliance.models import Investor
    from core import roles
    from screening import tasks
    from screening.models import ScreeningRun
    from screening.services import list_import
    from tests.factories import make_user

    officer = make_user(roles.COMPLIANCE_OFFICER, "bench-screening-officer")
    Investor.objects.bulk_create(
        [Investor(kind="individual" if born else "entity", legal_name=name, email=f"i{n}@example.test",
                  country_of_residence=country.upper(), date_of_birth=born)
         for n, (name, born, country, _) in enumerate(subjects)],
        batch_size=2000,
    )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(entries)
    data = buffer.getvalue().encode()
    log(f"importing a {len(data) / 1e6:.1f} MB list file")
    started = time.perf_counter()
    version = list_import(name="bench", version_label="1", data=data, actor=officer)
    print(f"screening_list_import_{ENTRIES}_rows_seconds {time.perf_counter() - started:.2f}")
    run = ScreeningRun.objects.get(list_version=version)
    started = time.perf_counter()
    result = tasks.rescreen_run(run.pk)  # the worker's code, in this process
    elapsed = time.perf_counter() - started
    print(f"screening_rescreen_investors {result['processed']}")
    print(f"screening_rescreen_end_to_end_per_second {result['processed'] / elapsed:.0f}")
    print(f"screening_rescreen_hits_created {result['hits_created']}")


def main() -> None:
    log(f"generating {ENTRIES} entries and {INVESTORS} investors (seed {SEED})")
    entries, subjects = generate(random.Random(SEED))
    bench_public_names(entries)
    bench_matcher(entries, subjects)
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        bench_database(entries, subjects)


if __name__ == "__main__":
    main()
