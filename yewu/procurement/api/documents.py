"""The purchase order's PDF in the API: GET /api/procurement/purchase-orders/{id}/pdf/."""

from __future__ import annotations

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer

from yewu.procurement import documents


class PdfRenderer(BaseRenderer):
    """Lets a client ask for application/pdf; refusals are still JSON (code and message)."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data, ensure_ascii=False).encode()


class PurchaseOrderPdfMixin:
    """The `pdf` action of the purchase order viewset (same restricted queryset: 404 outside it)."""

    @extend_schema(
        request=None,
        responses={(200, "application/pdf"): OpenApiTypes.BINARY,
                   400: OpenApiResponse(description="The order has not passed review (code and message).")},
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PdfRenderer])
    def pdf(self, request, pk=None):
        """The order as a PDF to send to the supplier; only once it passed review."""
        from yewu.procurement.views_reports import pdf_response

        order = self.get_object()
        return pdf_response(documents.purchase_order_pdf(order), order)
