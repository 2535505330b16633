"""Typed bus events with their audience, and the transactional outbox that publishes them."""
