from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from yewu.core import services
from yewu.core.api.base import ReadOnlyScopedViewSet
from yewu.core.models import Event, Notification


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
