-- mart_articles: one row per article (doc_id) with what the event views need from it:
-- outlet = the article's source, else the host of its URL (n_sources, GDELT NumSources),
-- url, published and ingested_at (representative mention and DATEADDED of event_clusters).

select
    doc_id,
    coalesce(
        source,
        nullif(regexp_extract(url, '^[a-z]+://(www\.)?([^/:]+)', 2), '')
    ) as outlet,
    url,
    published,
    ingested_at

from stg_articles
