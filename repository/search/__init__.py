"""Search over the CCR: the index kept in the same transaction, text analysis, queries,
and highlighted snippets."""
