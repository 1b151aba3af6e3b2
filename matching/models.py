"""matching: filled by its own issue; wired now so settings and URLs stay stable."""
