"""Loyalty API: the formula's components and the tiers (read by everyone with a grant, changed by
CRM administrators through yewu.crm.loyalty's services), the recalculation, and the read-only
score shown with each customer."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from yewu.core.api.base import ScopedViewSet
from yewu.crm import loyalty
from yewu.crm.models import LoyaltyComponent, LoyaltyScore, LoyaltyTier

_READ = (mixins.ListModelMixin, mixins.RetrieveModelMixin)


class LoyaltyComponentSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="get_key_display", read_only=True)
    unit = serializers.CharField(read_only=True)
    weight = serializers.IntegerField(required=False)
    zero_at = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    full_at = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)

    class Meta:
        model = LoyaltyComponent
        fields = ["id", "key", "label", "unit", "weight", "zero_at", "full_at", "sort_order", "updated_at"]
        read_only_fields = ["key", "sort_order", "updated_at"]


class LoyaltyTierSerializer(serializers.ModelSerializer):
    min_score = serializers.IntegerField()
    name = serializers.CharField(max_length=100)
    strategy = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    sort_order = serializers.IntegerField(required=False, min_value=0, max_value=32767)

    class Meta:
        model = LoyaltyTier
        fields = ["id", "name", "min_score", "strategy", "sort_order", "is_active", "updated_at"]
        read_only_fields = ["updated_at"]
        validators: list = []  # the service checks the unique minimum and names the clashing tier


class LoyaltyComponentScoreSerializer(serializers.Serializer):
    key = serializers.CharField()
    figure = serializers.FloatField(allow_null=True, help_text="The raw figure; null: no data.")
    points = serializers.FloatField(allow_null=True)
    weight = serializers.IntegerField()
    share = serializers.FloatField(help_text="Percent of the score after re-normalisation (0: not counted).")
    has_data = serializers.BooleanField()
    counted = serializers.BooleanField()
    sources = serializers.DictField()
    zero_at = serializers.FloatField()
    full_at = serializers.FloatField()
    period = serializers.ListField(child=serializers.DateField())


class LoyaltyScoreSerializer(serializers.ModelSerializer):
    """A customer's latest loyalty score (read-only; the worker and the recalculation write it)."""

    tier = serializers.PrimaryKeyRelatedField(read_only=True)
    tier_name = serializers.CharField(source="tier.name", read_only=True, default=None, allow_null=True)
    strategy = serializers.CharField(source="tier.strategy", read_only=True, default=None, allow_null=True)
    breakdown = LoyaltyComponentScoreSerializer(many=True, read_only=True)

    class Meta:
        model = LoyaltyScore
        fields = ["score", "tier", "tier_name", "strategy", "breakdown", "computed_on", "computed_at"]
        read_only_fields = fields


class LoyaltyComponentViewSet(*_READ, ScopedViewSet):
    """The loyalty formula's components (company-wide settings): weight and the figures for 0 and
    100 points; a change makes the scores stale and the worker recalculates them."""

    queryset = LoyaltyComponent.objects.all()
    serializer_class = LoyaltyComponentSerializer
    http_method_names = ["get", "patch", "post", "head", "options"]

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        ser = LoyaltyComponentSerializer(obj, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        obj = loyalty.save_loyalty_component(obj, dict(ser.validated_data), actor=request.user)
        return Response(LoyaltyComponentSerializer(obj).data)

    @extend_schema(request=None, responses=inline_serializer("LoyaltyRecalculated", {
        "computed": serializers.IntegerField(), "tier_changed": serializers.IntegerField()}))
    @action(detail=False, methods=["post"])
    def recalculate(self, request):
        """Recalculate every customer's score now (CRM administrators)."""
        return Response(loyalty.recalculate_loyalty(actor=request.user))


class LoyaltyTierViewSet(*_READ, ScopedViewSet):
    """Loyalty tiers (company-wide settings): name, minimum score and the strategy for its customers."""

    queryset = LoyaltyTier.objects.all()
    serializer_class = LoyaltyTierSerializer
    http_method_names = ["get", "patch", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        ser = LoyaltyTierSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        obj = loyalty.save_loyalty_tier(None, dict(ser.validated_data), actor=request.user)
        return Response(LoyaltyTierSerializer(obj).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        ser = LoyaltyTierSerializer(obj, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        obj = loyalty.save_loyalty_tier(obj, dict(ser.validated_data), actor=request.user)
        return Response(LoyaltyTierSerializer(obj).data)
