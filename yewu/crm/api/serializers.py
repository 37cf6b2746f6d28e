"""API representations of the CRM records; writes are parsed here and done by the services."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from yewu.crm.api.loyalty import LoyaltyScoreSerializer
from yewu.crm.choices import Channel
from yewu.crm.models import (
    CareTask,
    CareTemplate,
    Communication,
    Contact,
    Customer,
    CustomerClass,
    FollowUp,
    Holiday,
    Lead,
    LeadSource,
    Visit,
)
from yewu.org.api.serializers import ScopedRelatedField
from yewu.org.models import Department

INT = {"min_value": 1, "max_value": 2**31 - 1}


@extend_schema_field(OpenApiTypes.STR)
class PersonField(serializers.SlugRelatedField):
    """A person by login name (active users with an employee record)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", **kwargs)

    def get_queryset(self):
        return get_user_model().objects.filter(is_active=True, employee__isnull=False)


class DuplicateSerializer(serializers.Serializer):
    type = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    owner = serializers.CharField()
    id = serializers.IntegerField(required=False)
    label = serializers.CharField(required=False)
    url = serializers.CharField(required=False)


class LeadSerializer(serializers.ModelSerializer):
    source = serializers.PrimaryKeyRelatedField(queryset=LeadSource.objects.filter(is_active=True))
    department = ScopedRelatedField(queryset=Department.objects.all(), required=False)
    owner = serializers.CharField(source="owner.username", read_only=True)
    customer = serializers.PrimaryKeyRelatedField(read_only=True)
    process = serializers.SlugRelatedField(slug_field="number", read_only=True)
    duplicates = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id", "number", "source", "company_name", "contact_name", "contact_title", "phone", "email", "credit_code",
            "industry", "region", "need", "needs_analysis", "department", "owner", "status", "status_reason",
            "evaluated_at", "assigned_at", "customer", "merged_into", "converted_at", "created_at", "duplicates",
            "process",
        ]
        read_only_fields = ["number", "status", "status_reason", "evaluated_at", "assigned_at", "merged_into",
                            "converted_at", "created_at"]

    def get_duplicates(self, obj) -> list[dict]:
        dupes = self.context.get("duplicates")
        return [c.as_dict() for c in dupes] if dupes else []


class EvaluateInput(serializers.Serializer):
    in_scope = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class NeedsAnalysisInput(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)


class AssignInput(serializers.Serializer):
    assignee = PersonField()


class ConvertInput(serializers.Serializer):
    customer = serializers.IntegerField(required=False, allow_null=True, **INT)
    customer_class = serializers.PrimaryKeyRelatedField(queryset=CustomerClass.objects.filter(is_active=True),
                                                        required=False, allow_null=True)


@extend_schema_serializer(component_name="CrmReasonInput")
class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class MergeInput(serializers.Serializer):
    into = serializers.IntegerField(**INT)


class DuplicateQuery(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    email = serializers.CharField(required=False, allow_blank=True, default="", max_length=254)
    credit_code = serializers.CharField(required=False, allow_blank=True, default="", max_length=30)


class CommunicationSerializer(serializers.ModelSerializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    contact = ScopedRelatedField(queryset=Contact.objects.all(), required=False, allow_null=True)
    author = serializers.CharField(source="author.username", read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True)
    at = serializers.DateTimeField(required=False)

    class Meta:
        model = Communication
        fields = ["id", "customer", "lead", "contact", "at", "channel", "content", "feedback", "follow_up_action",
                  "follow_up_due", "author", "owner", "created_at"]
        read_only_fields = ["customer", "lead", "created_at"]


class ContactSerializer(serializers.ModelSerializer):
    birthday_month = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=12)
    birthday_day = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=31)

    class Meta:
        model = Contact
        fields = ["id", "customer", "name", "title", "phone", "email", "birthday_month", "birthday_day", "is_primary",
                  "notes", "created_at"]
        read_only_fields = ["customer", "created_at"]


