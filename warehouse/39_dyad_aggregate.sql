-- dyad_aggregate(period, level, direction, date_from, date_to, undated): table macro, one row per
-- dyad and period_start computed from events_dyadic (every row of `events`), restricted to events
-- dated in [date_from, date_to) plus, when `undated`, the undated ones. The materialisation
-- (dyadflow.warehouse.refresh_marts) calls it with whole periods to (re)build the mart_dyad_*
-- tables behind the dyad_<period>* views; dyad_period() calls it for other date_trunc parts.
--   period    any date_trunc part ('day', 'week', 'month', 'quarter', 'year', 'decade', ...)
--   level     'actor'   -> actor1/actor2 are CAMEO actor codes (e.g. TURMIL)
--             'country' -> actor1/actor2 are ISO3 countries of the source/target
--   direction 'directed'   -> actor1 = source, actor2 = target
--             'undirected' -> the pair sorted, actor1 <= actor2 (a one-sided event keeps
--                             its source as actor1 and NULL as actor2)
-- Grain: one row per (period_start, actor1, actor2); NULLs are values of the grain: actor2 NULL
-- for events without a target, period_start NULL for undated events, so totals reconcile
-- exactly with `select count(*) from events`. Weeks start on Monday (ISO). An event dated only
-- to a month or year (date_precision) falls in the first day/week of that month/year.
-- Two kinds of counts (README, "Querying"):
--   n_events           event REPORTS: one per coded mention, so a story carried by 80 articles
--                      counts 80 (and so do n_q*, n_root_*, goldstein_sum, fatalities);
--   n_distinct_events  distinct REAL-WORLD events: the event_clusters (38_cluster_aggregate.sql:
--                      same date at its precision, directed actor dyad, CAMEO root and place)
--                      that the group's reports belong to: the distinct cluster keys (the
--                      cluster_id inputs of 38_cluster_aggregate.sql) among them, exact.
-- Measures: n_events; n_distinct_events; n_q1..n_q4 (quad classes: 1 verbal coop, 2 material coop, 3 verbal
-- conflict, 4 material conflict); n_root_01..n_root_20 (CAMEO roots); goldstein_sum (NULL
-- weights count 0) and goldstein_mean (over events with a weight); net_cooperation =
-- (n_q1 + n_q2) - (n_q3 + n_q4); fatalities (sum, 0 when none reported); n_articles (distinct
-- doc_id); n_sources (distinct outlet). All exact (no approximate distinct counts).

create or replace macro dyad_aggregate(period, level, direction, date_from, date_to, undated) as table

with events as (

    select * from events_dyadic
    where (event_date >= date_from and event_date < date_to)
       or (undated and event_date is null)

),

keyed as (

    select
        cast(date_trunc(period, event_date) as date) as period_start,
        case
            when level = 'country' and direction = 'undirected' then actor1_country_u
            when level = 'country' then actor1_country
            when direction = 'undirected' then actor1_code_u
            else actor1_code
        end as actor1,
        case
            when level = 'country' and direction = 'undirected' then actor2_country_u
            when level = 'country' then actor2_country
            when direction = 'undirected' then actor2_code_u
            else actor2_code
        end as actor2,
        doc_id,
        outlet,
        quad_class,
        cameo_root,
        goldstein,
        fatalities,
        -- the event_clusters key (38_cluster_aggregate.sql), compared as columns (no hashing)
        cast(case date_precision
            when 'year' then date_trunc('year', event_date)
            when 'month' then date_trunc('month', event_date)
            else event_date
        end as date) as cluster_date,
        date_precision,
        case when event_date is null then doc_id end as cluster_undated_doc_id,
        actor1_code,
        actor2_code,
        location_country,
        lower(location_name) as cluster_location_name

    from events

),

