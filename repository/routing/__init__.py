"""What the router reads from the CCR and the guards on its claims: snapshot reads,
the fencing token, requeueing, missed offers and the presence grace after a restart."""
