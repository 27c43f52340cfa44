"""Build (and keep) the matcher for a list version. List versions never change once
imported, so a matcher built for one can be reused for as long as the process lives."""

from collections import OrderedDict
from threading import Lock

from screening.matching import Alias, Matcher, entry_from_row
from screening.models import ListAlias, ListEntry, ListVersion

_CACHE_SIZE = 2
_cache: OrderedDict[tuple[int, str], Matcher] = OrderedDict()
_lock = Lock()


def build_matcher(list_version: ListVersion) -> Matcher:
    """Every entry of ``list_version`` with its screened aliases (weak ones are left out)."""
    aliases: dict[int, list[Alias]] = {}
    screened = (ListAlias.objects.filter(entry__list_version=list_version)
                .exclude(quality=ListAlias.Quality.WEAK).order_by("entry_id", "position")
                .values_list("entry_id", "pk", "name"))
    # one plain query, not a server-side cursor: a cursor is planned for its first rows, and on
    # a freshly imported list (no statistics yet) that plan is a nested loop over both tables
    for entry_id, pk, name in screened:
        aliases.setdefault(entry_id, []).append(Alias(pk, name))
    rows = ListEntry.objects.filter(list_version=list_version).order_by("pk").values_list(
        "pk", "entity_id", "schema", "name", "birth_dates", "countries", "identifiers")
    return Matcher([
        entry_from_row(pk, entity_id, schema, name, aliases.get(pk, ()), births, countries, identifiers)
        for pk, entity_id, schema, name, births, countries, identifiers in rows.iterator(chunk_size=5000)
    ])


def matcher_for(list_version: ListVersion) -> Matcher:
    """The matcher of ``list_version``, built once per process (keyed by id and file hash)."""
    key = (list_version.pk, list_version.sha256)
    with _lock:
        matcher = _cache.get(key)
        if matcher is not None:
            _cache.move_to_end(key)
            return matcher
    matcher = build_matcher(list_version)
    with _lock:
        _cache[key] = matcher
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return matcher
