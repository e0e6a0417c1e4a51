-- dyad_month_filled: one row per directed actor-code dyad (actor1 -> actor2, actor2 NULL for
-- one-sided events) and calendar month, from the dyad's first to its last month with events:
-- months without events get zero counts (goldstein_mean NULL) and is_filled = true.
-- The spine is per dyad (not the global range) so a dyad seen once adds one row, not decades;
-- undated events are not part of the series. Measures as in dyad_month (39_dyad_aggregate.sql):
-- n_events counts event reports, n_distinct_events distinct real-world events (event_clusters).
-- For another level or direction: the same pattern over dyad_period('month', ...).

create or replace view dyad_month_filled as

with months as (

    select * from dyad_month
    where period_start is not null

),

bounds as (

    select
        actor1,
        actor2,
        min(period_start) as first_month,
        max(period_start) as last_month

    from months
    group by actor1, actor2

),

spine as (

    select
        actor1,
        actor2,
        cast(unnest(generate_series(first_month, last_month, interval 1 month)) as date) as period_start

    from bounds

),

final as (

    select
        'month' as period,
        spine.period_start,
        spine.actor1,
        spine.actor2,
        coalesce(months.n_events, 0) as n_events,
        coalesce(months.n_distinct_events, 0) as n_distinct_events,
        coalesce(months.n_q1, 0) as n_q1,
        coalesce(months.n_q2, 0) as n_q2,
        coalesce(months.n_q3, 0) as n_q3,
        coalesce(months.n_q4, 0) as n_q4,
        coalesce(months.net_cooperation, 0) as net_cooperation,
        coalesce(months.n_root_01, 0) as n_root_01,
        coalesce(months.n_root_02, 0) as n_root_02,
        coalesce(months.n_root_03, 0) as n_root_03,
        coalesce(months.n_root_04, 0) as n_root_04,
        coalesce(months.n_root_05, 0) as n_root_05,
        coalesce(months.n_root_06, 0) as n_root_06,
        coalesce(months.n_root_07, 0) as n_root_07,
        coalesce(months.n_root_08, 0) as n_root_08,
        coalesce(months.n_root_09, 0) as n_root_09,
        coalesce(months.n_root_10, 0) as n_root_10,
        coalesce(months.n_root_11, 0) as n_root_11,
        coalesce(months.n_root_12, 0) as n_root_12,
        coalesce(months.n_root_13, 0) as n_root_13,
        coalesce(months.n_root_14, 0) as n_root_14,
        coalesce(months.n_root_15, 0) as n_root_15,
        coalesce(months.n_root_16, 0) as n_root_16,
        coalesce(months.n_root_17, 0) as n_root_17,
        coalesce(months.n_root_18, 0) as n_root_18,
        coalesce(months.n_root_19, 0) as n_root_19,
        coalesce(months.n_root_20, 0) as n_root_20,
        coalesce(months.goldstein_sum, 0) as goldstein_sum,
        months.goldstein_mean,
        coalesce(months.fatalities, 0) as fatalities,
        coalesce(months.n_articles, 0) as n_articles,
        coalesce(months.n_sources, 0) as n_sources,
        months.period_start is null as is_filled

    from spine
    left join months
        on  spine.period_start = months.period_start
        and spine.actor1 is not distinct from months.actor1
        and spine.actor2 is not distinct from months.actor2

)

select * from final
