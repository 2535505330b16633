"""The agent desktop: its websocket and what one agent may see and do over it, and the
session-authenticated HTTP routes the desk calls (attachments, labels, merge, pending,
outbound messages, search)."""
