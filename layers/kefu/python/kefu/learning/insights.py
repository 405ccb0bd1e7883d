"""The dashboard over the deployment's own records: the activity table, the candidates, the learned titles."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from kefu.learning.dashboard import build_dashboard
from kefu.models.learning import Dashboard
from kefu.store.activity import ActivityStore
from kefu.store.learning import LearningStore

MAX_DAYS = 92
DEFAULT_TIMEZONE = "Asia/Shanghai"
logger = logging.getLogger(__name__)


class ShopInsights:
    def __init__(self, shop_id: str, activity: ActivityStore, learning: LearningStore,
                 shop: Callable[[], tuple[str, dict[str, str]]],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        """``shop``: the shop's timezone and the title of each knowledge source (from its learned snapshot)."""
        self.shop_id = shop_id
        self._activity = activity
        self._learning = learning
        self._shop = shop
        self._clock = clock

    def dashboard(self, days: int = 7) -> Dashboard:
        days = max(1, min(days, MAX_DAYS))
        try:
            timezone, titles = self._shop()
        except Exception:  # nothing learned yet: the figures still count, in the platform's own timezone
            logger.warning("shop knowledge unavailable for the dashboard", exc_info=True)
            timezone, titles = DEFAULT_TIMEZONE, {}
        last = self._clock().astimezone(ZoneInfo(timezone)).date()
        first = last - timedelta(days=days - 1)
        # Records are kept by UTC day; one more day each side covers the shop's own days in any timezone.
        records = self._activity.days(self.shop_id, first - timedelta(days=1), last + timedelta(days=1))
        return build_dashboard(self.shop_id, timezone, first, last, records,
                               [record.approved_at for record in self._learning.taught(self.shop_id)], titles)
