"""What supervisors change and the agent-state history their views read."""
