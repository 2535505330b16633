"""The audit log and GDPR export and erasure."""
