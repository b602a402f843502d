"""Every Slack Web API client Cercle makes, made here: with slack_sdk's retry handlers for
a dropped connection and for rate limits.

Slack answers a burst (a digest to many channels, a group sync, DMs to every voter of an
idea) with HTTP 429 and a `Retry-After`; without a handler the call raised and the DM, the
group change or the card was lost. `AsyncRateLimitErrorRetryHandler` waits as Slack asks
and tries again. Bolt copies the app client's handlers into the client of every request,
so the app's client carries them too.
"""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

# How many times one call waits out a 429 before giving up (Slack's tier 2 and 3 limits
# ask for a few seconds at most).
RATE_LIMIT_RETRIES = 3


def web_client(base_url: str, token: str | None = None) -> AsyncWebClient:
    """A Web API client at `base_url` that waits out rate limits and connection errors."""
    client = AsyncWebClient(token=token, base_url=base_url)
    client.retry_handlers.append(
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
    )
    return client
