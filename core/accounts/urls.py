from django.urls import path

from core.accounts import views

app_name = "accounts"

urlpatterns = [
    path("two-factor/", views.verify, name="two-factor"),
    path("two-factor/enrol/", views.enrol, name="two-factor-enrol"),
]
