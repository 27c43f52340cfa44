"""The investor's own onboarding page (``/compliance/my-kyc/``), until the portal has one: sign in,
see the KYC status, start a case, upload documents and submit the case for review. Every step
goes through the named services, which check that the login acts only for its own investor."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from compliance import services
from compliance.investor_page import DocumentUploadForm, kyc_status
from compliance.models import Document, Investor, KycCase
from core.errors import NotPermitted, Refused

MY_KYC = "compliance:my-kyc"
SUBMITTABLE = (KycCase.State.DRAFT, KycCase.State.INFORMATION_REQUESTED)


class SignIn(LoginView):
    template_name = "compliance/sign_in.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy(MY_KYC)


def _own_investor(request) -> Investor:
    investor = Investor.objects.filter(user_id=request.user.pk).first()
    if investor is None:
        raise PermissionDenied("This page is for investors, signed in with their own login; staff open "
                               "the investor's page in the admin.")
    return investor


def _page(request, investor: Investor, form: DocumentUploadForm | None = None, status: int = 200):
    cases = list(investor.kyc_cases.order_by("-created_at", "-id"))
    state = kyc_status(cases, staff=False)
    open_case = state.open_case
    return render(request, "compliance/my_kyc.html", {
        "investor": investor, "status": state.text, "open_case": open_case,
        "may_submit": open_case is not None and open_case.state in SUBMITTABLE,
        "reason": open_case.reason_text
        if open_case is not None and open_case.state == KycCase.State.INFORMATION_REQUESTED else "",
        "documents": investor.documents.order_by("kind", "-created_at"),
        "form": form or DocumentUploadForm(),
    }, status=status)


@login_required(login_url=reverse_lazy("compliance:sign-in"))
def my_kyc(request):
    return _page(request, _own_investor(request))


def _step(request, call, success: str):
    try:
        call()
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(MY_KYC)


@login_required(login_url=reverse_lazy("compliance:sign-in"))
@require_POST
def my_kyc_open(request):
    investor = _own_investor(request)
    return _step(request, lambda: services.kyc_case_open(actor=request.user, investor=investor),
                 "Your KYC case is open: upload your documents, then submit it for review.")


@login_required(login_url=reverse_lazy("compliance:sign-in"))
@require_POST
def my_kyc_upload(request):
    investor = _own_investor(request)
    form = DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            doc = services.document_upload(actor=request.user, investor=investor, **form.cleaned_data)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"{Document.Kind(doc.kind).label.capitalize()} '{doc.original_name}' "
                                      "received; a compliance officer will review it.")
            return redirect(MY_KYC)
    return _page(request, investor, form, status=400)


@login_required(login_url=reverse_lazy("compliance:sign-in"))
@require_POST
def my_kyc_submit(request):
    investor = _own_investor(request)
    case = investor.kyc_cases.filter(state__in=SUBMITTABLE).first()
    if case is None:
        messages.error(request, "You have no KYC case to submit: start one first.")
        return redirect(MY_KYC)
    return _step(request, lambda: services.kyc_case_submit(case=case, actor=request.user),
                 f"Case #{case.pk} submitted: a compliance officer reviews it next.")
