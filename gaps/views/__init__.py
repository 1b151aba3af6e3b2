"""The planners' pages: the gap map, trends across snapshots, the referral network, downloads."""
