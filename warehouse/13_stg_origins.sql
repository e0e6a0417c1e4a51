-- stg_superseded_origins: one row per superseded article (doc_id): content that an origin (a file, a
-- JSONL line, a URL) held once and that no origin holds now, because the file was edited.
-- Reads {{ data_dir }}/state/origins.parquet (one row per origin and doc_id ever read, `current`
-- on what each origin holds now; see dyadflow.origins). A typed empty relation when no origin was
-- recorded yet. Articles read before origins were recorded are never superseded.

create or replace view stg_superseded_origins as

with source as (

    select * from {{ parquet:origins }}

),

superseded as (

    select doc_id
    from source
    group by doc_id
    having not bool_or(current)

)

select * from superseded
