"""`yewu demo`: load the demo company (idempotently), print the logins, then serve."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from yewu.core.management.commands.serve import (
    add_server_arguments,
    exec_gunicorn,
    prepare,
    public_url,
)


class Command(BaseCommand):
    help = "Load the demo company 示例科技有限公司 (safe to repeat), print the demo logins and serve Yewu."
    requires_system_checks = []

    def add_arguments(self, parser):
        add_server_arguments(parser)
        parser.add_argument("--load-only", action="store_true",
                            help="Load the demo data and print the logins, but do not start the server.")

    def handle(self, *args, host, port, workers, threads, load_only, **options):
        from yewu.core.demo import load_all
        from yewu.org.demo import DEMO_PASSWORD, FEATURED_LOGINS, logins

        self.check(display_num_errors=False)
        verbosity = options.get("verbosity", 1)
        self.stdout.write("Applying database migrations…")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Loading the demo company (already loaded parts are left as they are)…")
        with transaction.atomic():
            results = load_all()
        if verbosity > 1:
            for name, counts in results.items():
                summary = ", ".join(f"{k} {v}" for k, v in (counts or {}).items())
                self.stdout.write(f"  {name}: {summary}")

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo company 示例科技有限公司 is ready."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        rows = [row for row in logins() if row[0] in FEATURED_LOGINS]
        others = [login for login, _label in logins() if login not in FEATURED_LOGINS]
        width = max(len(login) for login, _label in rows)
        for login, label in rows:
            self.stdout.write(f"  {login.ljust(width)}  {label}")
        if others:
            self.stdout.write(f"  Other department managers: {', '.join(others)}")
        self.stdout.write(f"URL: {public_url(host, port)}")
        self.stdout.write("")
        if load_only:
            return
        prepare(self.stdout, migrate=False)
        exec_gunicorn(self.stdout, host=host, port=port, workers=workers, threads=threads)
