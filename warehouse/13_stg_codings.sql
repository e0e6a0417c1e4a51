-- stg_codings: one row per article (doc_id): the coding that is committed for it.
-- Reads {{ data_dir }}/state/codings.parquet, written last by a load (the commit point):
-- an event is visible only when its (doc_id, coding_key) is the doc's committed coding, where
-- coding_key = dyadflow.store.coding_key(coder_version, dictionary_version)
--            = left(sha256(coder_version || chr(31) || dictionary_version), 16).
-- A typed empty relation when nothing was committed yet (then no event is visible).

create or replace view stg_codings as

with source as (

    select * from {{ parquet:codings }}

),

renamed as (

    select
        doc_id,
        content_hash,
        coding_key,
        coder_version,
        dictionary_version,
        n_events,
        run_id,
        coded_at

    from source

)

select * from renamed
