"""When an order's events happen relative to its creation: the generator draws within these bounds.

The lazy indexes rely on them to find the days whose orders can fall into a time window: an order
created on local day D has ``processed_at`` in ``(created_at - PROCESSED_MAX_LEAD, created_at]`` and every
later event (payment, edit, fulfilment, cancellation, void, refund, hence ``updated_at``) before
``created_at + MAX_EVENT_DELAY``. ``summary.DaySummary`` checks every generated order against them.
"""

from __future__ import annotations

from datetime import timedelta

#: Edits happen up to this many days after the order.
EDIT_MAX_DAYS = 4
#: The first refund comes less than this many days after the order, a second one less than
#: ``SECOND_REFUND_MAX_DAYS`` after the first.
REFUND_MAX_DAYS = 40
SECOND_REFUND_MAX_DAYS = 10
#: Every event of an order happens before ``created_at + MAX_EVENT_DELAY``.
MAX_EVENT_DELAY = timedelta(days=REFUND_MAX_DAYS + SECOND_REFUND_MAX_DAYS)
#: Offline POS sales are processed (rung up) at most this long before they are created (synced).
PROCESSED_MAX_LEAD = timedelta(hours=6)
