"""Web helpers every app's pages and API share (charts, API field checks).

Not a Django app and the lowest floor of all: it imports no app of the project, so
any app may use it (see docs/architecture.md).
"""
