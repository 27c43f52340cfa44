"""The onboarding API: investors, owners, KYC cases, documents, classification, wallets, eligibility.

Viewsets parse and call services; which rows a user sees comes from compliance.selectors
(investors see only their own).
"""

from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from compliance import selectors, services
from compliance.api.filters import (
    BeneficialOwnerFilter,
    ClassificationFilter,
    DealEligibilityFilter,
    DocumentFilter,
    KycCaseFilter,
    WalletFilter,
)
from compliance.api.serializers import (
    BeneficialOwnerSerializer,
    ClassificationSerializer,
    DealEligibilitySerializer,
    DocumentDecisionSerializer,
    DocumentSerializer,
    EligibilitySerializer,
    InvestorKycCaseSerializer,
    InvestorLoginChangeSerializer,
    InvestorProfileSerializer,
    InvestorSerializer,
    InvestorStatusSerializer,
    KycCaseSerializer,
    KycTransitionSerializer,
    SignatureSerializer,
    WalletChallengeSerializer,
    WalletSerializer,
    for_reader,
)
from compliance.eligibility import investor_eligibility
from compliance.models import DealEligibility, Investor, InvestorLoginChange, KycCase
from compliance.providers import deals
from core import params
from core.api import filters
from core.api.idempotency import idempotent
from core.api.transitions import IDEMPOTENCY_PARAMETER, with_transition_actions
from core.api.viewsets import ServiceBackedViewSet
from core.errors import InvalidInput
from core.transitions import transition_names


class InvestorFilter(filters.FilterSet):
    class Meta:
        model = Investor
        fields = ["kind", "country_of_residence"]


class InvestorViewSet(ServiceBackedViewSet):
    """Investors; an investor login sees only its own profile (without what only staff read)."""

    serializer_class = InvestorSerializer
    filterset_class = InvestorFilter
    search_fields = ["legal_name", "email"]
    ordering_fields = ["legal_name", "created_at"]
    create_service = staticmethod(services.investor_create)
    update_service = staticmethod(services.investor_update)
    update_kwarg = "investor"

    def get_queryset(self):
        return selectors.investors_visible_to(self.request.user)

    def get_serializer_class(self):
        return for_reader(self, InvestorSerializer, InvestorProfileSerializer)

    @extend_schema(responses=EligibilitySerializer,
                   summary="May this investor invest in a deal now, and why not",
                   parameters=[OpenApiParameter("deal", int, required=True)])
    @action(detail=True, methods=["get"])
    def eligibility(self, request, pk=None):
        investor = self.get_object()
        deal_id = params.query_int(request, "deal", minimum=1, maximum=2**63 - 1)
        deal = deals().visible_to(request.user).filter(pk=deal_id).first() if deal_id else None
        if deal is None:
            raise InvalidInput("Name a deal you may see: ?deal=<id>.", field="deal")
        result = investor_eligibility(investor, deal)
        return Response({"investor": investor.pk, "deal": deal.pk, "ok": result.ok,
                         "reasons": result.reasons_for(request.user)})

    @extend_schema(responses=InvestorStatusSerializer,
                   summary="KYC status, classifications in force and verified wallets")
    @action(detail=True, methods=["get"])
    def status(self, request, pk=None):
        investor = self.get_object()
        case = investor.kyc_cases.order_by("-created_at", "-id").first()
        approved = investor.kyc_cases.filter(state=KycCase.State.APPROVED).first()
        return Response({
            "investor": investor.pk,
            "latest_case": for_reader(self, KycCaseSerializer, InvestorKycCaseSerializer)(
                case, context={"request": request}).data if case else None,
            "approved_until": approved.refresh_due if approved else None,
            "classifications": ClassificationSerializer(
                investor.classifications.filter(revoked_at__isnull=True), many=True,
                context={"request": request}).data,
            "wallets": WalletSerializer(investor.wallets.all(), many=True).data,
        })


@with_transition_actions(
    InvestorLoginChange, lambda obj, name, actor, reason: services.investor_login_change_transition(
        change=obj, name=name, actor=actor, reason=reason)
)
class InvestorLoginChangeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Changing which login an investor is: a compliance officer requests (POST), another approves."""

    serializer_class = InvestorLoginChangeSerializer
    filterset_fields = ["investor", "state"]

    def get_queryset(self):
        return selectors.login_changes_visible_to(self.request.user)

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER])
    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.investor_login_change_request(
            actor=self.request.user, **serializer.validated_data)


class BeneficialOwnerViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Beneficial owners (25 % or more) of entity investors."""

    serializer_class = BeneficialOwnerSerializer
    filterset_class = BeneficialOwnerFilter

    def get_queryset(self):
        return selectors.beneficial_owners_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.beneficial_owner_add(
            actor=self.request.user, **serializer.validated_data)


