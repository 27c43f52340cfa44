"""The project's URLs plus /bench/bare/: DRF with no authentication, permissions or database.

The bare endpoint is the floor of the API latency benchmark: what Django, DRF, gunicorn
and the load generator cost before any of the project's own work.
"""

from django.urls import path
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as project_urlpatterns


class BareView(APIView):
    authentication_classes = []
    permission_classes = []
    renderer_classes = [JSONRenderer]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [path("bench/bare/", BareView.as_view(), name="bench-bare"), *project_urlpatterns]
