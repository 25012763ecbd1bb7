"""The words of each notification trigger, marked for translation (extracted by Babel, translated at render)."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here."""
    return message


HEADLINES: dict[str, str] = {
    "order_confirmed": N_("Thanks for your order"),
    "shipped": N_("Your order is on its way"),
    "out_for_delivery": N_("Your order is out for delivery"),
    "available_for_pickup": N_("Your parcel is ready to collect"),
    "failed_attempt": N_("We missed you"),
    "exception": N_("There is a problem with your delivery"),
    "delayed": N_("Your order is running late"),
    "estimate_changed": N_("Your delivery date has changed"),
    "delivered": N_("Your order has been delivered"),
    "returned": N_("Your order is being returned"),
    "cancelled": N_("Your order was cancelled"),
    "feedback": N_("How did we do?"),
}

INTROS: dict[str, str] = {
    "order_confirmed": N_("We have received your order and will let you know as soon as it ships."),
    "shipped": N_("The carrier has your parcel and it is moving through their network."),
    "out_for_delivery": N_("The driver has your parcel today. Keep an eye out!"),
    "available_for_pickup": N_("Your parcel is waiting at a pickup point. Bring an ID to collect it."),
    "failed_attempt": N_("The carrier tried to deliver your parcel but could not. See what you can do next."),
    "exception": N_("The carrier reported a problem. We are on it; here is what we know."),
    "delayed": N_("Your parcel is taking longer than planned. Here is the latest estimate."),
    "estimate_changed": N_("The carrier has a new delivery estimate for your parcel."),
    "delivered": N_("Your parcel has arrived. We hope you love it!"),
    "returned": N_("The parcel is on its way back to us. We will be in touch."),
    "cancelled": N_("Your order was cancelled. If something went wrong, we would love to fix it."),
    "feedback": N_("Your order arrived a few days ago. Tell us how the delivery went."),
}

STATUS_LABELS: dict[str, str] = {
    "pending": N_("Order placed"),
    "info_received": N_("Label created"),
    "in_transit": N_("In transit"),
    "out_for_delivery": N_("Out for delivery"),
    "available_for_pickup": N_("Ready for pickup"),
    "failed_attempt": N_("Delivery attempted"),
    "exception": N_("Needs attention"),
    "delivered": N_("Delivered"),
    "returned": N_("Returned to sender"),
    "expired": N_("No recent updates"),
}
