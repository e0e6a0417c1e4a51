-- compare_dyad_month: one row per unordered country pair (country1 <= country2; country2 NULL
-- for one-sided events) and month, with dyadflow's, GDELT's and ACLED's counts side by side.
--   n_dyadflow       dyadflow event reports (dyad_month_country_undirected.n_events)
--   n_gdelt          GDELT events imported (external_events, source_system 'gdelt'); each GDELT
--                    event already merges its mentions (gdelt_mentions = sum of NumMentions)
--   n_acled          ACLED events imported (source_system 'acled'), acled_fatalities their sum
--   *_goldstein_mean mean Goldstein score (dyadflow, GDELT; ACLED has none)
-- A pair and month present in any source appears, with 0 for the others. Undated dyadflow
-- events are left out (every imported event has a date).

create or replace view compare_dyad_month as

with dyadflow as (

    select
        period_start as month,
        actor1 as country1,
        actor2 as country2,
        n_events as n_dyadflow,
        goldstein_mean as dyadflow_goldstein_mean

    from dyad_month_country_undirected
    where period_start is not null

),

gdelt as (

    select
        period_month as month,
        country1_u as country1,
        country2_u as country2,
        count(*) as n_gdelt,
        sum(num_mentions) as gdelt_mentions,
        avg(goldstein) as gdelt_goldstein_mean

    from external_events
    where source_system = 'gdelt'
    group by 1, 2, 3

),

acled as (

    select
        period_month as month,
        country1_u as country1,
        country2_u as country2,
        count(*) as n_acled,
        coalesce(sum(fatalities), 0) as acled_fatalities

    from external_events
    where source_system = 'acled'
    group by 1, 2, 3

),

pairs as (

    select month, country1, country2 from dyadflow
    union
    select month, country1, country2 from gdelt
    union
    select month, country1, country2 from acled

),

final as (

    select
        pairs.month,
        pairs.country1,
        pairs.country2,
        coalesce(dyadflow.n_dyadflow, 0) as n_dyadflow,
        coalesce(gdelt.n_gdelt, 0) as n_gdelt,
        coalesce(acled.n_acled, 0) as n_acled,
        dyadflow.dyadflow_goldstein_mean,
        gdelt.gdelt_goldstein_mean,
        coalesce(gdelt.gdelt_mentions, 0) as gdelt_mentions,
        coalesce(acled.acled_fatalities, 0) as acled_fatalities

    from pairs
    left join dyadflow
        on  pairs.month = dyadflow.month
        and pairs.country1 is not distinct from dyadflow.country1
        and pairs.country2 is not distinct from dyadflow.country2
    left join gdelt
        on  pairs.month = gdelt.month
        and pairs.country1 is not distinct from gdelt.country1
        and pairs.country2 is not distinct from gdelt.country2
    left join acled
        on  pairs.month = acled.month
        and pairs.country1 is not distinct from acled.country1
        and pairs.country2 is not distinct from acled.country2

)

select * from final
order by month, country1, country2
