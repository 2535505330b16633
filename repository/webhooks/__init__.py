"""Outbound webhooks: subscriptions and the delivery log, claimed atomically and retried."""
