-- load_check: one row per coded article whose committed coding and visible events disagree
-- (normally empty). Every load checks it (dyadflow.pipeline.check_load) and fails loudly on a row:
-- the committed coding of each coded article (stg_codings: its coder/dictionary version and
-- n_events, the number of distinct events it produced) must have exactly its events in `events`,
-- and every visible event must belong to a committed coding. A mismatch means events were lost
-- or stamped with another version than the coding that was committed (issue 13).

create or replace view load_check as

with codings as (

    select
        doc_id,
        coder_version,
        dictionary_version,
        coding_key,
        n_events

    from stg_codings

),

visible as (

    select
        doc_id,
        count(*) as n_visible,
        min(coder_version) as coder_version,
        min(dictionary_version) as dictionary_version

    from events
    group by doc_id

),

final as (

    select
        coalesce(codings.doc_id, visible.doc_id) as doc_id,
        codings.coder_version as committed_coder_version,
        codings.dictionary_version as committed_dictionary_version,
        codings.n_events as n_committed,
        coalesce(visible.n_visible, 0) as n_visible,
        visible.coder_version as visible_coder_version

    from codings
    full outer join visible on codings.doc_id = visible.doc_id
    where codings.n_events is distinct from coalesce(visible.n_visible, 0)

)

select * from final
