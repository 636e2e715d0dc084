"""Live updates: events about a commission, fanned out to the Server-Sent Event streams."""
