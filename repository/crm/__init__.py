"""The customer record's extras: labels and typed custom fields, and merging two customers."""
