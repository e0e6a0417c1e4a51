-- events: one row per event_id: the committed, deduplicated events.
-- Committed: the event's (doc_id, coding_key) is the doc's row in stg_codings, where
-- coding_key = left(sha256(coder_version || chr(31) || dictionary_version), 16)
-- (dyadflow.store.coding_key). Rows of a run that died before its commit, and rows of an older
-- coder/dictionary version of a doc, are therefore invisible.
-- Deduplicated: if an event_id occurs in several files, the row of the latest run wins.
-- Adds cameo_base (first 3 digits) and is_factual (not negated and not hypothetical): the
-- analytical views (events_dyadic, dyad_*, event_clusters, exports) count factual events only.

create or replace view events as

with events as (

    select * from stg_events

),

codings as (

    select
        doc_id,
        coder_version,
        dictionary_version

    from stg_codings
    where coding_key = left(sha256(coder_version || chr(31) || dictionary_version), 16)

),

committed as (

    select events.*
    from events
    inner join codings
        on  events.doc_id = codings.doc_id
        and events.coder_version = codings.coder_version
        and events.dictionary_version = codings.dictionary_version

),

deduplicated as (

    select *
    from committed
    qualify row_number() over (partition by event_id order by run_id desc) = 1

),

final as (

    select
        *,
        left(cameo_code, 3) as cameo_base,
        (not negated and modality <> 'hypothetical') as is_factual

    from deduplicated

)

select * from final
