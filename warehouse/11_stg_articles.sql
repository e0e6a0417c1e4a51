-- stg_articles: one row per distinct article (doc_id); files may repeat an article, the first
-- ingested copy wins.
-- Reads {{ data_dir }}/articles/part-*.parquet (absolute path re-rendered on every apply; a typed
-- empty relation when there are no files yet).

create or replace view stg_articles as

with source as (

    select * from {{ parquet:articles }}

),

deduplicated as (

    select
        doc_id,
        path,
        url,
        title,
        source,
        published,
        published_inferred,
        language,
        text,
        ingested_at,
        n_chars,
        content_hash,
        duplicate_paths,
        origin,
        warnings

    from source
    qualify row_number() over (partition by doc_id order by ingested_at, path) = 1

)

select * from deduplicated
