"""The demo municipality, composed from each app's own demo loader along a case's path.

directory (the map and its users) → cases (cases, needs, consents, alerts) →
matching (referrals) → waitlists (enrolments, waitlist entries) → gaps (the nightly
figures). Each loader holds only its own app's records and imports nothing above it;
what one needs of another is passed in here (the shared ``random.Random``, the
demo's actors, the slot moves) or read from the database. This app sits above them
all and owns the ``demo_municipality`` command; ``demo.history`` adds the rest of the
network's year (other teams' referrals, slots and queues, every day's nightly figures).
"""
