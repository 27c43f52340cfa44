"""Search instead of id boxes and long dropdowns (docs/admin.md, "Autocomplete").

``SearchableForeignKeysMixin`` (part of ``ServiceAdmin``) makes every foreign key of an edit
form an autocomplete (type a few letters of the investor, deal, tranche, lessee, device...)
whenever the related model's admin has ``search_fields``, which Django's autocomplete needs.
Declared ``autocomplete_fields`` are kept; a field named in ``raw_id_fields`` stays an id box.
"""


class SearchableForeignKeysMixin:
    def get_autocomplete_fields(self, request):
        fields = list(super().get_autocomplete_fields(request))
        for field in self.model._meta.concrete_fields:
            if not field.is_relation or field.name in fields or field.name in self.raw_id_fields:
                continue
            related = self.admin_site._registry.get(field.related_model)
            if related is not None and related.search_fields:
                fields.append(field.name)
        return fields
