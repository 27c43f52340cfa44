"""Build (and keep) the matcher for a list version. List versions never change once
imported, so a matcher built for one can be reused for as long as the process lives."""

from collections import OrderedDict
from threading import Lock

from screening.matching import Matcher, entry_from_row
from screening.models import ListEntry, ListVersion

_CACHE_SIZE = 2
_cache: OrderedDict[tuple[int, str], Matcher] = OrderedDict()
_lock = Lock()


def build_matcher(list_version: ListVersion) -> Matcher:
    rows = ListEntry.objects.filter(list_version=list_version).order_by("pk").values_list(
        "pk", "entity_id", "schema", "name", "aliases", "birth_dates", "countries", "identifiers")
    return Matcher([entry_from_row(*row) for row in rows.iterator(chunk_size=5000)])


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
