"""Loading and validating the reviewed data files (exercises, rules, source tags)."""

from spinecoach.content.loader import load_library, load_rules, load_source_tags, load_sources

__all__ = ["load_library", "load_rules", "load_source_tags", "load_sources"]
