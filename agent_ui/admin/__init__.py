"""The admin pages: the directory (agents, queues, codes, replies, keys), mailboxes, phone
numbers, labels and fields, webhooks, quarantine and compliance, each a module of its own
built on the post/redirect/get helpers in ``post`` and the form readers in ``forms``."""
