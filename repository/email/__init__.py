"""The email channel's records: mailboxes, poll leases, threads, the outbox, quarantine and
sealed secrets."""
