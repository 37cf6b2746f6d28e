"""Backup and restore of a whole Yewu installation: database content plus uploaded files.

A backup is one zip file:

  manifest.json   format, Yewu and Django versions, creation time, database vendor, applied
                  migrations, row counts per model, media file count and size
  data.jsonl      every row of every model (Django's JSON Lines serialization, natural keys for
                  references to users, groups, permissions and content types; primary keys kept)
  media/...       the files under MEDIA_ROOT

Audit events are hash-chained, so every value must come back exactly: Django's own JSON encoder
cuts datetimes to milliseconds, so the backup uses an encoder that keeps microseconds.
The dump runs in one read snapshot so a backup taken while people work is consistent.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import io
import json
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Model
from django.utils import timezone
from django.utils.functional import Promise

FORMAT = 1
MANIFEST = "manifest.json"
DATA = "data.jsonl"
MEDIA_PREFIX = "media/"

# Rebuilt by `migrate`/`flush` (content types, permissions) or not worth keeping (sessions).
class _SortedM2MSerializer(serializers.get_serializer("jsonl")):
    """JSON Lines with many-to-many values in a fixed order: databases return them in different
    orders (PostgreSQL vs SQLite), and a backup must read the same wherever it was made."""

    def handle_m2m_field(self, obj, field):
        super().handle_m2m_field(obj, field)
        if field.name in self._current:
            self._current[field.name] = sorted(self._current[field.name], key=json.dumps)

    def handle_field(self, obj, field):
        """JSON values with their objects' keys sorted: PostgreSQL's jsonb returns them in its own
        order, SQLite in the order written."""
        super().handle_field(obj, field)
        if field.get_internal_type() == "JSONField" and field.name in self._current:
            self._current[field.name] = _sorted_keys(self._current[field.name])


def _sorted_keys(value):
    if isinstance(value, dict):
        return {k: _sorted_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(v) for v in value]
    return value


# References to content types and permissions are written as natural keys, so they survive.
EXCLUDED_MODELS = frozenset({"contenttypes.contenttype", "auth.permission", "sessions.session"})


class BackupError(Exception):
    """A backup file that cannot be restored here, or a restore that did not come out right."""


class ExactJSONEncoder(json.JSONEncoder):
    """Like DjangoJSONEncoder, but datetimes and times keep their microseconds."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.date | datetime.time):
            return o.isoformat()
        if isinstance(o, datetime.timedelta):
            from django.utils.duration import duration_iso_string

            return duration_iso_string(o)
        if isinstance(o, decimal.Decimal | uuid.UUID | Promise):
            return str(o)
        return super().default(o)


def yewu_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("yewu")
    except PackageNotFoundError:
        return "0+unknown"


def dumped_models(using: str = DEFAULT_DB_ALIAS) -> list[type[Model]]:
    """Every concrete model stored in the database, ordered so natural-key targets come first."""
    app_list = []
    for app_config in apps.get_app_configs():
        models = [
            m
            for m in app_config.get_models()
            if not m._meta.proxy
            and m._meta.managed
            and m._meta.label_lower not in EXCLUDED_MODELS
            and router.allow_migrate_model(using, m)
        ]
        if models:
            app_list.append((app_config, models))
    return serializers.sort_dependencies(app_list, allow_cycles=True)


