"""Django admin for roles and grants; role changes are audited like any other change."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from yewu.core.audit import record_event
from yewu.core.models import Event, Grant, Seal


class GrantInline(admin.TabularInline):
    model = Grant
    extra = 0
    list_select_related = ["permission"]


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(GroupAdmin):
    inlines = [GrantInline]
    fields = ["name"]

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record_event(form.instance, "role.revoked", actor=request.user,
                         data={"permission": obj.permission.codename, "scope": obj.scope})
            obj.delete()
        for obj in instances:
            activity = "role.changed" if obj.pk else "role.granted"
            obj.save()
            record_event(form.instance, activity, actor=request.user,
                         data={"permission": obj.permission.codename, "scope": obj.scope})
        formset.save_m2m()


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "timestamp", "case_type", "case_id", "seq", "activity", "actor"]
    list_filter = ["case_type", "activity"]
    search_fields = ["case_id", "activity"]


@admin.register(Seal)
class SealAdmin(ReadOnlyAdmin):
    list_display = ["id", "first_event_id", "last_event_id", "count", "sealed_at"]


admin.site.site_header = _("Yewu administration")
admin.site.site_title = _("Yewu")
