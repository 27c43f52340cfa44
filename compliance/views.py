"""The officers' review queue (templates) and the private document download.

Views parse the request and call services; refusals come back as messages naming why.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from compliance import providers, selectors, services
from compliance.forms import CaseDecisionForm, DocumentDecisionForm, HitDecisionForm, QueueFilterForm
from compliance.models import Document, KycCase
from core.errors import Refused
from core.models import AuditEvent
from core.roles import oversees
from core.transitions import available_transitions, transition_custom

REVIEWER = "compliance.review_kyccase"


def _officer(request) -> None:
    if not request.user.has_perm(REVIEWER):
        raise PermissionDenied("The review queue is for compliance officers.")


def _reader(request) -> None:
    """Officers work the queue; the trustee and auditors read it (oversight roles, core.roles)."""
    if not (request.user.has_perm(REVIEWER) or oversees(request.user)):
        raise PermissionDenied("The review queue is for compliance officers, and read-only for the "
                               "trustee and auditors.")


def _may(user) -> dict[str, bool]:
    """What the page offers this user: officers' buttons and forms, document downloads."""
    return {"review": user.has_perm(REVIEWER), "download": user.has_perm("compliance.view_document"),
            "decide_document": user.has_perm("compliance.decide_document"),
            "decide_hit": user.has_perm("screening.decide_screeninghit")}


@login_required
def queue(request):
    _reader(request)
    form = QueueFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():  # the page names the filter in error
        return render(request, "compliance/queue.html", {"form": form, "rows": [], "may": _may(request.user)},
                      status=400)
    filters = form.cleaned_data if form.is_bound else {}
    cases = selectors.review_queue(
        state=filters.get("state") or "", risk=filters.get("risk") or "",
        assignee=(filters.get("assignee") or "").strip(), older_than_days=filters.get("older_than_days"),
        user=request.user,
    )
    now = timezone.now()
    rows = [(case, (now - case.created_at).days) for case in cases[:500]]
    return render(request, "compliance/queue.html", {"form": form, "rows": rows, "may": _may(request.user)})


@login_required
def case_detail(request, pk: int):
    _reader(request)
    return _case_page(request, pk)


def _case_page(request, pk: int, *, bound_hit: tuple[int, HitDecisionForm] | None = None, status: int = 200):
    """The case page; ``bound_hit`` (hit id, form) shows a refused hit decision with its field errors."""
    try:
        case = selectors.case_page(pk)
    except KycCase.DoesNotExist:
        raise Http404 from None
    may = _may(request.user)
    is_open = case.state in KycCase.OPEN_STATES
    transitions = [
        (t, bool(transition_custom(KycCase, t.name).get("reason_code")))
        for t in available_transitions(case, request.user)
    ] if may["review"] and is_open else []
    history = (AuditEvent.objects.filter(content_type__model="kyccase", content_type__app_label="compliance",
                                         object_id=case.pk).select_related("actor").order_by("at", "id"))
    hits = [(hit, bound_hit[1] if bound_hit and bound_hit[0] == hit.pk
             else HitDecisionForm(auto_id=f"id_hit{hit.pk}_%s"))
            for hit in providers.screening().hits(case.investor)]
    return render(request, "compliance/case_detail.html", {
        "case": case, "investor": case.investor, "transitions": transitions, "history": history,
        "hits": hits, "is_open": is_open, "four_eyes": selectors.why_not_approver(case, request.user),
        "decision_form": CaseDecisionForm(), "document_form": DocumentDecisionForm(),
        "age_days": (timezone.now() - case.created_at).days,
        "may": may,
    }, status=status)


def _done(request, pk: int, call, success: str):
    try:
        call()
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("compliance:case", pk=pk)


@login_required
@require_POST
def case_take(request, pk: int):
    _officer(request)
    case = get_object_or_404(KycCase, pk=pk)
    return _done(request, pk, lambda: services.kyc_case_assign(case=case, actor=request.user),
                 f"You took case #{pk}.")


@login_required
@require_POST
def case_transition(request, pk: int, name: str):
    _officer(request)
    case = get_object_or_404(KycCase, pk=pk)
    form = CaseDecisionForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    return _done(request, pk, lambda: services.kyc_case_transition(
        case=case, name=name, actor=request.user, reason=data.get("reason") or "",
        reason_code=data.get("reason_code") or ""), f"Case #{pk}: {name.replace('_', ' ')} done.")


@login_required
@require_POST
def document_decide(request, pk: int, document_id: int):
    _officer(request)
    case = get_object_or_404(KycCase, pk=pk)
    doc = get_object_or_404(Document, pk=document_id, investor_id=case.investor_id)
    form = DocumentDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Document #{doc.pk}: {form.errors.as_text()}")
        return redirect("compliance:case", pk=pk)
    data = form.cleaned_data
    return _done(request, pk, lambda: services.document_decide(
        document=doc, decision=data["decision"], actor=request.user, reason=data["reason"],
        evidence_expires_on=data["evidence_expires_on"]), f"Document #{doc.pk}: decision recorded.")


@login_required
@require_POST
def hit_decide(request, pk: int, hit_id: int):
    _officer(request)
    case = get_object_or_404(KycCase, pk=pk)
    screening = providers.screening()
    hit = next((h for h in screening.hits(case.investor) if h.pk == hit_id), None)
    if hit is None:
        raise Http404
    form = HitDecisionForm(request.POST, auto_id=f"id_hit{hit.pk}_%s")
    if not form.is_valid():  # nothing is recorded; the page shows the form with its errors
        messages.error(request, f"Hit #{hit.pk}: nothing recorded; see the decision form.")
        return _case_page(request, pk, bound_hit=(hit.pk, form), status=400)
    data = form.cleaned_data
    decide = lambda: screening.decide_hit(  # noqa: E731
        hit=hit, decision=data["decision"], actor=request.user, reason=data["reason"],
        whitelist_until=data["whitelist_until"])
    return _done(request, pk, decide, f"Hit #{hit.pk}: decision recorded.")


@login_required
def document_download(request, document_id: int):
    """Serve a document to compliance officers and to its own investor; 404 for everyone else."""
    if not request.user.has_perm("compliance.view_document"):
        raise Http404
    doc = get_object_or_404(selectors.documents_visible_to(request.user), pk=document_id)
    response = FileResponse(doc.file.open("rb"), content_type=doc.content_type, as_attachment=True,
                            filename=doc.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