def row_counts(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    return {m._meta.label_lower: m._base_manager.using(using).count() for m in dumped_models(using)}


def database_is_empty(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """The models that hold rows (an empty dict means the database is empty). Rows that the
    migrations themselves write (models marked `seeded_by_migrations`, e.g. the loyalty formula's
    defaults) do not count: a freshly migrated database holds them."""
    seeded = {m._meta.label_lower for m in apps.get_models() if getattr(m, "seeded_by_migrations", False)}
    return {label: n for label, n in row_counts(using).items() if n and label not in seeded}


def applied_migrations(using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    recorder = MigrationRecorder(connections[using])
    out: dict[str, list[str]] = {}
    for app, name in sorted(recorder.applied_migrations()):
        out.setdefault(app, []).append(name)
    return out


@contextlib.contextmanager
def read_snapshot(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """One consistent view of the database for the whole dump, without blocking writers."""
    connection = connections[using]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor == "sqlite" and connection.get_autocommit():
        # Django opens SQLite transactions with BEGIN IMMEDIATE (a write lock); a deferred read
        # transaction is a snapshot in WAL mode and lets people keep working during the backup.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
    else:
        with transaction.atomic(using=using):
            yield


def _media_files(root: Path) -> Iterator[tuple[Path, str]]:
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                yield path, path.relative_to(root).as_posix()


@dataclass
class BackupResult:
    path: Path
    manifest: dict = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.manifest["counts"].values())


def create_backup(
    target: str | os.PathLike, *, using: str = DEFAULT_DB_ALIAS, overwrite: bool = False
) -> BackupResult:
    """Write the backup zip to `target` (a file, or a directory to put a dated file in)."""
    target = Path(target).expanduser()
    if target.is_dir():
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        target = target / f"yewu-backup-{stamp}.zip"
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists (use --force to overwrite it)")
    target.parent.mkdir(parents=True, exist_ok=True)
    connection = connections[using]
    created_at = timezone.now()
    counts: dict[str, int] = {}
    media_root = Path(settings.MEDIA_ROOT)
    fd, tmp_name = tempfile.mkstemp(prefix=".yewu-backup-", suffix=".zip", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            with read_snapshot(using):
                migrations = applied_migrations(using)
                info = zipfile.ZipInfo(DATA, date_time=timezone.localtime(created_at).timetuple()[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                with zf.open(info, "w", force_zip64=True) as raw:
                    stream = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
                    serializer = _SortedM2MSerializer()
                    for model in dumped_models(using):
                        qs = model._base_manager.using(using).order_by(model._meta.pk.attname)
                        counter = _Counter()
                        serializer.serialize(
                            counter.wrap(qs.iterator(chunk_size=2000)),
                            stream=stream,
                            use_natural_foreign_keys=True,
                            use_natural_primary_keys=False,
                            cls=ExactJSONEncoder,
                        )
                        counts[model._meta.label_lower] = counter.n
                    stream.flush()
                    stream.detach()
            media_count = media_bytes = 0
            for path, rel in _media_files(media_root):
                zf.write(path, MEDIA_PREFIX + rel)
                media_count += 1
                media_bytes += path.stat().st_size
            manifest = {
                "format": FORMAT,
                "application": "yewu",
                "yewu_version": yewu_version(),
                "django_version": django.get_version(),
                "created_at": created_at.isoformat(),
                "database_vendor": connection.vendor,
                "migrations": migrations,
                "counts": counts,
                "media_files": media_count,
                "media_bytes": media_bytes,
            }
            zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True))
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return BackupResult(path=target, manifest=manifest)


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def wrap(self, it):
        for obj in it:
            self.n += 1
            yield obj


# --- restore -------------------------------------------------------------------------------------


def read_manifest(zf: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except KeyError as exc:
        raise BackupError("not a Yewu backup: manifest.json is missing") from exc
    if manifest.get("application") != "yewu" or DATA not in zf.namelist():
        raise BackupError("not a Yewu backup")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not supported (expected {FORMAT})")
    return manifest


def _safe_media_name(name: str) -> str | None:
    """The path below MEDIA_ROOT for a zip member, or None if it is not a plain media file."""
    if not name.startswith(MEDIA_PREFIX) or name.endswith("/"):
        return None
    rel = PurePosixPath(name[len(MEDIA_PREFIX):])
    if rel.is_absolute() or any(part in ("", ".", "..") for part in rel.parts) or "\\" in name:
        raise BackupError(f"unsafe file name in backup: {name!r}")
    return rel.as_posix()


def check_migrations(manifest: dict, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Refuse backups made by newer code; return warnings for backups made by older code."""
    here = applied_migrations(using)
    theirs = manifest.get("migrations", {})
    newer = sorted(f"{app}.{name}" for app, names in theirs.items() for name in names
                   if name not in set(here.get(app, [])))
    if newer:
        raise BackupError(
            "the backup was made by a newer Yewu (unknown migrations: "
            + ", ".join(newer[:5]) + ("…" if len(newer) > 5 else "") + "); upgrade Yewu first"
        )
    older = sorted(f"{app}.{name}" for app, names in here.items() for name in names
                   if app in theirs and name not in set(theirs[app]))
    if older:
        return [f"the backup predates {len(older)} migration(s); new fields take their defaults"]
    return []


def restore_backup(
    source: str | os.PathLike,
    *,
    force: bool = False,
    using: str = DEFAULT_DB_ALIAS,
    log: Callable[[str], None] = lambda _msg: None,
) -> dict:
    """Replace the database content and the media files with the backup's. Returns the manifest."""
    source = Path(source).expanduser()
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    try:
        zf = zipfile.ZipFile(source)
    except zipfile.BadZipFile as exc:
        raise BackupError(f"{source}: not a zip file") from exc
    with zf:
        manifest = read_manifest(zf)
        media_members = [(m, rel) for m in zf.namelist() if (rel := _safe_media_name(m))]
        log("Applying migrations…")
        call_command("migrate", interactive=False, verbosity=0, database=using)
        for warning in check_migrations(manifest, using):
            log(f"Warning: {warning}")
        holding = database_is_empty(using)
        if holding and not force:
            summary = ", ".join(f"{label}: {n}" for label, n in sorted(holding.items())[:6])
            more = f" and {len(holding) - 6} more models" if len(holding) > 6 else ""
            raise BackupError(
                f"The database is not empty ({summary}{more}). Restoring deletes all of its data "
                "and replaces it with the backup. Run again with --yes to do that."
            )
        with tempfile.TemporaryDirectory(prefix="yewu-restore-") as tmpdir:
            data_path = Path(tmpdir) / DATA
            with zf.open(DATA) as src, open(data_path, "wb") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
            log("Replacing the database content…")
            with transaction.atomic(using=using):
                call_command("flush", interactive=False, verbosity=0, database=using)
                call_command("loaddata", str(data_path), verbosity=0, database=using)
                counts = row_counts(using)
                expected = manifest["counts"]
                wrong = {
                    label: (n, counts.get(label, 0))
                    for label, n in expected.items()
                    if counts.get(label, 0) != n
                }
                if wrong:
                    details = ", ".join(f"{k}: {a} in backup, {b} loaded" for k, (a, b) in wrong.items())
                    raise BackupError(f"restore did not load every row ({details}); nothing was changed")
        log(f"Restoring {len(media_members)} uploaded files…")
        _restore_media(zf, media_members, Path(settings.MEDIA_ROOT))
    return manifest


def _restore_media(zf: zipfile.ZipFile, members: list[tuple[str, str]], root: Path) -> None:
    wanted = {rel for _m, rel in members}
    root.mkdir(parents=True, exist_ok=True)
    for path, rel in list(_media_files(root)):
        if rel not in wanted:
            path.unlink()
    for member, rel in members:
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(member) as src, open(dest, "wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
    # drop directories left empty by removed files
    for dirpath, _dirnames, _filenames in sorted(os.walk(root), key=lambda t: -len(t[0])):
        if Path(dirpath) != root and not os.listdir(dirpath):
            os.rmdir(dirpath)
