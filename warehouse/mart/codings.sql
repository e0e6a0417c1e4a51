-- The committed codings: one row per (doc_id, coder_version, dictionary_version) whose
-- coding_key matches dyadflow.store.coding_key. An event row is committed iff it matches one.

select distinct
    doc_id,
    coder_version,
    dictionary_version

from stg_codings
where coding_key = left(sha256(coder_version || chr(31) || dictionary_version), 16)
