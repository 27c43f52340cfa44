from django.urls import path
from django.views.generic import RedirectView

from compliance import views

app_name = "compliance"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="compliance:queue", permanent=False)),
    path("queue/", views.queue, name="queue"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/take/", views.case_take, name="case-take"),
    path("cases/<int:pk>/transition/<str:name>/", views.case_transition, name="case-transition"),
    path("cases/<int:pk>/documents/<int:document_id>/decide/", views.document_decide, name="document-decide"),
    path("cases/<int:pk>/hits/<int:hit_id>/decide/", views.hit_decide, name="hit-decide"),
    path("documents/<int:document_id>/", views.document_download, name="document"),
]
