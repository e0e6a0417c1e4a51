-- articles: one row per distinct current article (doc_id), with the number of committed events.
-- Superseded articles (an edited file's earlier content, stg_superseded_origins) are not shown.
-- origin = the article's identity (input root + relative path, JSONL id or URL); warnings = what
-- was read leniently (e.g. a headline that made the front matter invalid YAML), else NULL.

create or replace view articles as

with articles as (

    select * from stg_articles

),

codings as (

    select * from stg_codings

),

superseded as (

    select * from stg_superseded_origins

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
        articles.origin,
        articles.warnings,
        codings.coding_key,
        codings.n_events,
        codings.coded_at,
        articles.text

    from articles
    left join codings on articles.doc_id = codings.doc_id
    where articles.doc_id not in (select doc_id from superseded)

)

select * from final
