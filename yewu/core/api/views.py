from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from yewu.core import saved_views, services
from yewu.core.api.base import ReadOnlyScopedViewSet
from yewu.core.models import Event, Notification, SavedView


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    on_behalf_of = serializers.SlugRelatedField(slug_field="username", read_only=True)
    data = serializers.JSONField(source="payload", read_only=True)

    class Meta:
        model = Event
        fields = [
            "id", "case_type", "case_id", "process_instance", "seq", "activity", "actor",
            "on_behalf_of", "role", "department", "timestamp", "data", "prev_activity",
            "wait_seconds", "hash",
        ]


class EventViewSet(ReadOnlyScopedViewSet):
    """Audit events within the user's data scope (auditors: company-wide)."""

    serializer_class = EventSerializer
    queryset = Event.objects.all()
    select_related = ("actor", "on_behalf_of")
    filterset_fields = ["case_type", "case_id", "activity", "process_instance", "actor", "department"]
    ordering_fields = ["id", "timestamp"]


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=1000
    )


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in user's own notifications."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.all()
    permission_classes = [IsAuthenticated]
    filterset_fields = {"read_at": ["isnull"]}

    def get_queryset(self):
        return Notification.objects.filter(recipient=self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        request=MarkReadSerializer,
        responses={200: inline_serializer("MarkReadResult", {"marked": serializers.IntegerField()})},
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        ser = MarkReadSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        count = services.mark_read(request.user, ser.validated_data.get("ids"))
        return Response({"marked": count})


class SavedViewSerializer(serializers.ModelSerializer):
    """A saved view; `url` opens its list with its filters applied."""

    # The service checks names, lists and filters and refuses with a code: no limits repeated here.
    list_key = serializers.CharField(help_text=_("The URL name of the list, e.g. org:employee_list."))
    name = serializers.CharField(allow_blank=True, trim_whitespace=False)
    query = serializers.CharField(
        allow_blank=True, required=False, default="",
        help_text=_("The list's query string; only the list's filters are accepted, page and export are dropped."),
    )
    shared = serializers.BooleanField(required=False, default=False)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = SavedView
        fields = ["id", "list_key", "name", "query", "shared", "owner", "created_at", "url"]
        read_only_fields = ["id", "owner", "created_at", "url"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, view: SavedView) -> str | None:
        if view.list_key not in saved_views.list_views():
            return None
        url = reverse(view.list_key)
        return f"{url}?{view.query}" if view.query else url


class SavedViewChangeSerializer(serializers.Serializer):
    """What the owner may change: the name and whether the view is shared."""

    name = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False)
    shared = serializers.BooleanField(required=False)


class SavedViewViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    mixins.DestroyModelMixin, viewsets.GenericViewSet,
):
    """Saved views of lists: the user's own and the shared ones of lists they may see. Only the owner
    changes or deletes a view (403 with core.saved_view_not_owner for someone else's shared view)."""

    serializer_class = SavedViewSerializer
    queryset = SavedView.objects.all()
    permission_classes = [IsAuthenticated]
    filterset_fields = ["list_key", "shared"]
    ordering_fields = ["id", "name", "created_at"]

    def get_queryset(self):
        return saved_views.visible_views(self.request.user).order_by("list_key", "name", "pk")

    def create(self, request, *args, **kwargs):
        ser = SavedViewSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        view = saved_views.save_view(
            data["list_key"], data["name"], data.get("query", ""), actor=request.user, shared=data.get("shared", False)
        )
        return Response(SavedViewSerializer(view).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SavedViewChangeSerializer, responses=SavedViewSerializer)
    def update(self, request, *args, **kwargs):
        view = self.get_object()
        ser = SavedViewChangeSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        if not ser.validated_data:
            raise serializers.ValidationError(_("Give a new name or whether the view is shared."))
        with transaction.atomic():
            if "name" in ser.validated_data:
                view = saved_views.rename_view(view, ser.validated_data["name"], actor=request.user)
            if "shared" in ser.validated_data:
                view = saved_views.share_view(view, ser.validated_data["shared"], actor=request.user)
        return Response(SavedViewSerializer(view).data)

    @extend_schema(request=SavedViewChangeSerializer, responses=SavedViewSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        saved_views.delete_view(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    employee = serializers.IntegerField(allow_null=True)
    department = serializers.IntegerField(allow_null=True)
    language = serializers.CharField()
    unread_notifications = serializers.IntegerField()


class MeView(APIView):
    """Who am I: login, employee record, department and unread notification count."""

    permission_classes = [IsAuthenticated]
    serializer_class = MeSerializer

    @extend_schema(responses=MeSerializer, summary=str(_("Current user")))
    def get(self, request):
        emp = getattr(request.user, "employee", None)
        return Response(
            MeSerializer(
                {
                    "username": request.user.get_username(),
                    "name": emp.name if emp else request.user.get_full_name(),
                    "employee": emp.pk if emp else None,
                    "department": emp.department_id if emp else None,
                    "language": request.LANGUAGE_CODE,
                    "unread_notifications": request.user.notifications.filter(read_at__isnull=True).count(),
                }
            ).data
        )
