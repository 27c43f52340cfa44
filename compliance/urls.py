from django.urls import path
from django.views.generic import RedirectView

from compliance import investor_views, views

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
    # the investor's own onboarding (scoped to the signed-in investor)
    path("sign-in/", investor_views.SignIn.as_view(), name="sign-in"),
    path("my-kyc/", investor_views.my_kyc, name="my-kyc"),
    path("my-kyc/open/", investor_views.my_kyc_open, name="my-kyc-open"),
    path("my-kyc/upload/", investor_views.my_kyc_upload, name="my-kyc-upload"),
    path("my-kyc/submit/", investor_views.my_kyc_submit, name="my-kyc-submit"),
]
