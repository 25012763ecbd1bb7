"""The words of each notification trigger, marked for translation (extracted by Babel, translated at render)."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here."""
    return message


HEADLINES: dict[str, str] = {
    "order_confirmed": N_("Thanks for your order"),
    "not_shipped": N_("Your order has not shipped yet"),
    "shipped": N_("Your order is on its way"),
    "out_for_delivery": N_("Your order is out for delivery"),
    "available_for_pickup": N_("Your parcel is ready to collect"),
    "failed_attempt": N_("We missed you"),
    "exception": N_("There is a problem with your delivery"),
    "delayed": N_("Your order is running late"),
    "estimate_changed": N_("Your delivery date has changed"),
    "delivered": N_("Your order has been delivered"),
    "returned": N_("Your order is being returned"),
    "order_cancelled": N_("Sorry to see you go"),
    "feedback_request": N_("How did we do?"),
}

INTROS: dict[str, str] = {
    "order_confirmed": N_("We have received your order and will let you know as soon as it ships."),
    "not_shipped": N_("Your order is taking us longer to send than we planned. We are sorry for the wait."),
    "shipped": N_("The carrier has your parcel and it is moving through their network."),
    "out_for_delivery": N_("The driver has your parcel today. Keep an eye out!"),
    "available_for_pickup": N_("Your parcel is waiting at a pickup point. Bring an ID to collect it."),
    "failed_attempt": N_("The carrier tried to deliver your parcel but could not. See what you can do next."),
    "exception": N_("The carrier reported a problem. We are on it; here is what we know."),
    "delayed": N_("Your parcel is taking longer than planned. Here is the latest we know."),
    "estimate_changed": N_("The carrier has a new delivery estimate for your parcel."),
    "delivered": N_("Your parcel has arrived. We hope you love it!"),
    "returned": N_("The parcel is on its way back to us. We will be in touch."),
    "order_cancelled": N_("Your order was cancelled. Can we fix what went wrong? One click tells us why."),
    "feedback_request": N_("Your order arrived a few days ago. Tell us how it went: one click is enough."),
}

# A first order gets a welcome; a returning customer a thank-you for coming back.
WELCOME: dict[str, str] = {
    "first": N_("Welcome! This is your first order with %(shop)s, and we are glad you are here."),
    "returning": N_("Welcome back, and thank you for shopping with %(shop)s again."),
}
WELCOME_TRIGGERS = frozenset({"order_confirmed", "shipped", "delivered"})

# What the shopper can do, by the carrier event's substatus.
ACTIONS: dict[str, str] = {
    "customs_duties_due": N_("Import duties are due before the parcel can be delivered. Pay them with the carrier."),
    "address_issue": N_("The carrier needs a complete address. Reply to this email so we can correct it."),
    "nobody_home": N_("The carrier will try again. You can also rearrange delivery with the carrier."),
    "refused": N_("The parcel was refused. If that was a mistake, reply to this email and we will help."),
    "carrier_delay": N_("Nothing to do on your side: the carrier will deliver as soon as it can."),
}
GENERIC_ACTION = N_("The carrier needs something from you. Open the tracking page to see what.")

DELAY_REASONS: dict[str, str] = {
    "past_estimate": N_("The carrier's estimated delivery date has passed."),
    "past_promise": N_("The date we promised has passed."),
    "no_scan": N_("The carrier has not scanned your parcel for a while."),
}

CANCEL_REASONS: dict[str, str] = {
    "changed_mind": N_("I changed my mind"),
    "shipping_cost": N_("Shipping cost too much"),
    "too_slow": N_("Delivery was too slow"),
    "found_cheaper": N_("I found it cheaper elsewhere"),
    "payment_problem": N_("I had a payment problem"),
    "other": N_("Something else"),
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
