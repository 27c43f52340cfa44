"""The token endpoints.

``POST /api/v1/auth/token/``: sign in with ``username`` and ``password`` (and ``otp_token``, the
authenticator app's code, for staff); answers a new token. Failures count towards the lockout.
``/api/v1/auth/tokens/``: the signed-in user's own tokens - list, make one more, revoke one.

Neither is idempotent by key: ``core.api.idempotency`` stores the first response to replay it, and a
response holding a token's key must not be stored.
"""

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.accounts.lockout import lockout_response
from core.accounts.tokens import api_token_issue, api_token_revoke
from core.accounts.two_factor import confirmed_device, is_verified, needs_second_factor, totp_check
from core.models import ApiToken

TAG = "Authentication"


class ApiTokenSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "two_factor",
                  "revoked_at", "state"]
        read_only_fields = fields

    def get_state(self, token) -> str:
        return token.state()


class NewTokenSerializer(serializers.ModelSerializer):
    """A token just made: the only time its key is shown."""

    token = serializers.CharField(source="key", help_text="The key: send it as 'Authorization: Token <key>'. "
                                                          "Shown once.")

    class Meta:
        model = ApiToken
        fields = ["token", "id", "name", "prefix", "created_at", "expires_at", "two_factor"]


class TokenNameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=ApiToken.NAME_MAX_LENGTH, required=False, default="API token",
                                 help_text="What the token is for.")


class SignInSerializer(TokenNameSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    otp_token = serializers.CharField(max_length=12, required=False, allow_blank=True,
                                      help_text="Staff: the code their authenticator app shows now.")
    name = serializers.CharField(max_length=ApiToken.NAME_MAX_LENGTH, required=False, default="API sign-in",
                                 help_text="What the token is for.")


def _issued(token: ApiToken, key: str) -> dict:
    token.key = key  # held for this answer only; the database keeps its digest
    return NewTokenSerializer(token).data


class SignInView(APIView):
    """Sign in and get a new API token (expires after ``API_TOKEN_TTL_HOURS``)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    api_tag = TAG

    @extend_schema(request=SignInSerializer, responses={200: NewTokenSerializer},
                   summary="Sign in: get a token")
    def post(self, request):
        form = SignInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        raw = request._request  # django-axes counts failures on the Django request
        user = authenticate(raw, username=data["username"], password=data["password"])
        if getattr(raw, "axes_locked_out", False):
            return lockout_response(raw)
        if user is None:
            raise serializers.ValidationError("Unable to sign in with the username and password given.")
        two_factor = False
        if needs_second_factor(user):
            device = confirmed_device(user)
            if device is None:
                raise serializers.ValidationError({"otp_token": [
                    "Staff need a second factor: sign in to the admin once to enrol an authenticator app."]})
            if not data.get("otp_token"):
                raise serializers.ValidationError({"otp_token": [
                    "Staff need a code from their authenticator app to get an API token."]})
            error = totp_check(request=raw, user=user, device=device, code=data["otp_token"])
            if error:
                if getattr(raw, "axes_locked_out", False):
                    return lockout_response(raw)
                raise serializers.ValidationError({"otp_token": [error]})
            two_factor = True
        token, key = api_token_issue(actor=user, name=data["name"], two_factor=two_factor)
        user_logged_in.send(sender=type(user), request=raw, user=user)  # last_login; clears the failures
        return Response(_issued(token, key))


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The signed-in user's own API tokens, newest first: list them, make one more, revoke one."""

    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated]
    api_tag = TAG

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator, with no user
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user).select_related("user")

    @extend_schema(request=TokenNameSerializer, responses={201: NewTokenSerializer}, summary="Make a token")
    def create(self, request):
        form = TokenNameSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        if isinstance(request.auth, ApiToken):  # a token makes a token as strong as itself
            two_factor = request.auth.two_factor
        else:
            two_factor = is_verified(request.user)
        token, key = api_token_issue(actor=request.user, name=form.validated_data["name"],
                                     two_factor=two_factor)
        return Response(_issued(token, key), status=status.HTTP_201_CREATED)

    @extend_schema(summary="Revoke a token")
    def destroy(self, request, *args, **kwargs):
        api_token_revoke(actor=request.user, token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
