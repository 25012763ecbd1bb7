"""What the tracking page shows, built from a shipment's data: status, progress, estimate, timeline, items,
the order's other shipments, requests, feedback and SMS settings, with personal data masked."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from markupsafe import Markup, escape

from app.i18n import SUPPORTED
from app.recommend import Recommended
from app.security.tokens import derive_token
from app.web.branding import page_branding
from app.web.formatting import when_text
from app.web.page_estimate import Estimate, is_late
from app.web.page_parcels import parcels_of
from app.web.pages_data import TrackingData
from app.web.progress import ACTIONS, EVENT_LABELS, first_name, mask_postal, progress
from app.web.templating import page_gettext
from carriers.registry import display_name
from carriers.status import Status
from notifications.copy import N_, STATUS_LABELS

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "de": "Deutsch", "es": "Español", "ja": "日本語", "ru": "Русский"}
PRE_SHIP = {Status.PENDING, Status.INFO_RECEIVED}
CHANGE_KINDS = ("address", "swap", "cancel")
KIND_LABELS = {
    "address": N_("Change the delivery address"),
    "swap": N_("Swap size or colour"),
    "cancel": N_("Cancel the order"),
}
STATE_LABELS = {
    "open": N_("waiting for the shop"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "done": N_("done"),
}


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def timeline(events: list[Any], locale: str, zone: ZoneInfo) -> Markup:
    """The timeline's rows, newest first, as one piece of HTML (empty without scans): each scan worded in the
    shopper's language (the carrier's own text under the plain words, or alone where there are none), at the
    shopper's local time.

    A parcel's scans are the page's longest loop (~20 rows), so the rows are built here, every value escaped,
    rather than in the template: ~4 µs a row against ~12 µs for the per-row object and the template's loop."""
    translate = page_gettext(locale)
    rows = []
    first = ' class="latest"'
    for e in events:
        label = EVENT_LABELS.get(e.substatus) or STATUS_LABELS.get(e.status, "")
        moment = e.occurred_at
        if label:
            what, detail = str(translate(label)), e.description
        else:
            what, detail = carrier_text(e.description), ""
        at = escape(when_text(moment, locale, zone))
        extra = f'\n        <span class="carrier-text">{carrier_text(detail)}</span>' if detail else ""
        if e.location:
            extra += f'\n        <span class="where">{carrier_text(e.location)}</span>'
        # the datetime attribute is an ISO 8601 moment: digits, '-', ':', '+', '.' and 'T' only
        rows.append(
            f'\n      <li{first}>\n        <time datetime="{moment.isoformat()}">{at}</time>'
            f'\n        <span class="what">{what}</span>{extra}\n      </li>'
        )
        first = ""
    return Markup("".join(rows))


_CARRIER_TEXTS: dict[str, str] = {}


def carrier_text(text: str) -> str:
    """A carrier's text escaped, kept: carriers repeat a small vocabulary of descriptions and facility names."""
    found = _CARRIER_TEXTS.get(text)
    if found is None:
        if len(_CARRIER_TEXTS) >= 20_000:
            _CARRIER_TEXTS.clear()
        found = _CARRIER_TEXTS[text] = str(escape(text))
    return found


def can_request_change(data: TrackingData) -> bool:
    """Before any carrier scan on any of the order's shipments, and while the order is not cancelled."""
    shipments = [data.shipment, *data.siblings]
    return data.order.cancelled_at is None and all(
        Status(s.status) in PRE_SHIP and s.shipped_at is None for s in shipments
    )


def tracking_context(
    data: TrackingData,
    *,
    secret_key: str,
    token: str,
    estimate: Estimate | None,
    recommended: list[Recommended],
    today: date,
    locale: str,
    zone: ZoneInfo,
    limited: bool = False,
) -> dict[str, Any]:
    """Everything the template needs; `limited` (found by bare tracking number) leaves out every order detail."""
    ship, order, merchant = data.shipment, data.order, data.merchant
    status = Status(ship.status)
    latest_location = data.events[0].location if data.events else ""
    context: dict[str, Any] = {
        "shop": page_branding(merchant),
        "limited": limited,
        "token": token,
        "status": status.value,
        "status_label": STATUS_LABELS[status.value],
        "progress": progress(status),
        "action": ACTIONS.get(ship.substatus, "") if ship.action_required else "",
        "pickup_location": latest_location if status is Status.AVAILABLE_FOR_PICKUP else "",
        "estimate": estimate,
        "late": is_late(status, estimate, today),
        "delivered_at": ship.delivered_at,
        # a single word ("Recipient", "Mailroom") is shown; a person's full name never is
        "signed_by": ship.signed_by if len(ship.signed_by.split()) == 1 else "",
        "events": timeline(data.events, locale, zone),
        "zone": zone,
        "carrier_name": display_name(ship.carrier),
        "tracking_number": ship.tracking_number,
        "updated_at": ship.updated_at,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in SUPPORTED],
        "errors": {},
        "form": {},
        "version": "",
    }
    if limited:
        return context
    parcel = parcels_of(ship.id, data.parcels, data.items)
    context.update(
        {
            "order_number": order.number,
            "first_name": first_name(order.customer_name),
            "destination": ", ".join(p for p in (order.city, mask_postal(order.postal_code)) if p),
            "items": data.items,
            "item_count": sum(item.quantity for item in data.items),
            "parcel": parcel,
            "siblings": [
                {
                    "token": derive_token(secret_key, s.ref, s.token_version),
                    "carrier_name": display_name(s.carrier),
                    "tracking_number": s.tracking_number,
                    "status_label": STATUS_LABELS[s.status],
                    "carries": parcel.others.get(s.id, []) if parcel else [],
                }
                for s in data.siblings
            ],
            "recommended": recommended,
            "can_change": can_request_change(data),
            "change_kinds": CHANGE_KINDS,
            "requests": [
                {
                    "kind": KIND_LABELS.get(r.kind, r.kind),
                    "state": STATE_LABELS.get(r.state, r.state),
                    "created_at": r.created_at,
                }
                for r in data.requests
            ],
            "can_feedback": status is Status.DELIVERED,
            "feedback": data.feedback,
            "sms_opt_in": order.sms_opt_in,
            "preferred_channel": order.preferred_channel,
            "cancelled": order.cancelled_at is not None,
        }
    )
    return context
