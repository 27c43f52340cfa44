"""Lists of related ids in a request body, bounded before any is looked up.

DRF's ``PrimaryKeyRelatedField(many=True)`` looks each id up with its own query, so a body of a
hundred thousand ids (well within the size limit) costs a hundred thousand queries before any
rule is checked. ``PrimaryKeyListField`` refuses a list longer than ``max_items`` first, then
reads every id in one query, naming the ids that do not exist (or are not visible).
"""

from rest_framework import relations, serializers

from core import bounds


class _BoundedManyRelatedField(relations.ManyRelatedField):
    def __init__(self, *args, max_items: int, **kwargs):
        self.max_items = max_items
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        data = list(data)
        if len(data) > self.max_items:
            raise serializers.ValidationError(f"At most {self.max_items} ids; {len(data)} given.")
        if not self.allow_empty and not data:
            self.fail("empty")
        child = self.child_relation
        ids = []
        for item in data:  # the shape of each id, without a query
            if isinstance(item, bool) or not isinstance(item, int | str) or not str(item).isascii() \
                    or not str(item).isdigit() or len(str(item)) > 19:
                raise serializers.ValidationError(f"'{str(item)[:40]}' is not an id.")
            ids.append(int(item))
        found = {obj.pk: obj for obj in child.get_queryset().filter(pk__in=ids)}
        missing = [pk for pk in ids if pk not in found]
        if missing:
            raise serializers.ValidationError(
                f"No such id: {', '.join(str(pk) for pk in dict.fromkeys(missing))}.")
        return [found[pk] for pk in ids]


class PrimaryKeyListField(relations.PrimaryKeyRelatedField):
    """Use with ``many=True``: ``PrimaryKeyListField(many=True, queryset=..., max_items=1000)``."""

    @classmethod
    def many_init(cls, *args, max_items: int = bounds.MAX_LIST_ITEMS, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs), "max_items": max_items}
        for key in kwargs:
            if key in relations.MANY_RELATION_KWARGS:
                list_kwargs[key] = kwargs[key]
        return _BoundedManyRelatedField(**list_kwargs)
