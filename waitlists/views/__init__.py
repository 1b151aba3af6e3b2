"""Server-rendered pages of slots, waitlists and allocation rounds, one module per role."""
