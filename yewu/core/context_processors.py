from django.conf import settings

from yewu.core.navigation import menu_for


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"yewu_languages": settings.LANGUAGES}
    return {
        "yewu_menu": menu_for(user, request.path),
        "yewu_unread": user.notifications.filter(read_at__isnull=True).count(),
        "yewu_employee": getattr(user, "employee", None),
        "yewu_languages": settings.LANGUAGES,
    }
