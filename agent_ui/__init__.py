"""The browser UI: sign-in, the agent desktop, the admin pages and their websockets."""
