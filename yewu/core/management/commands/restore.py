"""`yewu restore PATH [--yes]`: replace the database content and uploaded files with a backup's."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from yewu.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `yewu backup`. Refuses to touch a database that holds data "
        "unless --yes is given; then all current data and uploaded files are replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Backup file written by `yewu backup`.")
        parser.add_argument("--yes", action="store_true",
                            help="Replace the data even though the database is not empty.")

    def handle(self, *args, path, yes, **options):
        verbosity = options.get("verbosity", 1)

        def log(msg: str) -> None:
            if verbosity:
                self.stdout.write(msg)

        try:
            manifest = restore_backup(path, force=yes, log=log)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["counts"].values())
        self.stdout.write(self.style.SUCCESS(
            f"Restored {rows} rows and {manifest['media_files']} uploaded files from {path} "
            f"(made {manifest['created_at']} by Yewu {manifest['yewu_version']} on {manifest['database_vendor']})."
        ))
        self.stdout.write("Run `yewu audit verify` to check the audit trail.")
