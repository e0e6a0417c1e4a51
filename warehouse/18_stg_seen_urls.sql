-- stg_seen_urls: one row per fetched live-source URL (feed, feed item or page): what the next
-- poll skips (items), re-validates (feeds, pages: etag / last_modified) or remembers as rejected.
-- Reads {{ data_dir }}/state/seen_urls.parquet (schemas/seen_urls.json, written by
-- dyadflow.sources.state); a typed empty relation before the first `--sources` run.

create or replace view stg_seen_urls as

with source as (

    select * from {{ parquet:seen_urls }}

),

renamed as (

    select
        url,
        kind,
        feed,
        status,
        doc_id,
        final_url,
        etag,
        last_modified,
        content_hash,
        first_seen_at,
        fetched_at,
        run_id

    from source

)

select * from renamed
