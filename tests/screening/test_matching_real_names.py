"""Review findings on real list names: transliterations, one-word and CJK names, one shared word.

Each case is how a real public list writes the name (OFAC SDN, UN Consolidated List) against how
an onboarding form would; the scores are exact, derived from the token weights of the index.
"""

from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.matching import (
    NAME_FLOOR,
    THRESHOLD,
    Matcher,
    Subject,
    entry_from_row,
    name_score,
    name_tokens,
    name_variants,
)


def q(value: float) -> Decimal:
    return Decimal(value).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    rows = [
        ("ofac-9760", "Person", "LUKASHENKA, Alyaksandr Ryhorovich", ["LUKASHENKO, Aleksandr Grigorevich"]),
        ("ofac-lavrov", "Person", "LAVROV, Sergey Viktorovich", []),
        ("ofac-prigozhin", "Person", "PRIGOZHIN, Yevgeniy Viktorovich", []),
        ("ofac-rosneft", "Company", "Open Joint-Stock Company Rosneft Oil Company", []),
        ("ofac-kalashnikov", "Company", "Kalashnikov Concern", []),
        ("ofac-wagner", "Organization", "Wagner Group", []),
        ("un-xi", "Person", "Xi Jinping", []),
        ("un-cjk", "Person", "金正恩", []),
        ("other-1", "Company", "Aldoria Oil Trading", []),
        ("other-2", "Company", "Brightwell Oil Company", []),
        ("other-3", "Company", "Corvana Logistics", []),
    ]
    return Matcher([entry_from_row(e, e, schema, name, aliases) for e, schema, name, aliases in rows])


def hits(matcher, name):
    return [(m.entity_id, str(m.score), m.features["method"]) for m in matcher.screen(Subject(name))]


def w_of(matcher, word):
    """The weight of ``word`` as the index holds it (normalised and folded)."""
    [token] = name_tokens(word)
    return matcher.weight(token)


def score(matcher, subject, listed):
    return name_score(name_tokens(subject), name_tokens(listed), matcher.weight)


def test_a_common_spelling_without_the_patronymic_matches_the_published_spelling(matcher):
    # folded: 'alexander' -> 'aleksander' (x = ks) against the alias 'aleksandr': 0.9474; the
    # patronymic 'grigorevich' is missing, so the subset rule for people scores 0.9 x coverage
    [match] = matcher.screen(Subject("Alexander Lukashenko"))
    assert (match.entity_id, match.features["method"], match.features["matched_name"]) == (
        "ofac-9760", "token_subset", "LUKASHENKO, Aleksandr Grigorevich")
    w = matcher.weight
    coverage = (w("aleksander") * 0.9474 + w("lukashenko")) / (w("aleksander") + w("lukashenko"))
    assert match.score == q(0.9 * coverage) >= THRESHOLD
    # 'Sergei' and 'Sergey' fold to the same word; 'Yevgeny' and 'Yevgeniy' too
    assert hits(matcher, "Sergei Lavrov") == [("ofac-lavrov", "0.9000", "token_subset")]
    assert hits(matcher, "Yevgeny Prigozhin") == [("ofac-prigozhin", "0.9000", "token_subset")]
    assert hits(matcher, "Evgeny Prigozhin") == [("ofac-prigozhin", "0.9000", "token_subset")]
    # the French spelling: 'prigojine' against 'prigojin' is 0.9412 alike
    w = matcher.weight
    coverage = (w("evgeni") + w("prigojine") * 0.9412) / (w("evgeni") + w("prigojine"))
    assert hits(matcher, "Evgeni Prigojine") == [("ofac-prigozhin", str(q(0.9 * coverage)), "token_subset")]


def test_legal_forms_and_their_long_forms_are_stop_words():
    assert name_tokens("Open Joint-Stock Company Rosneft Oil Company") == ("oil", "rosneft")
    assert name_tokens("OOO Limited Liability Company Vostok") == ("vostok",)
    assert name_tokens("Wagner Group") == name_tokens("Wagner Holdings GmbH") == ("vagner",)


