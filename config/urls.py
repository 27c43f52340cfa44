from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

# The admin's names, favicon and navigation: settings.UNFOLD (docs/admin.md); the index is each
# role's home page.
admin.site.index_title = "Home"
handler404 = "core.api.views.not_found"  # JSON under /api/, the usual page elsewhere
handler403 = "core.api.views.permission_denied"
handler500 = "core.api.views.server_error"


class Favicon(RedirectView):
    """Browsers ask for /favicon.ico; the icon is a static SVG (its hashed name once collected)."""

    def get_redirect_url(self, *args, **kwargs):
        return static("core/favicon.svg")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("favicon.ico", Favicon.as_view(permanent=False)),
    path("admin/", admin.site.urls),
    path("account/", include("core.accounts.urls")),  # the second-factor pages
    path("api/v1/", include("config.api_urls")),
    path("compliance/", include("compliance.urls")),
    path("portal/", include("portal.urls")),  # the investor portal (trustees read deal reports there)
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
