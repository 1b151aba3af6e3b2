"""Import HSDS 3.0 (JSON, tabular JSON or a CSV datapackage) into the service map.

All or nothing: every record is checked before anything is written, the writes run in
one transaction, and any error rolls everything back. Records are matched by their HSDS
id, and a record whose values did not change is not saved, so importing the same file
twice adds no history.
"""

# The steps live in their own modules: report (the report and shared types), reading,
# merging, writer (saving one instance), base, checks and writes (the importer's state, its
# checks and its writes) and run (the whole import in one transaction).
from directory.hsds.importer.merging import Record as Record
from directory.hsds.importer.reading import FILE_ORDER as FILE_ORDER
from directory.hsds.importer.reading import read_sources
from directory.hsds.importer.report import ImportReport, Issue
from directory.hsds.importer.report import Json as Json
from directory.hsds.importer.report import Progress as Progress
from directory.hsds.importer.run import hsds_import
from directory.hsds.importer.writer import CHANGE_REASON as CHANGE_REASON
from directory.hsds.importer.writer import MODEL_TO_HSDS as MODEL_TO_HSDS
from directory.hsds.importer.writes import DEFAULT_ACCESS_ROUTES as DEFAULT_ACCESS_ROUTES

__all__ = ["ImportReport", "Issue", "hsds_import", "read_sources"]
