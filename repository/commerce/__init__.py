"""Customer value: orders and customers pushed in by ERP and shop systems, the analytics
recompute's store, and next-best-offer suggestions."""
