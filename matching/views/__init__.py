"""The matching pages, one module per kind of user; each view is thin.

Reads go through ``matching.selectors`` and ``matching.options``, writes through
``matching.services``. A page of another role is a 403; a record one may not see
is a 404, as if it did not exist.
"""
