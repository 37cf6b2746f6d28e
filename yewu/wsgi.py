import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yewu.settings")
application = get_wsgi_application()

from yewu.core.runtime import settle  # noqa: E402 -- needs the configured Django above

settle()
