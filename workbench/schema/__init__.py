"""The schema toolkit every part uses: dialects and their keyword vocabulary
(`dialect.py`), subschema iteration and JSON node types (`nodes.py`), JSON
pointers and file path <-> URI (`uri.py`), regular expressions run with a bound (`regex.py`).
"""

from .dialect import DIALECTS, Dialect, by_uri, dialect_of
from .nodes import JSON_TYPES, iter_refs, json_type, subschemas, walk
from .uri import MISSING, file_uri, path_of, pointer_str, walk_pointer

__all__ = ["DIALECTS", "Dialect", "dialect_of", "by_uri", "JSON_TYPES", "iter_refs", "json_type", "subschemas",
           "walk", "file_uri", "path_of", "pointer_str", "walk_pointer", "MISSING"]
