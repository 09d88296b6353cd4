"""The one clock of a build: ``SOURCE_DATE_EPOCH`` when set, so builds can be reproduced."""

from __future__ import annotations

import datetime as dt
import os


def build_time() -> dt.datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now, in UTC, to the second."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
