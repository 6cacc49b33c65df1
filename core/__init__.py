"""The yuqing domain: posts, events, alerts, releases, escalations, audit; settings, errors, the clock,
and the storage contracts. Nothing here imports any other yuqing package."""
