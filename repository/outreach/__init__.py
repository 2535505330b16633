"""Messages the company starts (an agent's new SMS or email, a back-end's notice) and opt-outs."""
