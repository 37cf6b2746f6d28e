from django.urls import path

from yewu.core.views import audit, auth, pages, saved_views

app_name = "core"

urlpatterns = [
    path("", pages.home, name="home"),
    path("accounts/login/", auth.login_view, name="login"),
    path("accounts/logout/", auth.logout_view, name="logout"),
    path("accounts/verify/", auth.verify_otp_view, name="verify_otp"),
    path("accounts/profile/", pages.profile, name="profile"),
    path("accounts/totp/", auth.totp_setup_view, name="totp_setup"),
    path("accounts/totp/disable/", auth.totp_disable_view, name="totp_disable"),
    path("search/", pages.search, name="search"),
    path("notifications/", pages.notifications, name="notifications"),
    path("notifications/read/", pages.notifications_read, name="notifications_read"),
    path("records/<int:ct_id>/<str:object_id>/comments/", pages.comment_add, name="comment_add"),
    path("records/<int:ct_id>/<str:object_id>/attachments/", pages.attachment_add, name="attachment_add"),
    path("attachments/<int:pk>/", pages.attachment_download, name="attachment_download"),
    path("lists/views/", saved_views.savedview_add, name="savedview_add"),
    path("lists/views/<int:pk>/delete/", saved_views.savedview_delete, name="savedview_delete"),
    path("audit/events/", audit.EventListView.as_view(), name="event_list"),
    path("audit/events.xes", pages.events_xes, name="events_xes"),
    path("healthz", pages.healthz, name="healthz"),
]
