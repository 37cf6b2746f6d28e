"""Sign-in with lockout, optional TOTP second factor, sign-out, TOTP set-up."""

from __future__ import annotations

import base64
import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from yewu.core.security import clear_failures, locked_minutes, register_failure

PENDING = "yewu_pending_user"


class LoginForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Verification code"), max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def login_view(request):
    if request.user.is_authenticated:
        return redirect(_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        minutes = locked_minutes(username)
        if minutes:
            form.add_error(None, _("Too many failed sign-in attempts. Try again after %(minutes)s minutes.") % {"minutes": minutes})
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                register_failure(username)
                minutes = locked_minutes(username)
                if minutes:
                    form.add_error(None, _("Too many failed sign-in attempts. Try again after %(minutes)s minutes.") % {"minutes": minutes})
                else:
                    form.add_error(None, _("The user name or password is not correct."))
            else:
                if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                    # The password alone does not sign in: the session holds only a pending marker.
                    request.session[PENDING] = user.pk
                    return redirect(f"{reverse('core:verify_otp')}?{urlencode({'next': _next(request)})}")
                clear_failures(username)
                login(request, user)
                return redirect(_next(request))
    return render(request, "core/login.html", {"form": form, "next": request.GET.get("next", "")})


def verify_otp_view(request):
    user_id = request.session.get(PENDING)
    User = get_user_model()
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return redirect("core:login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if locked_minutes(user.get_username()):
            form.add_error(None, _("Too many failed sign-in attempts. Try again after %(minutes)s minutes.") % {"minutes": locked_minutes(user.get_username())})
        else:
            token = form.cleaned_data["token"].strip()
            device = next(
                (d for d in TOTPDevice.objects.filter(user=user, confirmed=True) if d.verify_token(token)), None
            )
            if device is None:
                register_failure(user.get_username())
                form.add_error("token", _("The verification code is not correct."))
            else:
                clear_failures(user.get_username())
                target = _next(request)
                login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
                otp_login(request, device)
                return redirect(target)
    return render(request, "core/verify_otp.html", {"form": form})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("core:login")


@login_required
def totp_setup_view(request):
    """Add an authenticator app: scan the QR code, confirm with one code."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save()
            TOTPDevice.objects.filter(user=request.user, confirmed=True).exclude(pk=device.pk).delete()
            otp_login(request, device)
            messages.success(request, _("Two-step verification is on."))
            return redirect("core:profile")
        form.add_error("token", _("The verification code is not correct."))
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buf = io.BytesIO()
    img.save(buf)
    qr = "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "core/totp_setup.html", {"form": form, "qr": qr, "secret": secret})


@login_required
@require_POST
def totp_disable_view(request):
    TOTPDevice.objects.filter(user=request.user).delete()
    messages.success(request, _("Two-step verification is off."))
    return redirect("core:profile")
