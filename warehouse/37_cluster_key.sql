-- cluster_key(event_date, date_precision, doc_id, actor1_code, actor2_code, cameo_root,
-- location_country, location_name): scalar macro, the cluster_id of the real-world event
-- (event_clusters, 38_cluster_aggregate.sql) that one event report belongs to: md5 of the date
-- truncated to its precision, the precision, the doc for undated events (they cluster only within
-- their article), the directed actor-code dyad, the CAMEO root and the place (NULLs are values).
-- Used where one key per report is wanted (the dashboard's cube); the dyad views count the same
-- key's columns directly (39_dyad_aggregate.sql, no hashing). tests/test_defects_13_e2e.py checks
-- that the distinct counts add up to the clusters of event_clusters.

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
