"""`yewu backup PATH`: write the database content and uploaded files to one zip file."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from yewu.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write a backup (one zip: database content as JSON Lines, uploaded files, manifest). "
        "PATH may be a directory, which gets a dated file name."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Backup file to write (e.g. yewu-backup.zip) or a directory.")
        parser.add_argument("--force", action="store_true", help="Overwrite an existing file.")

    def handle(self, *args, path, force, **options):
        try:
            result = create_backup(path, overwrite=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        m = result.manifest
        self.stdout.write(
            f"Backup written to {result.path}: {result.rows} rows in {len(m['counts'])} tables, "
            f"{m['media_files']} uploaded files ({m['media_bytes']} bytes), "
            f"Yewu {m['yewu_version']}, {m['database_vendor']}."
        )
