-- dashboard cube: one row per month x directed actor dyad x quad class x CAMEO root, over the
-- `events_dyadic` view (every row of `events`). The dashboard filters and re-aggregates it in the
-- browser (period, country, actor, quad class, event type). Summable: a real-world event
-- (cluster_key, 37_cluster_key.sql) has one dyad, root and date, so it falls in one row, and
-- n_distinct_events adds up exactly to the dyad views' totals. month is NULL for undated events.

with events as (

    select * from events_dyadic

),

keyed as (

    select
        strftime(date_trunc('month', event_date), '%Y-%m') as month,
        actor1_code,
        actor2_code,
        actor1_country,
        actor2_country,
        quad_class,
        cameo_root,
        goldstein,
        fatalities,
        cluster_key(event_date, date_precision, doc_id, actor1_code, actor2_code, cameo_root,
                    location_country, location_name) as cluster_id

    from events

),

final as (

    select
        month,
        actor1_code,
        actor2_code,
        actor1_country,
        actor2_country,
        quad_class,
        cameo_root,
        count(*) as n_events,
        count(distinct cluster_id) as n_distinct_events,
        round(coalesce(sum(goldstein), 0), 2) as goldstein_sum,
        count(goldstein) as n_goldstein,
        coalesce(sum(fatalities), 0) as fatalities

    from keyed
    group by all

)

select * from final
order by n_events desc, month, actor1_code, actor2_code, quad_class, cameo_root
