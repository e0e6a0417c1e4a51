-- events: one row per event_id: the committed, deduplicated events (every coded event that is
-- part of the warehouse; the coder emits no negated or hypothetical acts into the warehouse,
-- and is_factual is kept as a column for analysts who filter anyway).
-- Read from the native table mart_events, which dyadflow.warehouse.refresh_marts keeps equal to
-- the Parquet store on every apply (refresh after a load, and every `connect`):
-- Committed: the row's (doc_id, coding_key) is the doc's row in stg_codings, where
-- coding_key = left(sha256(coder_version || chr(31) || dictionary_version), 16)
-- (dyadflow.store.coding_key). Rows of a run that died before its commit, and rows of an older
-- coder/dictionary version of a doc, are therefore invisible.
-- Deduplicated: if an event_id occurs in several files, the row of the latest run wins.
-- (Both rules: warehouse/mart/events_visible.sql.) Adds cameo_base (first 3 digits) and
-- is_factual (not negated and not hypothetical).

create or replace view events as

with visible as (

    select * exclude (_part, _file, _visible)
    from mart_events
    where _visible

),

final as (

    select
        *,
        left(cameo_code, 3) as cameo_base,
        (not negated and modality <> 'hypothetical') as is_factual

    from visible

)

select * from final
