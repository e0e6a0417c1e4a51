-- stg_rejects: one row per rejected input (reject_id), with the stage and the reason.
-- Reads {{ data_dir }}/rejects/part-*.parquet (absolute path re-rendered on every apply; a typed
-- empty relation when nothing was ever rejected).

create or replace view stg_rejects as

with source as (

    select * from {{ parquet:rejects }}

),

deduplicated as (

    select
        reject_id,
        path,
        line,
        stage,
        reason,
        detail,
        sha256,
        n_bytes,
        run_id,
        rejected_at

    from source
    qualify row_number() over (partition by reject_id order by rejected_at) = 1

)

select * from deduplicated