def test_a_one_word_company_scores_on_weighted_token_overlap_not_zero(matcher):
    def w(word):
        return w_of(matcher, word)

    # 'Kalashnikov' against 'Kalashnikov Concern': both sides' tokens count, by rarity
    assert score(matcher, "Kalashnikov", "Kalashnikov Concern") == (
        q(2 * w("kalashnikov") / (2 * w("kalashnikov") + w("concern"))), "token_alignment")
    # 'oil' is in three names here, 'rosneft' in one, so 'oil' weighs less
    assert w("oil") < w("rosneft")
    assert score(matcher, "Rosneft", "Open Joint-Stock Company Rosneft Oil Company") == (
        q(2 * w("rosneft") / (2 * w("rosneft") + w("oil"))), "token_alignment") == (
        Decimal("0.7220"), "token_alignment")
    # below the name floor in a list this small: not a hit, but no longer zero
    assert Decimal("0.7220") < NAME_FLOOR
    assert hits(matcher, "Rosneft Oil") == [("ofac-rosneft", "1.0000", "token_alignment")]


def test_a_single_shared_distinctive_word_never_scores_one(matcher):
    # the same name once the legal forms are gone: a hit, but a one-word name is not certain
    assert hits(matcher, "Wagner Holdings GmbH") == [("ofac-wagner", "0.9000", "one_token")]
    # one more word on one side: coverage of both names counts, so it is not a hit
    assert hits(matcher, "Wagner Logistics GmbH") == []
    w_wagner, w_logistics = w_of(matcher, "Wagner"), w_of(matcher, "Logistics")
    assert score(matcher, "Wagner Logistics GmbH", "Wagner Group") == (
        q(2 * w_wagner / (2 * w_wagner + w_logistics)), "token_alignment") == (
        Decimal("0.6667"), "token_alignment")


def test_chinese_script_is_split_per_character_and_matched_both_ways(matcher):
    # per character transliterated ('xi' folds to 'ksi'), family + given name, the characters
    assert name_variants("习近平") == [("jin", "ksi", "ping"), ("jinping", "ksi"), ("习", "平", "近")]
    # Chinese script against the Latin spelling on the list, simplified and traditional
    assert hits(matcher, "习近平") == [("un-xi", "1.0000", "token_alignment")]
    assert hits(matcher, "習近平") == [("un-xi", "1.0000", "token_alignment")]
    # the list writes the name in Chinese script: the same characters in another order match,
    # and so does the Pinyin spelling
    assert hits(matcher, "恩正金") == [("un-cjk", "1.0000", "token_alignment")]
    assert hits(matcher, "Jin Zhengen") == [("un-cjk", "1.0000", "token_alignment")]
    # one character in common is not a match
    assert hits(matcher, "金大中") == []


SYLLABLES = "ka ri mo ta ne lu vi so da re mi ko zu ba le no ga ti sha zhe kh ov ich".split()
WORD = st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=4).map("".join)
NAME = st.lists(WORD, min_size=1, max_size=4).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(listed=st.lists(st.tuples(NAME, st.booleans()), min_size=1, max_size=25), query=NAME)
def test_scoring_all_candidates_at_once_agrees_with_the_exact_score(listed, query):
    """Every candidate name whose exact name_score reaches the floor is a hit with that score:
    the vectorised first pass never drops one, and the hit's score is the exact one."""
    matcher = Matcher([entry_from_row(n, f"e{n}", "Person" if person else "Company", name)
                       for n, (name, person) in enumerate(listed)])
    tokens = name_tokens(query)
    expected = {}
    for slot in matcher.candidates(tokens):
        name = matcher._names[slot]
        exact, _method = name_score(tokens, name.tokens, matcher.weight, person=name.person)
        if exact >= NAME_FLOOR:
            entity = matcher.entries[name.entry].entity_id
            expected[entity] = max(expected.get(entity, exact), exact)
    screened = {m.entity_id: m.score for m in matcher.screen(Subject(query), threshold=NAME_FLOOR)}
    assert screened == expected
