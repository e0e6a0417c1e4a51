-- articles: one row per distinct article (doc_id), with the number of committed events.

create or replace view articles as

with articles as (

    select * from stg_articles

),

codings as (

    select * from stg_codings

),

final as (

    select
        articles.doc_id,
        articles.path,
        articles.url,
        articles.title,
        articles.source,
        articles.published,
        articles.published_inferred,
        articles.language,
        articles.n_chars,
        articles.ingested_at,
        articles.content_hash,
        articles.duplicate_paths,
        codings.coding_key,
        codings.n_events,
        codings.coded_at,
        articles.text

    from articles
    left join codings on articles.doc_id = codings.doc_id

)

select * from final
