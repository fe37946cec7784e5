"""Route modules, one per area: accounts, patient pages, guided sessions, clinician portal."""
