"""Reports and exports of a person's stored data (for their own records or a clinician's)."""
