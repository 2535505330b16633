"""The core of the CCR: customers and their identities, interactions and their events,
the one ingest transaction, the lifecycle every status change goes through, and reads."""
