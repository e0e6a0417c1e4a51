-- stg_superseded: one row per superseded article, an earlier version of a page whose text changed
-- (doc_id replaced by superseded_by at url). Its coding is retired: its events are in no view.
-- Reads {{ data_dir }}/state/superseded.parquet (schemas/superseded.json); a typed empty relation
-- when no page has changed yet.

create or replace view stg_superseded as

with source as (

    select * from {{ parquet:superseded }}

),

renamed as (

    select
        doc_id,
        superseded_by,
        url,
        superseded_at,
        run_id

    from source

)

select * from renamed
