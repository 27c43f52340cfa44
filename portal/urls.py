from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.Login.as_view(), name="login"),
    path("logout/", views.Logout.as_view(), name="logout"),
    path("payments/", views.payments, name="payments"),
    path("payments/<int:pk>/proof.json", views.payment_proof, name="payment-proof"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/download/", views.report_download, name="report-download"),
    path("kyc/", views.kyc, name="kyc"),
    path("wallets/", views.wallets, name="wallets"),
    path("verify/", views.verify, name="verify"),
]