@with_transition_actions(
    KycCase, lambda obj, name, actor, reason, **options: services.kyc_case_transition(
        case=obj, name=name, actor=actor, reason=reason, **options),
    # every KYC action takes a reason code (used by those that declare one: reject, request_info)
    bodies=dict.fromkeys(transition_names(KycCase), KycTransitionSerializer),
)
class KycCaseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """KYC / KYB cases; each transition is a POST action (reason_code for rejections and information
    requests)."""

    serializer_class = KycCaseSerializer
    filterset_class = KycCaseFilter
    ordering_fields = ["created_at", "updated_at"]
    service_checked_actions = ("take",)

    def get_queryset(self):
        return selectors.kyc_cases_visible_to(self.request.user)

    def get_serializer_class(self):
        return for_reader(self, KycCaseSerializer, InvestorKycCaseSerializer)

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER])
    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.kyc_case_open(actor=self.request.user,
                                                     investor=serializer.validated_data["investor"])

    @extend_schema(request=None, summary="Take the case (assign it to yourself)",
                   parameters=[IDEMPOTENCY_PARAMETER])
    @action(detail=True, methods=["post"])
    @idempotent
    def take(self, request, pk=None):
        case = services.kyc_case_assign(case=self.get_object(), actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=case.pk)).data)


class DocumentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """KYC documents: upload (multipart), download (officers and the owning investor), decide."""

    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    service_checked_actions = ("decide", "download")

    def get_queryset(self):
        if not self.request.user.has_perm("compliance.view_document") and self.action != "create":
            return selectors.documents_visible_to(self.request.user).none()
        return selectors.documents_visible_to(self.request.user)

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER])
    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.document_upload(
            actor=self.request.user, **serializer.validated_data)

    @extend_schema(request=DocumentDecisionSerializer, summary="Accept, reject or ask to revise",
                   parameters=[IDEMPOTENCY_PARAMETER])
    @action(detail=True, methods=["post"])
    @idempotent
    def decide(self, request, pk=None):
        doc = self.get_object()
        body = DocumentDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.document_decide(document=doc, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=doc.pk)).data)

    @extend_schema(responses={(200, kind): bytes for kind in ("application/pdf", "image/jpeg", "image/png")},
                   summary="The file itself (PDF, JPEG or PNG, as checked at upload)")
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        doc = self.get_object()
        if not request.user.has_perm("compliance.view_document"):
            raise Http404
        response = FileResponse(doc.file.open("rb"), content_type=doc.content_type, as_attachment=True,
                                filename=doc.original_name)
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ClassificationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Investor classification records; officers record them from declared figures."""

    serializer_class = ClassificationSerializer
    filterset_class = ClassificationFilter

    def get_queryset(self):
        return selectors.classifications_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.classification_record(
            actor=self.request.user, **serializer.validated_data)


class WalletViewSet(viewsets.ReadOnlyModelViewSet):
    """Wallets proven to belong to an investor."""

    serializer_class = WalletSerializer
    filterset_class = WalletFilter

    def get_queryset(self):
        return selectors.wallets_visible_to(self.request.user)


class WalletChallengeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Ask for a challenge for an address, sign its message (EIP-191), POST the signature to verify."""

    serializer_class = WalletChallengeSerializer
    service_checked_actions = ("verify",)

    def get_queryset(self):
        return selectors.wallet_challenges_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.wallet_challenge_issue(
            actor=self.request.user, **serializer.validated_data)

    @extend_schema(request=SignatureSerializer, responses=WalletSerializer, summary="Verify the signature",
                   parameters=[IDEMPOTENCY_PARAMETER])
    @action(detail=True, methods=["post"])
    @idempotent
    def verify(self, request, pk=None):
        challenge = self.get_object()
        body = SignatureSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        wallet = services.wallet_verify(actor=request.user, challenge=challenge,
                                        signature=body.validated_data["signature"])
        return Response(WalletSerializer(wallet).data)


class DealEligibilityViewSet(ServiceBackedViewSet):
    """A deal's investor restrictions."""

    serializer_class = DealEligibilitySerializer
    filterset_class = DealEligibilityFilter
    create_service = staticmethod(services.deal_eligibility_set)
    update_kwarg = "deal"

    def get_queryset(self):
        return DealEligibility.objects.select_related("deal").filter(
            deal__in=deals().visible_to(self.request.user).values("pk"))

    def perform_update(self, serializer):
        data = {**DealEligibilitySerializer(serializer.instance).data, **serializer.validated_data}
        values = {k: data[k] for k in ("allowed_classes", "allowed_jurisdictions", "blocked_jurisdictions",
                                       "minimum_subscription", "maximum_investors")}
        services.deal_eligibility_set(actor=self.request.user, deal=serializer.instance.deal, **values)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)
