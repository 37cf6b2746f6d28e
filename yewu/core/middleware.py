from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


class SecondFactorMiddleware:
    """Users with a confirmed TOTP device must pass the second factor before using the web UI."""

    ALLOW = ("/accounts/", "/static/", "/i18n/", "/jsi18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.ALLOW)
            and not user.is_verified()
            and _has_device(user)
        ):
            return redirect(f"{reverse('core:verify_otp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def _has_device(user) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()
