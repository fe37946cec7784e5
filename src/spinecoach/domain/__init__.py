"""The pure domain core: exercises, safety rules, intake scoring, plans and adaptation.

Nothing here does I/O or imports web, database, CLI or video libraries; time comes in as a
``now`` argument.
"""
