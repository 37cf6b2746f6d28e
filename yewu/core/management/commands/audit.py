"""`yewu audit verify | seal | export-xes PATH`: check, seal and export the audit trail."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError


def seal_now():
    """Seal what is due (seal_events itself keeps concurrent sealers apart)."""
    from yewu.core.audit import seal_events

    return seal_events()


class Command(BaseCommand):
    help = "Verify, seal or export the audit trail."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{verify,seal,export-xes}")
        sub.add_parser("verify", help="Recompute every event chain and seal; exit 1 if anything is wrong.")
        sub.add_parser("seal", help="Seal the events that are due now (the worker does this every minute).")
        export = sub.add_parser("export-xes", help="Write the events as an XES log (IEEE 1849).")
        export.add_argument("path", help="Output file, or - for standard output.")
        export.add_argument("--case-type", dest="case_type", default="",
                            help="Only cases of this type, e.g. org.employee.")

    def handle(self, *args, action, **options):
        if action == "verify":
            return self.verify()
        if action == "seal":
            return self.seal()
        return self.export(options["path"], options.get("case_type") or "")

    def verify(self):
        from yewu.core.audit import verify_events

        report = verify_events()
        if report.ok:
            self.stdout.write(
                f"Audit trail intact: {report.events} events in {report.cases} cases, "
                f"{report.seals} seals verified."
            )
            return
        for problem in report.problems:
            self.stderr.write(problem)
        raise CommandError(
            f"Audit trail NOT intact: {len(report.problems)} problem(s) in {report.events} events, "
            f"{report.cases} cases, {report.seals} seals."
        )

    def seal(self):
        seal = seal_now()
        if seal is None:
            self.stdout.write("Nothing to seal (events younger than 5 minutes wait for the next seal).")
        else:
            self.stdout.write(
                f"Sealed {seal.count} events (ids {seal.first_event_id}–{seal.last_event_id}), "
                f"digest {seal.digest[:16]}…"
            )

    def export(self, path: str, case_type: str):
        from yewu.core.audit import export_xes
        from yewu.core.models import Event

        events = Event.objects.all()
        if case_type:
            events = events.filter(case_type=case_type)
        if path == "-":
            out = sys.stdout
            for chunk in export_xes(events):
                out.write(chunk)
            out.flush()
            return
        traces = 0
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            for chunk in export_xes(events):
                if chunk == "  <trace>\n":
                    traces += 1
                fh.write(chunk)
        self.stdout.write(f"Wrote {traces} traces ({events.count()} events) to {path}.")
