"""Smart resistance band plug-in: tension (N) and, where reported, stretch (%) -> stretch zone.

See docs/sensor-plugins.md (file format, line protocol, how it plugs in).
"""
