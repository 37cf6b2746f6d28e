"""The purchase order as a PDF to send to the supplier (采购订单): company, order number and date,
supplier, lines, total in figures and in capital numerals, delivery, payment terms and the review
stamp (who approved it, when).

Drawn with reportlab and its built-in CID font STSong-Light: Chinese renders without font files
(PDF readers supply the font), and nothing is fetched from the network.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yewu.core.amounts import amount_in_words
from yewu.core.errors import DomainError, ErrorCode
from yewu.procurement.choices import ORDER_EDITABLE, OrderStatus
from yewu.procurement.models import PurchaseOrder
from yewu.procurement.models.requisitions import person_name

FONT = "STSong-Light"
STAMP_RED = "#c0392b"
#: Orders that have not passed the central department's review (or wait for their signed contract),
#: and orders no longer valid.
NOT_PRINTABLE = frozenset({*ORDER_EDITABLE, OrderStatus.IN_REVIEW, OrderStatus.AWAITING_CONTRACT,
                           OrderStatus.SUPERSEDED, OrderStatus.CANCELLED})


class DocumentError(ErrorCode):
    ORDER_NOT_PRINTABLE = "procurement.order_not_printable", gettext_lazy(
        "Purchase order %(number)s is %(status)s. Only an order that has passed review, and has not been "
        "superseded or cancelled, can be sent to the supplier as a PDF."
    )


def can_print(order: PurchaseOrder) -> bool:
    """Passed the review, still valid, and its contract signed when it needs one: the order may go
    to the supplier."""
    return order.status not in NOT_PRINTABLE and not order.contract_missing()


def check_printable(order: PurchaseOrder) -> None:
    from yewu.procurement.services import check_contract_signed

    if order.status not in NOT_PRINTABLE:
        check_contract_signed(order)  # a large or important order goes out only with its signed contract
    if not can_print(order):
        raise DomainError(DocumentError.ORDER_NOT_PRINTABLE, number=order.display_number,
                          status=order.get_status_display())


def company_name() -> str:
    """The company is the root of the department tree."""
    from yewu.org.models import Department

    root = Department.objects.filter(parent__isnull=True, is_active=True).order_by("sort_order", "pk").first()
    return root.name if root is not None else ""


def approvals_of(order: PurchaseOrder) -> list[tuple[str, Any]]:
    """(who, when) of each approval in the order's review, from the task projection."""
    from yewu.workflow.choices import Decision
    from yewu.workflow.models import Task

    if order.approval_id is None:
        return []
    tasks = (
        Task.objects.filter(instance_id=order.approval_id, decision=Decision.APPROVED)
        .select_related("assignee__employee").order_by("completed_at", "pk")
    )
    return [(person_name(t.assignee), t.completed_at) for t in tasks]


def _yuan(value: Decimal) -> str:
    return f"¥{Decimal(value).quantize(Decimal('0.01')):,}"