class CustomerSerializer(serializers.ModelSerializer):
    customer_class = serializers.PrimaryKeyRelatedField(queryset=CustomerClass.objects.filter(is_active=True))
    department = ScopedRelatedField(queryset=Department.objects.all(), required=False)
    owner = PersonField(required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=30), required=False, max_length=20)
    credit_limit = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, min_value=0)
    next_follow_up_on = serializers.DateField(read_only=True, allow_null=True)
    duplicates = serializers.SerializerMethodField()
    loyalty = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id", "number", "kind", "name", "credit_code", "customer_class", "industry", "region", "address", "phone",
            "email", "credit_rating", "credit_limit", "owner", "department", "tags", "notes", "status", "merged_into",
            "last_contact_on", "next_follow_up_on", "created_at", "duplicates", "loyalty",
        ]
        read_only_fields = ["number", "status", "merged_into", "last_contact_on", "created_at"]

    def get_duplicates(self, obj) -> list[dict]:
        dupes = self.context.get("duplicates")
        return [c.as_dict() for c in dupes] if dupes else []

    @extend_schema_field(LoyaltyScoreSerializer(allow_null=True))
    def get_loyalty(self, obj) -> dict | None:
        """The latest loyalty score (read-only), null before the first calculation."""
        score = getattr(obj, "loyalty", None)
        return LoyaltyScoreSerializer(score).data if score is not None else None


class VisitSerializer(serializers.ModelSerializer):
    owner = PersonField(required=False)
    contact = ScopedRelatedField(queryset=Contact.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Visit
        fields = ["id", "customer", "contact", "planned_on", "purpose", "owner", "status", "checked_in_at", "notes",
                  "outcome", "next_step", "created_at"]
        read_only_fields = ["customer", "status", "checked_in_at", "notes", "outcome", "next_step", "created_at"]


class CheckInInput(serializers.Serializer):
    notes = serializers.CharField(max_length=5000)
    outcome = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    next_step = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    next_step_due = serializers.DateField(required=False, allow_null=True)
    at = serializers.DateTimeField(required=False)


class FollowUpSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = FollowUp
        fields = ["id", "customer", "lead", "kind", "title", "due_on", "status", "owner", "source", "result",
                  "reminded_at", "escalated_at", "done_at", "overdue", "created_at"]
        read_only_fields = ["customer", "lead", "kind", "status", "source", "result", "reminded_at", "escalated_at",
                            "done_at", "created_at"]

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue()


class CompleteInput(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.PHONE)
    content = serializers.CharField(max_length=10000)
    feedback = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    follow_up_action = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    follow_up_due = serializers.DateField(required=False, allow_null=True)


class CareTaskSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)

    class Meta:
        model = CareTask
        fields = ["id", "customer", "contact", "holiday", "kind", "occasion_on", "message", "status", "owner",
                  "done_at", "created_at"]
        read_only_fields = fields


class CareDoneInput(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class LeadSourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadSource
        fields = ["id", "code", "name", "sort_order", "is_active"]


class CustomerClassSerializer(serializers.ModelSerializer):
    follow_up_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)

    class Meta:
        model = CustomerClass
        fields = ["id", "code", "name", "follow_up_days", "sort_order", "is_active"]


class HolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["id", "name", "date", "template", "is_active"]


class CareTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = CareTemplate
        fields = ["id", "kind", "name", "body", "is_default"]


@extend_schema_serializer(component_name="CrmImportInput")
class ImportInput(serializers.Serializer):
    file = serializers.FileField()


class ImportRow(serializers.Serializer):
    row = serializers.IntegerField()
    reasons = serializers.CharField()


@extend_schema_serializer(component_name="CrmImportReport")
class ImportReportSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    contacts = serializers.IntegerField()
    errors = ImportRow(many=True)
    warnings = ImportRow(many=True)
