"""Safe writes to `decisions/`: the one package that changes decision records.

    rec = read_record(path)
    save_record(path, {"owner": "gateway-api"}, rec.fingerprint)   # may raise Conflict

`writer.py` replaces files atomically (also for `workbench export`),
`roundtrip.py` reads and saves records with ruamel (comments, order and quoting
kept; a stale save is a `Conflict`), `style.py` styles new values like the file,
`edits.py` holds the edit models (family form, checklist ticks), `baseline.py` writes decisions/baseline.yaml,
`triage.py` the TUI's triage writes (a schema into a family, a new family, a waiver). No Textual here.
"""

from ..errors import StoreError
from .edits import (
    FAMILY_LIST_FIELDS,
    FAMILY_TEXT_FIELDS,
    FamilyEdit,
    edited_family,
    missing_evidence,
    split_list,
    tick_checklist_item,
    validate_family_edit,
)
from .roundtrip import (
    ABSENT,
    DELETE,
    Conflict,
    Placed,
    Record,
    fingerprint,
    read_record,
    root_of,
    save_record,
    to_plain,
    unified_diff,
)
from .writer import (
    TEMP_PREFIX,
    TEMP_SUFFIX,
    atomic_write,
    clean_stale_temps,
    contained,
    locked,
    new_file_mode,
)

__all__ = [
    "ABSENT", "DELETE", "FAMILY_LIST_FIELDS", "FAMILY_TEXT_FIELDS", "TEMP_PREFIX", "TEMP_SUFFIX",
    "Conflict", "FamilyEdit", "Placed", "Record", "StoreError",
    "atomic_write", "clean_stale_temps", "edited_family", "contained", "fingerprint", "locked", "missing_evidence",
    "new_file_mode", "read_record", "root_of", "save_record", "split_list",
    "tick_checklist_item", "to_plain", "unified_diff", "validate_family_edit",
]
