-- source_urls: one row per live-source URL fetched (feeds, feed items, pages; kind says which),
-- with the article it gave and that article's versions: the provenance of web articles.
--   url            normalised URL (no fragment, no utm_* parameters); final_url after redirects
--   feed           the feed an item came from (NULL for feeds and pages)
--   status         ok, or rejected (a permanent failure: its reason is in `rejects`, path = URL)
--   doc_id         the current article of the URL; title and published from `articles`
--   n_superseded   earlier versions of a page, replaced after its text changed
--   first_seen_at / fetched_at   first and latest fetch (UTC)

create or replace view source_urls as

with seen as (

    select * from stg_seen_urls

),

articles as (

    select * from stg_articles

),

superseded as (

    select url, count(*) as n_superseded, max(superseded_at) as last_superseded_at
    from stg_superseded
    group by url

),

final as (

    select
        seen.url,
        seen.kind,
        seen.feed,
        seen.status,
        seen.doc_id,
        articles.title,
        articles.published,
        seen.final_url,
        coalesce(superseded.n_superseded, 0) as n_superseded,
        superseded.last_superseded_at,
        seen.first_seen_at,
        seen.fetched_at,
        seen.run_id

    from seen
    left join articles on seen.doc_id = articles.doc_id
    left join superseded on seen.url = superseded.url

)

select * from final
