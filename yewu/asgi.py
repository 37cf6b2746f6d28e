import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yewu.settings")
application = get_asgi_application()

from yewu.core.runtime import settle  # noqa: E402 -- needs the configured Django above

settle()
