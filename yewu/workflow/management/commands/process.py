"""`yewu process import FILE` and `yewu process export KEY PATH`: BPMN files in and out;
`yewu process install`: the process packs an installation starts with.

    yewu process import FILE [--key KEY] [--name NAME] [--process ID] [--executable]
                             [--department CODE] [--as USERNAME] [--notes TEXT] [--validate-only]
    yewu process export KEY [--version N] PATH      (PATH "-" writes to standard output)
    yewu process install [NAME ...] [--list] [--as USERNAME]

Import exits 0 and prints the key and version of the new draft (or, with --validate-only, what
would be imported); a refused file exits 1 with the reason, which names the element the engine
cannot run and its id. Never a traceback, whatever the file holds.

Install creates the processes of the named packs (default: every registered pack, see
yewu.workflow.packs) that do not exist yet, each with version 1 published, and prints them;
running it again installs nothing and says so. It acts as a superuser; an unknown pack name or no
superuser to act as exits 1 before anything is installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Import a BPMN file as a draft process version, export a version's BPMN, or install process packs."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import,export,install}")
        imp = sub.add_parser("import", help="Import a BPMN 2.0 file as a new draft version.")
        imp.add_argument("file", help="The .bpmn file, or - for standard input.")
        imp.add_argument("--key", default="", help="Process key (default: from the process id). An existing "
                                                    "key gets a new version; a new key a new process.")
        imp.add_argument("--name", default="", help="Name of a new process (default: the process or pool name).")
        imp.add_argument("--process", dest="process_id", default="",
                         help="For a collaboration of several pools: the id of the process to run.")
        imp.add_argument("--executable", action="store_true",
                         help='Mark a descriptive process (isExecutable="false") executable.')
        imp.add_argument("--department", default="", help="Owner department (code) of a new process.")
        imp.add_argument("--as", dest="username", default="",
                         help="Act as this user (default: the first active superuser).")
        imp.add_argument("--notes", default="", help="Notes on the new version.")
        imp.add_argument("--validate-only", action="store_true", help="Check the file; import nothing.")
        exp = sub.add_parser("export", help="Write the BPMN of a process version.")
        exp.add_argument("key", help="The process key.")
        exp.add_argument("path", help="Output file, or - for standard output.")
        exp.add_argument("--version", dest="number", type=int, default=None,
                         help="Version number (default: the published version, else the latest).")
        ins = sub.add_parser("install", help="Install process packs: the processes a new site starts with.")
        ins.add_argument("names", nargs="*", metavar="NAME", help="Packs to install (default: all; see --list).")
        ins.add_argument("--list", dest="list_packs", action="store_true", help="List the packs; install nothing.")
        ins.add_argument("--as", dest="username", default="",
                         help="Act as this superuser (default: the first active superuser).")

    def handle(self, *args, action, **options):
        from yewu.core.errors import DomainError

        try:
            if action == "import":
                return self.import_file(options)
            if action == "install":
                return self.install(options["names"], list_packs=options["list_packs"], username=options["username"])
            return self.export(options["key"], options["path"], options.get("number"))
        except DomainError as exc:
            raise CommandError(_("Refused: %(reason)s") % {"reason": exc.message}) from exc

    # --- import ----------------------------------------------------------------------------------

    def _read(self, name: str) -> bytes:
        from yewu.workflow.definitions import MAX_BYTES, too_large

        try:
            if name == "-":
                data = sys.stdin.buffer.read(MAX_BYTES + 1)
            else:
                path = Path(name)
                if path.is_dir():
                    raise CommandError(_("%(path)s is a directory, not a BPMN file.") % {"path": name})
                size = path.stat().st_size
                if size > MAX_BYTES:
                    raise too_large(size)
                with path.open("rb") as fh:
                    data = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": name, "error": exc.strerror or exc}) from exc
        return data

    def _actor(self, username: str):
        from django.contrib.auth import get_user_model

        User = get_user_model()
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(_("No active user %(name)s.") % {"name": username})
            return user
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError(_("No active administrator account: pass --as USERNAME."))
        return user

    def import_file(self, options):
        from yewu.org.models import Department
        from yewu.workflow import definitions

        data = self._read(options["file"])
        if options["validate_only"]:
            checked = definitions.check_bpmn(data, process_id=options["process_id"] or None,
                                             make_executable=options["executable"])
            key = options["key"] or definitions.key_for(checked.process_id)
            self.stdout.write(_("Valid: process %(process)s (%(name)s) would be imported as %(key)s, "
                                "%(count)s steps: %(steps)s") % {
                "process": checked.process_id, "name": checked.name, "key": key, "count": len(checked.steps),
                "steps": ", ".join(s.id for s in checked.steps) or "—"})
            return
        department = None
        if options["department"]:
            department = Department.objects.filter(code=options["department"]).first()
            if department is None:
                raise CommandError(_("No department with the code %(code)s.") % {"code": options["department"]})
        version = definitions.import_bpmn(
            data, actor=self._actor(options["username"]), key=options["key"] or None,
            name=options["name"] or None, owner_department=department, process_id=options["process_id"] or None,
            make_executable=options["executable"], notes=options["notes"],
        )
        self.stdout.write(_("Imported %(key)s version %(version)s as a draft (process %(process)s, %(count)s steps).") % {
            "key": version.definition.key, "version": version.version, "process": version.process_id,
            "count": len(definitions.steps_of(version))})

    # --- install ---------------------------------------------------------------------------------

    def install(self, names: list[str], *, list_packs: bool, username: str):
        from django.contrib.auth import get_user_model

        from yewu.workflow import packs

        registered = packs.all_packs()
        if list_packs:
            for pack in registered:
                self.stdout.write(f"{pack.name}\t{pack.label}")
            return
        names = list(dict.fromkeys(names)) or [p.name for p in registered]
        unknown = [n for n in names if packs.get(n) is None]
        if unknown:
            raise CommandError(_("No pack named %(names)s. Packs: %(known)s.") % {
                "names": ", ".join(unknown), "known": ", ".join(p.name for p in registered) or "—"})
        User = get_user_model()
        admins = User.objects.filter(is_superuser=True, is_active=True)
        if username:
            actor = admins.filter(username=username).first()
            if actor is None:
                raise CommandError(_("%(name)s is not an active superuser.") % {"name": username})
        else:
            actor = admins.order_by("pk").first()
            if actor is None:
                raise CommandError(_("No active superuser to install as: create one with `yewu createsuperuser`, "
                                     "or pass --as USERNAME."))
        new = 0
        for result in packs.install(names, actor=actor):
            pack = result.pack
            if not result.new_versions:
                self.stdout.write(_("%(label)s (%(name)s): nothing new, its processes exist already.") % {
                    "label": pack.label, "name": pack.name})
                continue
            self.stdout.write(f"{pack.label} ({pack.name}):")
            for version in result.new_versions:
                self.stdout.write("  " + _("installed %(key)s (%(process)s), version %(version)s: %(status)s") % {
                    "key": version.definition.key, "process": version.definition.name,
                    "version": version.version, "status": version.get_status_display()})
            new += len(result.new_versions)
        if not new:
            self.stdout.write(_("Nothing new to install."))

    # --- export ----------------------------------------------------------------------------------

    def export(self, key: str, path: str, number: int | None):
        from yewu.workflow import definitions
        from yewu.workflow.choices import VersionStatus
        from yewu.workflow.models import ProcessVersion

        versions = ProcessVersion.objects.filter(definition__key=key).select_related("definition")
        if number is not None:
            version = versions.filter(version=number).first()
        else:
            version = versions.filter(status=VersionStatus.PUBLISHED).order_by("-version").first() or \
                versions.order_by("-version").first()
        if version is None:
            raise CommandError(
                _("No version %(number)s of the process %(key)s.") % {"number": number, "key": key} if number
                else _("No process %(key)s (or it has no versions).") % {"key": key}
            )
        text = definitions.export_bpmn(version)
        if path == "-":
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        try:
            Path(path).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise CommandError(_("Cannot write %(path)s: %(error)s") % {"path": path, "error": exc.strerror or exc}) from exc
        self.stdout.write(_("Wrote %(key)s version %(version)s to %(path)s.") % {
            "key": key, "version": version.version, "path": path})
