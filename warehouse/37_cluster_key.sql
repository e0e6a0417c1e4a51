-- cluster_key(event_date, date_precision, doc_id, actor1_code, actor2_code, cameo_root,
-- location_country, location_name): scalar macro, the cluster_id of the real-world event
-- (event_clusters, 38_cluster_aggregate.sql) that one event report belongs to: md5 of the date
-- truncated to its precision, the precision, the doc for undated events (they cluster only within
-- their article), the directed actor-code dyad, the CAMEO root and the place (NULLs are values).
-- The dyad views count distinct keys per group as n_distinct_events; a test checks that the keys
-- are the cluster_ids of event_clusters.

create or replace macro cluster_key(event_date, date_precision, doc_id, actor1_code, actor2_code, cameo_root,
                                    location_country, location_name) as
md5(concat_ws(chr(31),
    coalesce(cast(cast(case date_precision
        when 'year' then date_trunc('year', event_date)
        when 'month' then date_trunc('month', event_date)
        else event_date
    end as date) as varchar), '-'),
    date_precision,
    coalesce(case when event_date is null then doc_id end, '-'),
    coalesce(actor1_code, '-'),
    coalesce(actor2_code, '-'),
    cameo_root,
    coalesce(location_country, '-'),
    coalesce(lower(location_name), '-')
))