aggregated as (

    select
        period_start,
        actor1,
        actor2,
        count(*) as n_events,
        count_if(quad_class = 1) as n_q1,
        count_if(quad_class = 2) as n_q2,
        count_if(quad_class = 3) as n_q3,
        count_if(quad_class = 4) as n_q4,
        count_if(cameo_root = '01') as n_root_01,
        count_if(cameo_root = '02') as n_root_02,
        count_if(cameo_root = '03') as n_root_03,
        count_if(cameo_root = '04') as n_root_04,
        count_if(cameo_root = '05') as n_root_05,
        count_if(cameo_root = '06') as n_root_06,
        count_if(cameo_root = '07') as n_root_07,
        count_if(cameo_root = '08') as n_root_08,
        count_if(cameo_root = '09') as n_root_09,
        count_if(cameo_root = '10') as n_root_10,
        count_if(cameo_root = '11') as n_root_11,
        count_if(cameo_root = '12') as n_root_12,
        count_if(cameo_root = '13') as n_root_13,
        count_if(cameo_root = '14') as n_root_14,
        count_if(cameo_root = '15') as n_root_15,
        count_if(cameo_root = '16') as n_root_16,
        count_if(cameo_root = '17') as n_root_17,
        count_if(cameo_root = '18') as n_root_18,
        count_if(cameo_root = '19') as n_root_19,
        count_if(cameo_root = '20') as n_root_20,
        coalesce(sum(goldstein), 0) as goldstein_sum,
        avg(goldstein) as goldstein_mean,
        cast(coalesce(sum(fatalities), 0) as bigint) as fatalities

    from keyed
    group by period_start, actor1, actor2

),

-- Exact distinct counts without count(distinct) (which is several times slower on wide groups):
-- an article has one outlet (mart_articles holds one row per doc_id), so counting the distinct
-- (dyad, period, doc) rows per outlet and then the outlets per (dyad, period) gives both.
article_rows as (

    select distinct period_start, actor1, actor2, doc_id, outlet
    from keyed

),

outlet_rows as (

    select period_start, actor1, actor2, outlet, count(*) as n_docs
    from article_rows
    group by period_start, actor1, actor2, outlet

),

distinct_counts as (

    select
        period_start,
        actor1,
        actor2,
        sum(n_docs) as n_articles,
        count(outlet) as n_sources

    from outlet_rows
    group by period_start, actor1, actor2

),

-- distinct real-world events per group, by the same distinct-rows pattern
cluster_rows as (

    select distinct
        period_start, actor1, actor2,
        cluster_date, date_precision, cluster_undated_doc_id, actor1_code, actor2_code, cameo_root,
        location_country, cluster_location_name
    from keyed

),

cluster_counts as (

    select period_start, actor1, actor2, count(*) as n_distinct_events
    from cluster_rows
    group by period_start, actor1, actor2

),

final as (

    select
        cast(period as varchar) as period,
        cast(level as varchar) as level,
        cast(direction as varchar) as direction,
        aggregated.period_start,
        aggregated.actor1,
        aggregated.actor2,
        n_events,
        cluster_counts.n_distinct_events,
        n_q1,
        n_q2,
        n_q3,
        n_q4,
        (n_q1 + n_q2) - (n_q3 + n_q4) as net_cooperation,
        n_root_01,
        n_root_02,
        n_root_03,
        n_root_04,
        n_root_05,
        n_root_06,
        n_root_07,
        n_root_08,
        n_root_09,
        n_root_10,
        n_root_11,
        n_root_12,
        n_root_13,
        n_root_14,
        n_root_15,
        n_root_16,
        n_root_17,
        n_root_18,
        n_root_19,
        n_root_20,
        goldstein_sum,
        goldstein_mean,
        fatalities,
        distinct_counts.n_articles,
        distinct_counts.n_sources

    from aggregated
    inner join distinct_counts
        on  aggregated.period_start is not distinct from distinct_counts.period_start
        and aggregated.actor1 is not distinct from distinct_counts.actor1
        and aggregated.actor2 is not distinct from distinct_counts.actor2
    inner join cluster_counts
        on  aggregated.period_start is not distinct from cluster_counts.period_start
        and aggregated.actor1 is not distinct from cluster_counts.actor1
        and aggregated.actor2 is not distinct from cluster_counts.actor2

)

select * from final