def _quantity(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def _date(value: Any) -> str:
    if value is None:
        return "—"
    if hasattr(value, "hour"):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d")


def purchase_order_pdf(order: PurchaseOrder) -> bytes:
    """The order as an A4 PDF (labels in the active language). Refused unless it passed review."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )
    from reportlab.platypus.flowables import HRFlowable

    check_printable(order)
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    order = (
        PurchaseOrder.objects.select_related("supplier", "department", "requisition", "buyer__employee", "approval")
        .get(pk=order.pk)
    )
    supplier = order.supplier
    buyer = getattr(order.buyer, "employee", None)
    company = company_name()

    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=13.5, wordWrap="CJK")
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=11, textColor=colors.HexColor("#555555"))
    right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT)
    head = ParagraphStyle("head", parent=base, textColor=colors.HexColor("#333333"))
    title = ParagraphStyle("title", parent=base, fontSize=20, leading=26, alignment=TA_CENTER, spaceAfter=2)
    org = ParagraphStyle("org", parent=base, fontSize=13, leading=18, alignment=TA_CENTER)
    section = ParagraphStyle("section", parent=base, fontSize=11, leading=16, spaceBefore=8, spaceAfter=3)
    stamp = ParagraphStyle("stamp", parent=base, textColor=colors.HexColor(STAMP_RED))

    def p(text: Any, style: ParagraphStyle = base) -> Paragraph:
        from xml.sax.saxutils import escape

        return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)

    grid = colors.HexColor("#9aa5b1")
    shade = colors.HexColor("#eef1f5")
    width = A4[0] - 36 * mm
    story: list[Any] = [p(company, org), p(_("Purchase order"), title)]
    issued = order.issued_at or order.created_at
    meta = Table(
        [[p(_("Order number: %(number)s") % {"number": order.display_number}),
          p(_("Order date: %(date)s") % {"date": _date(issued)}, right)],
         [p(_("Requisition: %(number)s") % {"number": order.requisition.display_number}),
          p(_("Requesting department: %(name)s") % {"name": order.department.name}, right)]],
        colWidths=[width / 2, width / 2],
    )
    meta.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story += [meta, HRFlowable(width="100%", thickness=0.8, color=grid, spaceBefore=4, spaceAfter=6)]

    def party(rows: list[tuple[str, str]]) -> Table:
        t = Table([[p(label, head), p(value)] for label, value in rows], colWidths=[27 * mm, width / 2 - 31 * mm])
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 2),
                               ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
        return t

    supplier_rows = [
        (_("Supplier"), supplier.name), (_("Address"), supplier.address), (_("Contact person"), supplier.contact),
        (_("Phone"), supplier.phone), (_("E-mail"), supplier.email),
        (_("Unified social credit code"), supplier.credit_code), (_("Bank and account"), supplier.bank_account),
    ]
    buyer_rows = [
        (_("Ordered by"), company), (_("Department"), order.department.name), (_("Buyer"), person_name(order.buyer)),
        (_("Phone"), buyer.mobile if buyer else ""), (_("E-mail"), (buyer.email if buyer else "") or order.buyer.email),
    ]
    parties = Table([[party([r for r in supplier_rows if r[1]]), party([r for r in buyer_rows if r[1]])]],
                    colWidths=[width / 2, width / 2])
    parties.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOX", (0, 0), (0, 0), 0.5, grid),
                                 ("BOX", (1, 0), (1, 0), 0.5, grid)]))
    story.append(parties)

    story.append(p(_("Items"), section))
    lines = list(order.lines.all())
    rows: list[list[Any]] = [[p(h, head) for h in (
        "#", _("Item"), _("Specification"), _("Quantity"), _("Unit"), _("Unit price"), _("Amount"))]]
    for line in lines:
        rows.append([p(line.seq), p(line.name), p(line.specification), p(_quantity(line.quantity), right),
                     p(line.unit), p(_yuan(line.unit_price), right), p(_yuan(line.amount), right)])
    rows.append(["", p(_("Total"), head), "", "", "", "", p(_yuan(order.amount), right)])
    rows.append(["", p(_("Total in words"), head),
                 p(_("RMB %(words)s") % {"words": amount_in_words(order.amount)}), "", "", "", ""])
    items = Table(rows, colWidths=[8 * mm, 40 * mm, 44 * mm, 18 * mm, 12 * mm, 26 * mm, width - 148 * mm],
                  repeatRows=1)
    last = len(rows) - 1
    items.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, grid), ("BACKGROUND", (0, 0), (-1, 0), shade),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("SPAN", (1, last - 1), (5, last - 1)),
        ("SPAN", (2, last), (6, last)),
    ]))
    story.append(items)

    story.append(p(_("Delivery"), section))
    delivery = Table([[p(_("Delivery date"), head), p(_date(order.delivery_date)),
                       p(_("Delivery place"), head), p(order.delivery_place or "—")]],
                     colWidths=[22 * mm, 30 * mm, 22 * mm, width - 74 * mm])
    delivery.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, grid), ("BACKGROUND", (0, 0), (0, 0), shade),
                                  ("BACKGROUND", (2, 0), (2, 0), shade), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story.append(delivery)

    story.append(p(_("Payment terms"), section))
    terms: list[list[Any]] = [[p(h, head) for h in ("#", _("Description"), _("Due on"), _("Amount"))]]
    for inst in order.instalments.all():
        terms.append([p(inst.seq), p(inst.description or "—"),
                      p(_date(inst.due_on) if inst.due_on else _("After acceptance")), p(_yuan(inst.amount), right)])
    plan = Table(terms, colWidths=[8 * mm, width - 74 * mm, 34 * mm, 32 * mm], repeatRows=1)
    plan.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, grid), ("BACKGROUND", (0, 0), (-1, 0), shade),
                              ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story += [plan, p(_("Payment is made for goods that have passed our receiving inspection."), small)]

    if order.notes:
        story += [p(_("Notes"), section), p(order.notes)]

    approvals = approvals_of(order)
    stamp_rows = [p(_("Reviewed and approved"), ParagraphStyle("st", parent=stamp, fontSize=12, leading=16))]
    stamp_rows += [p(_("Approved by %(name)s on %(date)s") % {"name": name, "date": _date(when)}, stamp)
                   for name, when in approvals]
    if order.issued_at:
        stamp_rows.append(p(_("Issued on %(date)s") % {"date": _date(order.issued_at)}, stamp))
    box = Table([[row] for row in stamp_rows], colWidths=[70 * mm])
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.5, colors.HexColor(STAMP_RED)),
                             ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    signature = Table([[p(_("Please confirm this order by signing and returning a copy.") + "\n\n"
                          + _("Supplier (seal and signature): ______________  Date: __________"), base), box]],
                      colWidths=[width - 74 * mm, 74 * mm])
    signature.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    story += [Spacer(1, 8 * mm), KeepTogether([signature])]

    footer = _("%(company)s | purchase order %(number)s") % {"company": company, "number": order.display_number}
    printed = _("Printed %(time)s") % {"time": timezone.localtime().strftime("%Y-%m-%d %H:%M")}

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(18 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm,
                               f"{printed} | " + _("Page %(page)s") % {"page": doc.page})
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=18 * mm,
        title=f"{_('Purchase order')} {order.display_number}", author=company, subject=supplier.name,
        creator="Yewu",
    )
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()
